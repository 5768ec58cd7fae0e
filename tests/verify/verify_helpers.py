"""Helpers shared by the verify, recording and shadow tests."""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any

import uvicorn_thread


def admin_cookie(flask_app: Any, user_id: int = 1) -> str:
    """A ``Cookie`` header value logging in as seeded user ``user_id`` (1 is the admin)."""
    serializer = flask_app.session_interface.get_signing_serializer(flask_app)
    return f"{flask_app.config['SESSION_COOKIE_NAME']}={serializer.dumps({'user_id': user_id})}"


def running_uvicorn(app: Any) -> AbstractContextManager[str]:
    """uvicorn on 127.0.0.1 and a free port, in a thread; no lifespan."""
    return uvicorn_thread.running_uvicorn(app, lifespan="off")
