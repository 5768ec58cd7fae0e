"""The hybrid is a plain ASGI app: the same checks under every ASGI server we can get.

uvicorn and Hypercorn are test dependencies; Daphne and Granian are tested when they
are installed (``pip install daphne granian``) and skipped otherwise.
"""

from __future__ import annotations

import sys
import time

import httpx
import pytest
from hybrid_servers import free_port, running_hypercorn, running_process, running_uvicorn


def check_serves_both_sides(base: str) -> None:
    with httpx.Client(base_url=base, timeout=10) as client:
        assert client.get("/items").json() == {"side": "native"}
        assert client.post("/items").text == "flask items POST"
        assert client.get("/items/3").json() == {"id": 3, "side": "flask"}
        missing = client.get("/no/such/page")
        assert missing.status_code == 404
        assert missing.headers["content-type"] == "text/html; charset=utf-8"
        assert "<title>404 Not Found</title>" in missing.text
        assert client.get("/go").headers["location"] == "/target"
        client.post("/login", data={"user": "alice"})
        assert client.get("/api/me").json() == {"user": "alice"}
        with client.stream("GET", "/timed-stream") as response:
            started = time.monotonic()
            chunks = response.iter_raw()
            first, first_at = next(chunks), time.monotonic() - started
            rest, total = b"".join(chunks), time.monotonic() - started
        assert (first, rest) == (b"line 0\n", b"line 1\nline 2\n")
        # lines at 0, 0.4 and 0.8 s, the end at 1.2 s: the first must not wait for it
        assert total > 1.0 and first_at < total / 2


def test_under_uvicorn(hybrid_app, servers):
    check_serves_both_sides(servers.enter_context(running_uvicorn(hybrid_app)))


def test_under_hypercorn(hybrid_app, servers):
    check_serves_both_sides(servers.enter_context(running_hypercorn(hybrid_app)))


def test_under_daphne(servers):
    pytest.importorskip("daphne")
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "daphne",
        "-b",
        "127.0.0.1",
        "-p",
        str(port),
        "hybrid_asgi:app",
    ]
    servers.enter_context(running_process(command, f"http://127.0.0.1:{port}/ping"))
    check_serves_both_sides(f"http://127.0.0.1:{port}")


def test_under_granian(servers):
    pytest.importorskip("granian")
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "granian",
        "--interface",
        "asgi",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--factory",
        "hybrid_apps:server_app",
    ]
    servers.enter_context(running_process(command, f"http://127.0.0.1:{port}/ping"))
    check_serves_both_sides(f"http://127.0.0.1:{port}")
