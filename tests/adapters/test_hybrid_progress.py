"""Migration progress: which side served a request, and counts per endpoint."""

from __future__ import annotations

import logging

import httpx
from fastapi import APIRouter
from hybrid_apps import make_router
from hybrid_servers import request, running_uvicorn

from adapters import MigrationProgress


def test_served_by_header_names_the_side(legacy_app, make_hybrid):
    app = make_hybrid(legacy_app, make_router(legacy_app), served_by_header="X-Served-By")
    assert request(app, "GET", "/items").headers["x-served-by"] == "native"
    assert request(app, "POST", "/items").headers["x-served-by"] == "legacy"
    assert request(app, "GET", "/no/such/page").headers["x-served-by"] == "legacy"


def test_no_header_unless_asked(hybrid_app):
    assert "x-served-by" not in request(hybrid_app, "GET", "/items").headers
    assert "x-served-by" not in request(hybrid_app, "GET", "/ping").headers


def test_counts_per_endpoint_and_side(legacy_app, make_hybrid):
    progress = MigrationProgress()
    app = make_hybrid(legacy_app, make_router(legacy_app), progress=progress)
    for path in ("/items", "/items", "/items/1", "/items/2", "/nowhere", "/_migrated/docs"):
        request(app, "GET", path)
    request(app, "POST", "/items")
    assert progress.native == {"GET /items": 2}  # the docs page is not counted
    assert progress.legacy == {
        "GET /items/<int:item_id>": 2,
        "POST /items": 1,
        "<unmatched>": 1,
    }
    snapshot = progress.snapshot()
    assert (snapshot["native"], snapshot["legacy"], snapshot["native_share"]) == (2, 4, 0.3333)


def test_progress_endpoint_is_opt_in_and_serves_json(legacy_app, make_hybrid):
    app = make_hybrid(legacy_app, make_router(legacy_app), progress_url="/_migrated/progress")
    request(app, "GET", "/items")
    request(app, "GET", "/ping")
    data = request(app, "GET", "/_migrated/progress").json()
    assert data["endpoints"] == [
        {"endpoint": "GET /items", "native": 1, "legacy": 0},
        {"endpoint": "GET /ping", "native": 0, "legacy": 1},
    ]
    plain = make_hybrid(legacy_app, make_router(legacy_app))
    assert request(plain, "GET", "/_migrated/progress").status_code == 404  # Flask's 404


def test_summary_is_logged_on_shutdown(legacy_app, make_hybrid, caplog):
    caplog.set_level(logging.INFO, logger="adapters.progress")
    app = make_hybrid(legacy_app, make_router(legacy_app), progress=True)
    with running_uvicorn(app, lifespan="on") as base:
        httpx.get(f"{base}/items")
        httpx.get(f"{base}/ping")
        assert not caplog.records
    lines = [r.getMessage() for r in caplog.records if r.name == "adapters.progress"]
    assert lines == [
        "migration progress: 1 native, 1 legacy (50.0% native)",
        "  GET /items: 1 native, 0 legacy",
        "  GET /ping: 0 native, 1 legacy",
    ]


def test_native_endpoint_is_named_by_its_route_template(legacy_app, make_hybrid):
    router = APIRouter(prefix="/v2")

    @router.get("/books/{book_id}")
    async def book(book_id: int) -> dict[str, int]:
        return {"id": book_id}

    app = make_hybrid(legacy_app, router, progress=True)
    assert request(app, "GET", "/v2/books/1").json() == {"id": 1}
    request(app, "GET", "/v2/books/2")
    assert app.progress is not None
    assert app.progress.native == {"GET /v2/books/{book_id}": 2}
