"""Run code from a migrated route inside the legacy Flask app's context.

Existing helpers (``get_db()`` on ``flask.g``, ``current_app.config``, ``url_for``)
keep working from FastAPI code:

* :func:`legacy_context` is a context manager. Use it *inside* a ``def`` endpoint, so
  the context is pushed, used and popped (teardown hooks included) on the one worker
  thread that runs the endpoint; SQLite connections refuse to cross threads.
* :func:`legacy_context_dependency` is the same as a FastAPI dependency, for
  ``async def`` endpoints, where dependency setup, endpoint and teardown all run on the
  event loop thread.

With a FastAPI ``Request`` the context is a Flask *request* context built from that
request's URL, headers and cookies (``SCRIPT_NAME`` from ``root_path``), so
``flask.request``, ``session`` and ``url_for`` see the same request; its body is not
forwarded (FastAPI has already parsed it).
"""

from __future__ import annotations

import io
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, cast

from a2wsgi.wsgi import build_environ
from starlette.requests import Request

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIEnvironment
    from flask import Flask

__all__ = ["legacy_context", "legacy_context_dependency", "request_environ"]


def request_environ(request: Request) -> WSGIEnvironment:
    """The WSGI environ a2wsgi would give the legacy app for ``request``, minus body."""
    environ = cast("WSGIEnvironment", build_environ(cast(Any, request.scope), cast(Any, None)))
    environ["wsgi.input"] = io.BytesIO()
    environ["CONTENT_LENGTH"] = "0"
    return environ


@contextmanager
def legacy_context(flask_app: Flask, request: Request | None = None) -> Iterator[None]:
    """Push the Flask app context (a request context if ``request`` is given)."""
    if request is None:
        with flask_app.app_context():
            yield
    else:
        with flask_app.request_context(request_environ(request)):
            yield


def legacy_context_dependency(flask_app: Flask) -> Callable[[Request], AsyncIterator[None]]:
    """FastAPI dependency running an ``async def`` endpoint inside ``legacy_context``.

    Example::

        in_flask = legacy_context_dependency(flask_app)

        @router.get("/api/products", dependencies=[Depends(in_flask)])
        async def products() -> list[dict[str, Any]]:
            return [dict(row) for row in get_db().execute("SELECT * FROM product")]
    """

    async def in_legacy_context(request: Request) -> AsyncIterator[None]:
        with legacy_context(flask_app, request):
            yield

    return in_legacy_context
