"""Run an existing Flask test suite through the hybrid, without changing its tests.

:func:`through_hybrid` swaps ``app.wsgi_app`` (Flask's documented middleware hook)
for an ASGI-to-WSGI round trip::

    FlaskClient -> Flask.__call__ -> a2wsgi.ASGIMiddleware -> HybridApp
        -> (no native route) adapters.bridge thread pool -> original wsgi_app

so every ``client.get(...)`` crosses the hybrid's dispatch, environ building, thread
pool and response streaming, while the suite keeps its ``app.test_client()``,
cookies and ``session_transaction()``.

Two environ entries have no HTTP form and would not survive a real server either;
they are carried over from the test client's environ so test-client features keep
working: ``werkzeug.*`` keys (``with client:`` context preservation) and
``REMOTE_ADDR`` (a2wsgi's ASGIMiddleware passes a client only with ``REMOTE_PORT``).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, cast

from a2wsgi import ASGIMiddleware
from fastapi import APIRouter
from starlette.types import Receive, Scope, Send

from adapters.hybrid import HybridApp, hybrid

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment
    from flask import Flask

__all__ = ["through_hybrid"]


@contextmanager
def through_hybrid(flask_app: Flask, *routers: APIRouter, **options: Any) -> Iterator[HybridApp]:
    """Within the block, requests to ``flask_app`` (test client included) go through
    ``hybrid(flask_app.wsgi_app, *routers, **options)``; restored afterwards."""
    original = flask_app.wsgi_app
    app = hybrid(_TestEnvironKeys(original), *routers, flask_app=flask_app, **options)
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="hybrid-roundtrip", daemon=True)
    thread.start()
    running: set[asyncio.Task[None]] = set()

    async def tracked(scope: Scope, receive: Receive, send: Send) -> None:
        # a2wsgi's ASGIMiddleware keeps no reference to the task it starts; when a test
        # drops a response unread, the task would be garbage-collected mid-await.
        task = asyncio.current_task()
        assert task is not None
        running.add(task)
        try:
            await app(scope, receive, send)
        finally:
            running.discard(task)

    round_trip: Any = ASGIMiddleware(cast(Any, tracked), loop=loop)
    flask_app.wsgi_app = round_trip  # type: ignore[method-assign]
    try:
        yield app
    finally:
        flask_app.wsgi_app = original  # type: ignore[method-assign]
        # A response the test never read leaves its ASGI task waiting for the reader:
        # cancel those first, then let the legacy threads finish, then stop the loop.
        asyncio.run_coroutine_threadsafe(_cancel(running), loop).result(timeout=10)
        app.legacy.close()
        loop.call_soon_threadsafe(loop.stop)
        thread.join()
        loop.close()


async def _cancel(tasks: set[asyncio.Task[None]]) -> None:
    pending = list(tasks)
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)


class _TestEnvironKeys:
    """Carry test-client-only environ keys from the outer environ to the inner one."""

    def __init__(self, app: WSGIApplication) -> None:
        self.app = app

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        outer: dict[str, Any] = environ.get("asgi.scope", {}).get("wsgi_environ", {})
        for key, value in outer.items():
            if key.startswith("werkzeug.") or (key == "REMOTE_ADDR" and key not in environ):
                environ[key] = value
        return self.app(environ, start_response)
