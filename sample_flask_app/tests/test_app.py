"""App-level routes, hooks, error handlers, factory and database."""

from __future__ import annotations

import sqlite3

import pytest

from sample_flask_app.db import get_db, init_db


def test_index_redirects_to_book_list(client):
    resp = client.get("/")
    assert resp.status_code == 302
    assert resp.headers["Location"].endswith("/shop/books/")


def test_healthz_is_plain_text(client):
    resp = client.get("/healthz")
    assert resp.status_code == 200
    assert resp.data == b"ok"
    assert resp.headers["Content-Type"].startswith("text/plain")


def test_after_request_generates_request_id(client):
    first = client.get("/healthz").headers["X-Request-ID"]
    second = client.get("/healthz").headers["X-Request-ID"]
    assert len(first) == 32
    assert first != second


def test_after_request_echoes_request_id(client):
    resp = client.get("/api/ping", headers={"X-Request-ID": "abc-123"})
    assert resp.headers["X-Request-ID"] == "abc-123"


def test_not_found_is_html_outside_api(client):
    resp = client.get("/no/such/page")
    assert resp.status_code == 404
    assert resp.headers["Content-Type"].startswith("text/html")
    assert b"<h1>Page not found</h1>" in resp.data


def test_not_found_is_json_under_api(client):
    resp = client.get("/api/nope")
    assert resp.status_code == 404
    assert resp.get_json()["error"] == "Not Found"


def test_method_not_allowed(client):
    assert client.post("/healthz").status_code == 405
    resp = client.delete("/shop/books/1")
    assert resp.status_code == 405
    assert "GET" in resp.headers["Allow"]


def test_static_file_served(client):
    resp = client.get("/static/style.css")
    body = resp.data
    resp.close()  # send_file() holds the file open until the response is closed
    assert resp.status_code == 200
    assert resp.headers["Content-Type"].startswith("text/css")
    assert b"font-family" in body


def test_templates_link_static_css(client):
    assert b'href="/static/style.css"' in client.get("/shop/books/").data


def test_config_is_merged(app, tmp_path):
    assert app.config["TESTING"] is True
    assert app.config["SECRET_KEY"] == "test-secret"
    assert app.config["BOOKS_PER_PAGE"] == 5
    assert app.config["UPLOAD_FOLDER"] == str(tmp_path / "covers")


def test_database_is_seeded(app):
    with app.app_context():
        db = get_db()
        assert db is get_db()
        titles = [r["title"] for r in db.execute("SELECT title FROM book ORDER BY id")]
        assert titles[0] == "The Left Hand of Darkness"
        assert len(titles) == 7
        users = db.execute("SELECT username, is_admin FROM user ORDER BY id").fetchall()
        assert [tuple(u) for u in users] == [("alice", 1), ("bob", 0)]


def test_connection_closed_on_teardown(app):
    with app.app_context():
        db = get_db()
    with pytest.raises(sqlite3.ProgrammingError, match="closed"):
        db.execute("SELECT 1")


def test_init_db_resets_data(app):
    with app.app_context():
        db = get_db()
        db.execute("DELETE FROM book")
        db.commit()
        init_db()
        assert get_db().execute("SELECT COUNT(*) FROM book").fetchone()[0] == 7


def test_init_db_command(app, monkeypatch):
    called = []
    monkeypatch.setattr("sample_flask_app.db.init_db", lambda: called.append(True))
    result = app.test_cli_runner().invoke(args=["init-db"])
    assert "Initialized" in result.output
    assert called == [True]
