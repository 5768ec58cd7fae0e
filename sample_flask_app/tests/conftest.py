"""Fixtures: every test gets its app and client from here (and only here)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from sample_flask_app import create_app


@pytest.fixture
def app(tmp_path) -> Iterator[Flask]:
    app = create_app(
        {"DATABASE": str(tmp_path / "db.sqlite"), "TESTING": True, "SECRET_KEY": "test-secret"}
    )
    if os.environ.get("SAMPLE_APP_CLIENT") == "hybrid":
        # Opt-in: every request (test client included) crosses the wsgi2asgi hybrid
        # through an ASGI-to-WSGI round trip; see adapters/testing.py.
        # SAMPLE_APP_ROUTERS="pkg:router,..." also mounts FastAPI routers (for example
        # the ones `migrate generate` wrote), to prove they change nothing.
        from adapters.loading import load_router
        from adapters.testing import through_hybrid

        specs = [s for s in os.environ.get("SAMPLE_APP_ROUTERS", "").split(",") if s]
        with through_hybrid(app, *(load_router(spec) for spec in specs)):
            yield app
        return
    yield app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


class AuthActions:
    """Log the ``client`` fixture in and out as one of the seeded users."""

    def __init__(self, client: FlaskClient) -> None:
        self._client = client

    def login(self, username: str = "bob", password: str = "bob-secret"):
        return self._client.post("/auth/login", data={"username": username, "password": password})

    def login_admin(self):
        return self.login("alice", "alice-secret")

    def logout(self):
        return self._client.post("/auth/logout")


@pytest.fixture
def auth(client: FlaskClient) -> AuthActions:
    return AuthActions(client)
