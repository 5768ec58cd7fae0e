"""adapters.shadow: the client always gets the legacy response; the native handler runs
on a copy of GET/HEAD requests and its differences are logged."""

from __future__ import annotations

import asyncio
import logging
import threading

import httpx
import pytest
from bookshop_native import router
from fastapi import APIRouter
from verify_helpers import running_uvicorn

from adapters.shadow import ShadowMiddleware

HEADERS = {"X-Request-ID": "fixed"}  # the sample app echoes it instead of a random id


def fetch(app, *requests, drain=None):
    """Send ``(method, url)`` requests through ``app`` in process; then drain ``drain``."""

    async def main():
        transport = httpx.ASGITransport(app)
        async with httpx.AsyncClient(transport=transport, base_url="http://shop.test") as client:
            responses = [await client.request(m, u, headers=HEADERS) for m, u in requests]
        if drain is not None:
            await drain.drain()
        return responses

    return asyncio.run(main())


def same(a, b):
    assert (a.status_code, a.headers.multi_items(), a.content) == (
        b.status_code,
        b.headers.multi_items(),
        b.content,
    )


@pytest.fixture
def legacy_only(make_hybrid, sample_app):
    """The app before migration: what every shadowed response must equal."""
    return make_hybrid(sample_app)


def shadow_warnings(caplog):
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == "wsgi2asgi.shadow" and r.levelno >= logging.WARNING
    ]


def test_difference_logged_client_gets_flask(make_hybrid, sample_app, legacy_only, caplog):
    shadow = ShadowMiddleware(make_hybrid(sample_app, router))
    url = "/api/v1/search?q=le"
    (got,) = fetch(shadow, ("GET", url), drain=shadow)
    (expected,) = fetch(legacy_only, ("GET", url))
    same(got, expected)
    assert "query" in got.json()  # the field the native port forgot
    assert shadow.counts == {"differing": 1}
    assert shadow.differing == {"GET /api/v1/search": 1}
    (message,) = shadow_warnings(caplog)
    assert message.startswith("shadow GET /api/v1/search?q=le differs (GET /api/v1/search):")
    assert 'body $.query: legacy "le", native (missing)' in message
    assert '-  "query": "le",' in message  # the readable diff


def test_faithful_route_counted_identical(make_hybrid, sample_app, legacy_only, caplog):
    shadow = ShadowMiddleware(make_hybrid(sample_app, router))
    urls = ["/api/v1/books/2", "/api/v1/books/999", "/api/v1/books?page=abc&per_page=2"]
    got = fetch(shadow, *(("GET", u) for u in urls), drain=shadow)
    for response, expected in zip(
        got, fetch(legacy_only, *(("GET", u) for u in urls)), strict=True
    ):
        same(response, expected)
    assert shadow.counts == {"identical": 3}
    assert shadow_warnings(caplog) == []


broken = APIRouter()
release = threading.Event()
native_writes: list[str] = []


@broken.get("/api/ping", name="api.ping")
def ping_raises() -> dict[str, bool]:
    raise RuntimeError("native bug")


@broken.get("/healthz", name="healthz")
async def healthz_hangs() -> str:
    await asyncio.Event().wait()
    return "never"


@broken.get("/api/v1/books/{book_id:int}", name="api.v1.book")
def book_blocks(book_id: int) -> dict[str, int]:
    release.wait()  # a `def` endpoint stuck in its thread
    return {"id": book_id}


@broken.post("/api/v1/books", name="api.v1.books")
def create_book() -> dict[str, str]:
    native_writes.append("POST")
    return {}


@pytest.mark.parametrize(
    ("url", "outcome"),
    [
        pytest.param("/api/ping", "error", id="raises"),
        pytest.param("/healthz", "timeout", id="hangs-async"),
        pytest.param("/api/v1/books/1", "timeout", id="hangs-in-thread"),
    ],
)
def test_native_failure_never_reaches_the_client(
    make_hybrid, sample_app, legacy_only, url, outcome, caplog
):
    shadow = ShadowMiddleware(make_hybrid(sample_app, broken), timeout=0.3)
    release.clear()

    async def main():
        transport = httpx.ASGITransport(shadow)
        async with httpx.AsyncClient(transport=transport, base_url="http://shop.test") as client:
            response = await client.get(url, headers=HEADERS)
        while sum(shadow.counts.values()) == 0:  # the comparison ends at the time limit
            await asyncio.sleep(0.01)
        release.set()
        await shadow.drain()
        return response

    got = asyncio.run(main())
    (expected,) = fetch(legacy_only, ("GET", url))
    same(got, expected)
    assert shadow.counts == {outcome: 1}
    (message,) = shadow_warnings(caplog)
    assert (
        "raised RuntimeError('native bug')" if outcome == "error" else "timed out after 0.3s"
    ) in message


def test_state_changing_requests_never_run_natively(make_hybrid, sample_app, legacy_only):
    native_writes.clear()
    shadow = ShadowMiddleware(make_hybrid(sample_app, broken))
    (got,) = fetch(shadow, ("POST", "/api/v1/books"), drain=shadow)
    (expected,) = fetch(legacy_only, ("POST", "/api/v1/books"))
    same(got, expected)
    assert got.status_code == 401  # Flask's answer: not logged in
    assert native_writes == []
    assert shadow.counts == {}


def test_unmigrated_requests_pass_through(make_hybrid, sample_app):
    shadow = ShadowMiddleware(make_hybrid(sample_app, router))
    (got,) = fetch(shadow, ("GET", "/api/ping"), drain=shadow)
    assert got.json() == {"pong": True}
    assert shadow.counts == {}


def test_progress_and_served_by_count_the_legacy_side(make_hybrid, sample_app):
    app = make_hybrid(sample_app, router, progress=True, served_by_header="X-Served-By")
    shadow = ShadowMiddleware(app)
    (got,) = fetch(shadow, ("GET", "/api/v1/books/2"), drain=shadow)
    assert got.headers["x-served-by"] == "legacy"
    assert app.progress.snapshot()["native"] == 0
    assert app.progress.snapshot()["legacy"] == 1
    assert shadow.counts == {"identical": 1}


def test_under_uvicorn_client_gets_flask_while_native_raises(
    make_hybrid, sample_app, legacy_only, caplog
):
    shadow = ShadowMiddleware(make_hybrid(sample_app, broken), timeout=0.3)
    with running_uvicorn(shadow) as base, httpx.Client(base_url=base) as client:
        got = client.get("/api/ping", headers=HEADERS)
        assert got.json() == {"pong": True}
        while not shadow.counts:
            threading.Event().wait(0.01)
    (expected,) = fetch(legacy_only, ("GET", "/api/ping"))
    assert (got.status_code, got.content, got.headers["x-request-id"]) == (
        expected.status_code,
        expected.content,
        "fixed",
    )
    assert shadow.counts == {"error": 1}


def test_bad_timeout_refused(make_hybrid, sample_app):
    with pytest.raises(ValueError, match="timeout must be positive"):
        ShadowMiddleware(make_hybrid(sample_app), timeout=0)
