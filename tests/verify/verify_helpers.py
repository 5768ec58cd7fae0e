"""Helpers shared by the verify, recording and shadow tests."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn


def admin_cookie(flask_app: Any, user_id: int = 1) -> str:
    """A ``Cookie`` header value logging in as seeded user ``user_id`` (1 is the admin)."""
    serializer = flask_app.session_interface.get_signing_serializer(flask_app)
    return f"{flask_app.config['SESSION_COOKIE_NAME']}={serializer.dumps({'user_id': user_id})}"


@contextmanager
def running_uvicorn(app: Any) -> Iterator[str]:
    """uvicorn on 127.0.0.1 and a free port, in a thread; stopped when the block ends."""
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=0,
        log_level="warning",
        access_log=False,
        ws="none",
        lifespan="off",
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="verify-uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(15)
        assert not thread.is_alive(), "uvicorn did not stop"
