"""State shared across the two sides: session, app context, teardown, lifespan."""

from __future__ import annotations

import time
from contextlib import asynccontextmanager

import httpx
import pytest
from fastapi import Request
from flask import Flask
from hybrid_apps import make_router
from hybrid_servers import request, running_uvicorn


def cookie_attributes(set_cookie: str) -> list[str]:
    """A Set-Cookie header without its (signed, time-stamped) value."""
    name_value, *attributes = (part.strip() for part in set_cookie.split(";"))
    return [name_value.split("=", 1)[0], *sorted(attributes)]


def wait_for(predicate, timeout=5.0):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def test_native_route_sees_user_logged_in_by_flask(hybrid_app, servers):
    base = servers.enter_context(running_uvicorn(hybrid_app))
    with httpx.Client(base_url=base) as client:
        assert client.get("/api/me").json() == {"user": None}
        login = client.post("/login", data={"user": "alice"})
        assert login.json() == {"logged_in": "alice"}
        assert client.get("/api/me").json() == {"user": "alice"}
        assert client.get("/api/urls").json()["user"] == "alice"  # request context too


def test_flask_session_cookie_reaches_client_as_flask_sets_it(legacy_app, hybrid_app, servers):
    expected = legacy_app.test_client().post("/login", data={"user": "alice"})
    base = servers.enter_context(running_uvicorn(hybrid_app))
    got = httpx.post(f"{base}/login", data={"user": "alice"})
    assert cookie_attributes(got.headers["set-cookie"]) == cookie_attributes(
        expected.headers["Set-Cookie"]
    )
    assert got.headers["vary"] == expected.headers["Vary"]


@pytest.mark.parametrize(
    ("secret", "user"), [("legacy-secret", "mallory"), ("not-the-legacy-secret", None)]
)
def test_session_cookie_is_verified_with_the_legacy_secret_key(hybrid_app, secret, user):
    signer = Flask("signer")
    signer.secret_key = secret
    cookie = signer.session_interface.get_signing_serializer(signer).dumps({"user": "mallory"})
    response = request(hybrid_app, "GET", "/api/me", headers={"Cookie": f"session={cookie}"})
    assert response.json() == {"user": user}


def test_session_written_by_native_route_is_read_by_flask(hybrid_app, servers):
    base = servers.enter_context(running_uvicorn(hybrid_app))
    with httpx.Client(base_url=base) as client:
        client.post("/login", data={"user": "alice"})
        written = client.post("/api/theme")
        assert cookie_attributes(written.headers["set-cookie"]) == cookie_attributes(
            client.post("/login", data={"user": "alice"}).headers["set-cookie"]
        )
        assert "Cookie" in written.headers["vary"]
        assert client.get("/whoami").json() == {"user": "alice", "theme": "dark"}


def test_sync_route_uses_legacy_db_helper_and_config_inside_app_context(
    legacy_app, hybrid_app, servers
):
    base = servers.enter_context(running_uvicorn(hybrid_app))
    response = httpx.get(f"{base}/api/books-sync")
    assert response.status_code == 200
    assert response.json() == {"titles": ["Dune", "Emma"], "greeting": "hello from flask config"}
    assert legacy_app.extensions["test_state"]["db_closed"] == 1  # teardown_appcontext ran


def test_async_route_uses_legacy_context_dependency(legacy_app, hybrid_app, servers):
    base = servers.enter_context(running_uvicorn(hybrid_app, root_path="/shop"))
    response = httpx.get(f"{base}/api/books-async")
    assert response.json() == {"titles": ["Dune", "Emma"], "path": "/api/books-async"}
    state = legacy_app.extensions["test_state"]
    # the dependency's exit (Flask's teardown) may run after the response is sent
    assert wait_for(lambda: state["db_closed"] == 1)
    assert state["teardowns"] == ["/api/books-async"]  # teardown_request of the bridged ctx


@pytest.mark.parametrize("path", ["/ping", "/boom", "/stream"])
def test_flask_teardown_request_hooks_still_run(legacy_app, hybrid_app, servers, path):
    legacy_app.extensions["test_state"]["release"].set()
    base = servers.enter_context(running_uvicorn(hybrid_app))
    httpx.get(f"{base}{path}")
    teardowns = legacy_app.extensions["test_state"]["teardowns"]
    assert wait_for(lambda: teardowns == [path]), teardowns


def test_fastapi_lifespan_runs_and_its_state_reaches_native_routes(legacy_app, make_hybrid):
    events = []

    @asynccontextmanager
    async def lifespan(app):
        events.append("startup")
        yield {"started": True}
        events.append("shutdown")

    app = make_hybrid(legacy_app, make_router(legacy_app), lifespan=lifespan)

    @app.get("/api/state")
    async def state(request: Request) -> dict[str, bool]:
        return {"started": request.state.started}

    with running_uvicorn(app, lifespan="on") as base:
        assert events == ["startup"]
        assert httpx.get(f"{base}/api/state").json() == {"started": True}
        assert httpx.get(f"{base}/ping").text == "pong"
    assert events == ["startup", "shutdown"]
