from __future__ import annotations

import pytest
from detector_run import facts, lines

from migrate.scan.detectors.blocking import ADVICE


@pytest.mark.parametrize(
    "source",
    (
        pytest.param(
            """\
            import time

            def view(time):
                time.sleep(1)
            """,
            id="time.sleep shadowed by a parameter",
        ),
        pytest.param(
            """\
            import time

            def view():
                time = FakeClock()
                time.sleep(1)
            """,
            id="time.sleep shadowed by a local",
        ),
        pytest.param(
            """\
            def view():
                requests = []
                requests.get(0)
                time.sleep(1)
            """,
            id="names that are not imports",
        ),
        pytest.param(
            """\
            import requests, httpx, redis

            session = requests.Session()

            async def view():
                async with httpx.AsyncClient() as client:
                    await client.get("u")
                redis.asyncio.Redis()
            """,
            id="module level and async clients",
        ),
        pytest.param(
            """\
            from flask import session

            def view(open):
                open("x")
                session.get("k")
                http.session.get(url)
            """,
            id="open shadowed, flask session, a requests session",
        ),
        pytest.param(
            """\
            import socket, subprocess

            def view():
                with pool() as (socket, other):
                    socket.socket()
                try:
                    pass
                except Exception as subprocess:
                    subprocess.run()

            def other():
                def open(path):
                    return path
                return open("x")
            """,
            id="shadowed by with-as, except-as and a nested def",
        ),
    ),
)
def test_noop(source: str) -> None:
    assert facts(source, "blocking") == []


@pytest.mark.parametrize(
    ("source", "expected"),
    (
        pytest.param(
            """\
            import requests, httpx
            import urllib.request
            from http.client import HTTPSConnection

            def view():
                requests.get(url, timeout=5)
                s = requests.Session()
                httpx.post(url)
                with httpx.Client() as client:
                    pass
                urllib.request.urlopen(url)
                HTTPSConnection("example.com")
            """,
            [
                ("view", "requests.get", {"library": "requests"}),
                ("view", "requests.Session", {"library": "requests"}),
                ("view", "httpx.post", {"library": "httpx"}),
                ("view", "httpx.Client", {"library": "httpx"}),
                ("view", "urllib.request.urlopen", {"library": "urllib.request"}),
                ("view", "http.client.HTTPSConnection", {"library": "http.client"}),
            ],
            id="sync HTTP clients",
        ),
        pytest.param(
            """\
            from time import sleep as nap

            def view():
                nap(0.5)
            """,
            [("view", "time.sleep", {"library": "time"})],
            id="aliased sleep",
        ),
        pytest.param(
            """\
            import sqlite3, psycopg2, pymysql, redis

            def get_db():
                return sqlite3.connect("app.db")

            def other():
                psycopg2.connect(dsn)
                pymysql.connect(host="h")
                redis.Redis(host="h")
                redis.StrictRedis.from_url(url)
            """,
            [
                ("get_db", "sqlite3.connect", {"library": "sqlite3"}),
                ("other", "psycopg2.connect", {"library": "psycopg2"}),
                ("other", "pymysql.connect", {"library": "pymysql"}),
                ("other", "redis.Redis", {"library": "redis"}),
                ("other", "redis.StrictRedis.from_url", {"library": "redis"}),
            ],
            id="database drivers and redis",
        ),
        pytest.param(
            """\
            from app.extensions import db

            def view(user_id):
                user = User.query.filter_by(id=user_id).first()
                posts = Post.query.order_by(Post.id).paginate(page=1)
                db.session.add(user)
                db.session.commit()
                db.session.get(User, user_id)
                db.get_or_404(User, user_id)
            """,
            [
                ("view", "query.filter_by", {"library": "flask_sqlalchemy"}),
                ("view", "query.order_by", {"library": "flask_sqlalchemy"}),
                ("view", "session.add", {"library": "sqlalchemy"}),
                ("view", "session.commit", {"library": "sqlalchemy"}),
                ("view", "session.get", {"library": "sqlalchemy"}),
                ("view", "db.get_or_404", {"library": "flask_sqlalchemy"}),
            ],
            id="SQLAlchemy sessions and Model.query",
        ),
        pytest.param(
            """\
            from pathlib import Path

            def view():
                with open("data.csv") as fh:
                    pass
                here = Path(__file__).parent / "static"
                here.joinpath("a.txt").read_text()
                Path("out.txt").write_text("x")
                Path(name).name
            """,
            [
                ("view", "open", {"library": "builtins"}),
                ("view", "pathlib.Path.read_text", {"library": "pathlib"}),
                ("view", "pathlib.Path.write_text", {"library": "pathlib"}),
            ],
            id="file I/O",
        ),
        pytest.param(
            """\
            import subprocess, os, socket, smtplib, boto3

            def view():
                subprocess.run(["ls"], check=True)
                os.system("ls")
                os.path.join("a", "b")
                socket.create_connection(("h", 80))
                smtplib.SMTP("mail")
                boto3.client("s3")
            """,
            [
                ("view", "subprocess.run", {"library": "subprocess"}),
                ("view", "os.system", {"library": "os"}),
                ("view", "socket.create_connection", {"library": "socket"}),
                ("view", "smtplib.SMTP", {"library": "smtplib"}),
                ("view", "boto3.client", {"library": "boto3"}),
            ],
            id="processes, sockets, SMTP and AWS",
        ),
    ),
)
def test_facts(source: str, expected: list[object]) -> None:
    assert facts(source, "blocking", keys=("library",)) == expected


def test_advice() -> None:
    source = """\
    import requests, time, sqlite3

    def view():
        requests.get(url)
        time.sleep(1)
        sqlite3.connect("x")
        open("f")
    """
    advice = [data["advice"] for _fn, _name, data in facts(source, "blocking")]
    assert advice == [ADVICE[c][1] for c in ("http", "sleep", "db", "file")]
    assert "httpx.AsyncClient" in advice[0]
    assert "asyncio.sleep" in advice[1]
    assert "aiosqlite" in advice[2]
    assert "aiofiles" in advice[3]


def test_lines() -> None:
    source = """\
    import requests

    def view():
        x = 1
        r = requests.get(
            "https://example.com",
        )
    """
    assert lines(source, "blocking") == [("view", "requests.get", 5)]
