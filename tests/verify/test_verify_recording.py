"""adapters.recording: a sample of legacy requests to JSONL, secrets redacted, and the
file replayable by `migrate verify`."""

from __future__ import annotations

import asyncio
import json
import os
import random

import httpx
import pytest
from bookshop_native import router
from verify_helpers import running_uvicorn

from adapters.recording import TrafficRecorder
from migrate.verify.replay import verify
from migrate.verify.report import rows
from migrate.verify.traffic import read_requests


def send_all(app, *requests):
    """Send ``(method, url, kwargs)`` requests through ``app`` in process."""

    async def main():
        transport = httpx.ASGITransport(app)
        async with httpx.AsyncClient(transport=transport, base_url="http://shop.test") as client:
            return [await client.request(method, url, **kw) for method, url, kw in requests]

    return asyncio.run(main())


def lines(path):
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def test_secrets_redacted_in_the_file_not_in_the_request(make_hybrid, sample_app, tmp_path):
    path = tmp_path / "traffic.jsonl"
    app = TrafficRecorder(make_hybrid(sample_app), path, rate=1.0)
    login, books, created = send_all(
        app,
        (
            "POST",
            "/auth/login?next=/api/ping",
            {"data": {"username": "alice", "password": "alice-secret"}},
        ),
        (
            "GET",
            "/api/v1/books?page=1&token=abc",
            {
                "headers": {
                    "Authorization": "Bearer s3cret",
                    "Cookie": "session=xyz",
                    "X-Trace": "t1",
                }
            },
        ),
        (
            "POST",
            "/api/v1/books",
            {"json": {"title": "Dune", "auth": {"Password": "p", "note": "kept"}, "token": ["t"]}},
        ),
    )
    # The app saw the real values: alice logged in, so Flask redirected to `next`, and
    # (the client keeping her session) validated the book as an admin's.
    assert (login.status_code, login.headers["location"]) == (302, "/api/ping")
    assert (books.status_code, created.status_code) == (200, 400)
    form, query, body = lines(path)
    assert form["body"] == "username=alice&password=%5BREDACTED%5D"
    assert form["query"] == "next=/api/ping"
    assert (form["endpoint"], form["status"], form["label"]) == ("auth.login", 302, "recorded")
    headers = dict(query["headers"])
    assert (headers["authorization"], headers["cookie"], headers["x-trace"]) == (
        "[REDACTED]",
        "[REDACTED]",
        "t1",
    )
    assert query["query"] == "page=1&token=%5BREDACTED%5D"
    assert json.loads(body["body"]) == {
        "title": "Dune",
        "auth": {"Password": "[REDACTED]", "note": "kept"},
        "token": "[REDACTED]",
    }
    assert "s3cret" not in path.read_text() and "alice-secret" not in path.read_text()


def test_configured_redaction_replaces_the_defaults(make_hybrid, sample_app, tmp_path):
    path = tmp_path / "traffic.jsonl"
    app = TrafficRecorder(
        make_hybrid(sample_app),
        path,
        rate=1.0,
        redact_headers=["X-Api-Key"],
        redact_fields=["isbn"],
    )
    send_all(
        app,
        (
            "POST",
            "/api/v1/books",
            {"json": {"isbn": "978", "password": "p"}, "headers": {"X-Api-Key": "k"}},
        ),
    )
    (record,) = lines(path)
    assert json.loads(record["body"]) == {"isbn": "[REDACTED]", "password": "p"}
    assert dict(record["headers"])["x-api-key"] == "[REDACTED]"


@pytest.mark.parametrize("rate", [0.0, 0.3, 1.0])
def test_sampling_rate_honoured(make_hybrid, sample_app, tmp_path, rate):
    path = tmp_path / "traffic.jsonl"
    draws = random.Random(7)
    app = TrafficRecorder(make_hybrid(sample_app), path, rate=rate, sample=draws.random)
    send_all(app, *[("GET", f"/api/ping?n={n}", {}) for n in range(60)])
    replay = random.Random(7)
    expected = [n for n in range(60) if replay.random() < rate]
    assert [int(r["query"][2:]) for r in lines(path)] == expected
    assert app.recorded == len(expected)
    assert {0.0: 0, 1.0: 60}.get(rate, len(expected)) == len(expected)
    if rate == 0.3:
        assert 5 < len(expected) < 40  # the seed draws a real sample, not all or nothing


def test_bad_options_refused(sample_app):
    with pytest.raises(ValueError, match="rate must be between 0 and 1"):
        TrafficRecorder(sample_app, "x.jsonl", rate=1.5)
    with pytest.raises(ValueError, match="max_body"):
        TrafficRecorder(sample_app, "x.jsonl", max_body=-1)


async def chunks(size, count):
    for _ in range(count):
        yield b"x" * size


