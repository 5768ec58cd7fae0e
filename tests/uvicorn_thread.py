"""A real uvicorn for tests: 127.0.0.1, a free port, in a thread of the test process
(so a test can look at the app's state); stopped when the ``with`` block ends."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn


@contextmanager
def running_uvicorn(app: Any, **options: Any) -> Iterator[str]:
    options = {
        "log_level": "warning",
        "access_log": False,
        "ws": "none",
        "timeout_graceful_shutdown": 5,
        **options,
    }
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, **options))
    thread = threading.Thread(target=server.run, name="test-uvicorn", daemon=True)
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
