"""Dispatch: native routes first, everything else to the legacy app, untouched."""

from __future__ import annotations

import pytest
from fastapi import APIRouter
from flask import Flask
from hybrid_servers import request
from pydantic import BaseModel

from adapters import hybrid
from adapters.stubs import legacy_stub


def flask_headers(response):
    return sorted((name.lower(), value) for name, value in response.headers.items())


def hybrid_headers(response):
    return sorted((name.lower(), value) for name, value in response.headers.multi_items())


def test_native_route_is_served_by_fastapi(hybrid_app):
    response = request(hybrid_app, "GET", "/items")
    assert response.json() == {"side": "native"}


def test_unmigrated_route_is_served_by_flask(hybrid_app):
    response = request(hybrid_app, "GET", "/items/7")
    assert response.json() == {"id": 7, "side": "flask"}


@pytest.mark.parametrize("method", ["POST"])
def test_method_not_migrated_falls_through_to_flask(hybrid_app, method):
    response = request(hybrid_app, method, "/items")
    assert response.status_code == 200
    assert response.text == f"flask items {method}"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        pytest.param("GET", "/no/such/page", id="404"),
        pytest.param("DELETE", "/items", id="405-on-partly-migrated-path"),
        pytest.param("PUT", "/ping", id="405"),
        pytest.param("GET", "/boom", id="500"),
        pytest.param("GET", "/go", id="redirect"),
        pytest.param("GET", "/ping", id="200-with-custom-header"),
    ],
)
def test_legacy_responses_are_flasks_own_bytes(legacy_app, make_hybrid, method, path):
    expected = legacy_app.test_client().open(path, method=method)
    app = make_hybrid(legacy_app, APIRouter(routes=[]), served_by_header=None)
    app.include_router(_items_router())
    got = request(app, method, path)
    assert got.status_code == expected.status_code
    assert got.content == expected.get_data()
    assert hybrid_headers(got) == flask_headers(expected)


def _items_router() -> APIRouter:
    router = APIRouter()

    @router.get("/items")
    async def items() -> dict[str, str]:
        return {"side": "native"}

    return router


def test_route_added_after_construction_takes_over(legacy_app, make_hybrid):
    app = make_hybrid(legacy_app)
    assert request(app, "GET", "/ping").text == "pong"

    @app.get("/ping")
    async def native_ping() -> dict[str, str]:
        return {"pong": "native"}

    assert request(app, "GET", "/ping").json() == {"pong": "native"}


def test_docs_default_under_migrated_prefix_and_legacy_docs_path_stays_flask(
    legacy_app, make_hybrid
):
    @legacy_app.get("/docs")
    def legacy_docs() -> str:
        return "the legacy app's own /docs"

    app = make_hybrid(legacy_app, _items_router())
    assert request(app, "GET", "/docs").text == "the legacy app's own /docs"
    assert request(app, "GET", "/redoc").status_code == 404  # Flask's 404, redoc is off
    schema = request(app, "GET", "/_migrated/openapi.json").json()
    assert "/items" in schema["paths"]
    assert "swagger-ui" in request(app, "GET", "/_migrated/docs").text


def test_docs_can_be_turned_off(legacy_app, make_hybrid):
    app = make_hybrid(legacy_app, _items_router(), docs_url=None, openapi_url=None)
    for path in ("/_migrated/docs", "/_migrated/openapi.json", "/docs", "/openapi.json"):
        response = request(app, "GET", path)
        assert response.status_code == 404
        assert response.headers["content-type"] == "text/html; charset=utf-8"  # Flask's


@pytest.mark.parametrize("rule", ["/api/docs", "/api/docs/"])
def test_docs_url_that_would_shadow_a_flask_route_is_refused(rule):
    flask_app = Flask("with_docs")
    flask_app.add_url_rule(rule, "docs", lambda: "legacy docs")
    with pytest.raises(ValueError, match="shadow a GET route"):
        hybrid(flask_app, docs_url="/api/docs")


def test_bare_wsgi_app_mounts_the_same_way(make_hybrid):
    """The legacy side is any WSGI callable: here a plain function, no Flask."""

    def bare_wsgi(environ, start_response):
        body = f"{environ['REQUEST_METHOD']} {environ['SCRIPT_NAME']}|{environ['PATH_INFO']}"
        start_response("200 OK", [("Content-Type", "text/plain"), ("X-Bare", "1")])
        return [body.encode()]

    app = make_hybrid(bare_wsgi, _items_router(), progress=True)
    assert request(app, "GET", "/items").json() == {"side": "native"}
    legacy = request(app, "POST", "/items")
    assert (legacy.text, legacy.headers["x-bare"]) == ("POST |/items", "1")
    assert request(app, "GET", "/anything/else").text == "GET |/anything/else"
    assert app.progress is not None
    assert app.progress.legacy == {"POST <legacy>": 1, "GET <legacy>": 1}


def test_threads_option_sizes_the_legacy_pool(legacy_app, make_hybrid):
    app = make_hybrid(legacy_app, threads=3)
    assert app.legacy.threads == 3
    with pytest.raises(ValueError, match="at least 1"):
        hybrid(legacy_app, threads=0)


class Login(BaseModel):
    user: str


def test_legacy_stub_routes_still_reach_flask_but_stay_in_the_schema(legacy_app, make_hybrid):
    """What ``migrate generate`` emits: nested routers whose endpoints are stubs."""
    shop = APIRouter(prefix="/items", tags=["shop"])

    @shop.get("/{item_id}")
    @legacy_stub
    def item(item_id: int) -> dict[str, int]:
        raise NotImplementedError

    @shop.post("")
    async def create_item() -> dict[str, str]:  # implemented: served natively
        return {"created": "native"}

    top = APIRouter()
    top.include_router(shop)

    @top.post("/login")
    @legacy_stub
    def login(body: Login) -> dict[str, str]:  # FastAPI would 422 the form post
        raise NotImplementedError

    app = make_hybrid(legacy_app, top)
    assert request(app, "GET", "/items/4").json() == {"id": 4, "side": "flask"}
    assert request(app, "POST", "/items").json() == {"created": "native"}
    assert request(app, "POST", "/login", data={"user": "bob"}).json() == {"logged_in": "bob"}
    paths = request(app, "GET", "/_migrated/openapi.json").json()["paths"]
    assert {"/items/{item_id}", "/items", "/login"} <= set(paths)