@pytest.mark.parametrize(
    ("content", "kept"),
    [
        pytest.param(b'{"a": "123456"}', True, id="at-the-limit"),
        pytest.param(b'{"a": "1234567"}', False, id="one-byte-over"),
        pytest.param(chunks(10, 3), False, id="streamed-in-chunks"),
    ],
)
def test_body_cap(make_hybrid, sample_app, tmp_path, content, kept):
    path = tmp_path / "traffic.jsonl"
    app = TrafficRecorder(make_hybrid(sample_app), path, rate=1.0, max_body=15)
    headers = {"content-type": "application/json"}
    # Not logged in: Flask reads no body and answers 401; the recorder reads it anyway.
    (response,) = send_all(app, ("POST", "/api/v1/books", {"content": content, "headers": headers}))
    assert response.status_code == 401
    (record,) = lines(path)
    if kept:
        assert record["body"] == '{"a": "123456"}'
    else:
        assert (record["body"], record["body_omitted"]) == (None, "over the 15-byte limit")


def test_app_still_receives_a_body_over_the_cap(make_hybrid, tmp_path):
    from flask import Flask, request

    flask_app = Flask("echo")

    @flask_app.post("/echo")
    def echo():
        return {"received": len(request.get_data())}

    path = tmp_path / "traffic.jsonl"
    app = TrafficRecorder(make_hybrid(flask_app), path, rate=1.0, max_body=15)
    # Werkzeug reads a body only up to its Content-Length, so send one with the chunks.
    headers = {"content-length": "30"}
    (response,) = send_all(app, ("POST", "/echo", {"content": chunks(10, 3), "headers": headers}))
    assert response.json() == {"received": 30}


@pytest.mark.parametrize(
    ("kwargs", "reason"),
    [
        pytest.param(
            {"files": {"cover": ("c.png", b"png")}},
            "multipart bodies are not recorded",
            id="multipart",
        ),
        pytest.param(
            {"content": b'{"password": ', "headers": {"content-type": "application/json"}},
            "JSON that does not parse cannot be redacted",
            id="broken-json",
        ),
    ],
)
def test_bodies_that_cannot_be_redacted_are_left_out(
    make_hybrid, sample_app, tmp_path, kwargs, reason
):
    path = tmp_path / "traffic.jsonl"
    send_all(
        TrafficRecorder(make_hybrid(sample_app), path, rate=1.0), ("POST", "/api/v1/books", kwargs)
    )
    (record,) = lines(path)
    assert (record["body"], record["body_omitted"]) == (None, reason)


def test_requests_served_natively_are_not_recorded(make_hybrid, sample_app, tmp_path):
    path = tmp_path / "traffic.jsonl"
    app = TrafficRecorder(make_hybrid(sample_app, router), path, rate=1.0)
    send_all(app, ("GET", "/api/v1/books/1", {}), ("GET", "/api/ping", {}))
    assert [r["path"] for r in lines(path)] == ["/api/ping"]


def test_pid_placeholder(make_hybrid, sample_app, tmp_path):
    app = TrafficRecorder(make_hybrid(sample_app), tmp_path / "traffic-{pid}.jsonl", rate=1.0)
    send_all(app, ("GET", "/api/ping", {}))
    assert (tmp_path / f"traffic-{os.getpid()}.jsonl").exists()


def test_recorded_over_real_http_then_replayed_by_verify(
    make_hybrid, make_target, sample_app, tmp_path
):
    """Record on the app as it runs today (all Flask), replay against the native routes."""
    path = tmp_path / "traffic.jsonl"
    recorder = TrafficRecorder(make_hybrid(sample_app), path, rate=1.0)
    with running_uvicorn(recorder) as base, httpx.Client(base_url=base) as client:
        for url in [
            "/api/v1/books?per_page=2",
            "/api/v1/books/3",
            "/api/v1/search?q=le",
            "/shop/cart",
        ]:
            client.get(url, headers={"Cookie": "session=abc"})
        client.post("/auth/login", data={"username": "bob", "password": "bob-secret"})
    raw = path.read_text().splitlines()
    assert len(raw) == 5 and all(isinstance(json.loads(line), dict) for line in raw)
    recorded = read_requests(path)
    assert recorded[0].header("cookie") == "[REDACTED]"
    result = verify(make_target(router), recorded)
    table = {(r.endpoint, r.method): (r.requests, r.identical, r.differing) for r in rows(result)}
    assert table == {
        ("api.v1.book", "GET"): (1, 1, 0),
        ("api.v1.books", "GET"): (1, 1, 0),
        ("api.v1.search_books", "GET"): (1, 0, 1),
    }
    assert sorted(o.endpoint for o in result.outcomes if o.status == "not_migrated") == [
        "auth.login",
        "shop.cart",
    ]
