"""One ASGI app serving migrated FastAPI routes and, for everything else, the legacy app.

Strangler-fig migration: move a Flask view to a FastAPI router, pass the router to
:func:`hybrid`, and that path (for the methods the router declares) is served
natively from then on. Every other request reaches the legacy WSGI app untouched:

* dispatch happens before FastAPI's own routing, so a path migrated for ``GET`` only
  still sends ``POST`` to Flask instead of a FastAPI 405, and Flask's 404/405/500
  pages and headers reach the client byte for byte (no FastAPI middleware or
  exception handler sees a legacy request);
* an endpoint marked ``@legacy_stub`` (what ``migrate generate`` emits) is not
  migrated yet: its requests go to Flask, while it documents the contract in OpenAPI;
* FastAPI's docs and OpenAPI schema default to ``/_migrated/...`` (redoc off), and a
  Flask app whose own rules would be shadowed by them is refused at construction;
* FastAPI's trailing-slash redirects are off: Flask's own ``strict_slashes`` rules
  decide for every path no native route matches exactly;
* the legacy side runs in a thread pool whose size is the ``threads`` option, through
  the bridge of :mod:`adapters.bridge` (or a2wsgi's own, ``bridge="a2wsgi"``; see
  :mod:`adapters.legacy`).

Example::

    from adapters import hybrid
    from legacy.app import create_app
    from migrated.items import router as items

    app = hybrid(create_app(), items, threads=32, served_by_header="X-Served-By")
"""

from __future__ import annotations

import gc
import re
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

import fastapi.routing
from fastapi import APIRouter, FastAPI
from starlette.routing import BaseRoute, Match, compile_path
from starlette.types import Lifespan, Message, Receive, Scope, Send

from adapters.legacy import BRIDGES, LegacyApp
from adapters.progress import LEGACY, NATIVE, MigrationProgress, legacy_endpoint, with_header
from adapters.stubs import is_legacy_stub

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication
    from flask import Flask

__all__ = ["DEFAULT_THREADS", "HybridApp", "hybrid", "find_flask_app"]

#: Pool size for the legacy side. a2wsgi's own default is 10; see the README for the
#: measurement behind this value (bench/mount.py --threads-sweep).
DEFAULT_THREADS = 32
DEFAULT_DOCS_URL = "/_migrated/docs"
DEFAULT_OPENAPI_URL = "/_migrated/openapi.json"


class HybridApp(FastAPI):
    """A FastAPI app whose unmatched HTTP requests are served by a legacy WSGI app.

    Build it with :func:`hybrid`. Routes added to it (``app.get``, ``include_router``)
    take over their paths and methods from the legacy app immediately. Middleware
    added with ``add_middleware`` wraps native routes only.
    """

    def __init__(
        self,
        legacy: WSGIApplication,
        *,
        threads: int = DEFAULT_THREADS,
        bridge: str = BRIDGES[0],
        freeze_gc: bool = True,
        served_by_header: str | None = None,
        progress: MigrationProgress | None = None,
        flask_app: Flask | None = None,
        **fastapi_options: Any,
    ) -> None:
        super().__init__(**fastapi_options)
        self.freeze_gc = freeze_gc
        self.legacy = LegacyApp(legacy, threads=threads, bridge=bridge)
        self.flask_app = flask_app or find_flask_app(legacy)
        self.progress = progress
        self.served_by_header = served_by_header.lower().encode() if served_by_header else None
        self.uncounted_paths: set[str] = set()
        self._stubs: list[tuple[re.Pattern[str], frozenset[str]]] = []
        self._stubs_key: tuple[int, int] | None = None

    def native_route(self, scope: Scope) -> BaseRoute | None:
        """The FastAPI route that fully matches this request (path and method), if any.

        A route whose endpoint is marked ``@legacy_stub`` (:mod:`adapters.stubs`) does
        not count: Flask still serves it, before FastAPI parses anything.
        """
        for route in self.router.routes:
            match, _ = route.matches(scope)
            if match is Match.FULL:
                return None if self._is_stub_request(scope) else route
        return None

    def _is_stub_request(self, scope: Scope) -> bool:
        routes = self.router.routes
        key = (len(routes), id(routes[-1]) if routes else 0)
        if key != self._stubs_key:
            self._stubs, self._stubs_key = stub_patterns(routes), key
        if not self._stubs:
            return False
        path, method = _path_info(scope), scope["method"]
        return any(regex.match(path) and method in methods for regex, methods in self._stubs)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            if scope["type"] == "lifespan" and self.freeze_gc:
                send = _freeze_gc_after_startup(send)
            await super().__call__(scope, receive, send)
            return
        if self.root_path:
            scope["root_path"] = self.root_path
        route = self.native_route(scope)
        if self.served_by_header is not None:
            side = LEGACY if route is None else NATIVE
            send = with_header(send, self.served_by_header, side.encode())
        if route is None:
            if self.progress is not None:
                endpoint = legacy_endpoint(self.flask_app, scope["method"], _path_info(scope))
                self.progress.count(LEGACY, endpoint)
            await self.legacy(scope, receive, send)
            return
        outer_route = scope.get("route")
        try:
            await super().__call__(scope, receive, send)
        finally:
            if self.progress is not None:
                self._count_native(scope, route, outer_route)

    def _count_native(self, scope: Scope, route: BaseRoute, outer_route: object) -> None:
        assert self.progress is not None
        # FastAPI leaves the APIRoute it ran in scope["route"]; its path is the full
        # template for routers included without a prefix (what hybrid() does).
        served = scope.get("route")
        path: str = getattr(served if served is not outer_route else route, "path", "<native>")
        if path not in self.uncounted_paths:
            self.progress.count(NATIVE, f"{scope['method']} {path}")


def hybrid(
    legacy: WSGIApplication,
    *routers: APIRouter,
    threads: int = DEFAULT_THREADS,
    bridge: str = BRIDGES[0],
    docs_url: str | None = DEFAULT_DOCS_URL,
    openapi_url: str | None = DEFAULT_OPENAPI_URL,
    redoc_url: str | None = None,
    served_by_header: str | None = None,
    progress: bool | MigrationProgress = False,
    progress_url: str | None = None,
    lifespan: Lifespan[Any] | None = None,
    freeze_gc: bool = True,
    flask_app: Flask | None = None,
    **fastapi_options: Any,
) -> HybridApp:
    """Serve ``routers`` natively and every other request with the ``legacy`` WSGI app.

    ``legacy`` is any WSGI callable: a Flask app, ``flask_app.wsgi_app``, a Django
    ``WSGIHandler`` or a bare function. Options:

    ``threads``
        size of the thread pool running the legacy app (a2wsgi's ``workers``). It
        bounds how many legacy requests run at once; a2wsgi's default of 10 queues
        requests behind ten slow ones. Default :data:`DEFAULT_THREADS`.
    ``bridge``
        ``"wsgi2asgi"`` (default, :mod:`adapters.bridge`: two thread hand-offs per
        buffered request) or ``"a2wsgi"`` (``a2wsgi.WSGIMiddleware`` as published).
    ``docs_url`` / ``openapi_url`` / ``redoc_url``
        where FastAPI serves its docs; ``None`` turns one off. Defaults keep them under
        ``/_migrated/`` so they never shadow a legacy route; with a Flask app a
        collision with one of its ``GET`` rules raises ``ValueError``.
    ``served_by_header``
        header name (e.g. ``"X-Served-By"``) added to every response with the value
        ``native`` or ``legacy``. Off by default so legacy responses stay byte-exact.
    ``progress`` / ``progress_url``
        count requests per endpoint and side (pass ``True`` or your own
        :class:`MigrationProgress`); the counts are logged on shutdown (logger
        ``adapters.progress``, level INFO) and, if ``progress_url`` is set, served there
        as JSON. ``progress_url`` alone implies ``progress=True``.
    ``lifespan``
        FastAPI lifespan, run as usual; the progress summary is logged after it exits.
    ``freeze_gc``
        once startup is over (the app is built and ``lifespan`` has started), collect
        garbage and ``gc.freeze()`` what survives: the imported modules, both apps and
        their routing tables leave the collector's generations, so the full
        collections that run every few thousand requests stop scanning them. Those
        pauses were most of the hybrid's p99 (``bench/mount.py``: 31 ms to 10 ms at
        32 connections). The process's frozen objects are never collected, which is
        what long-lived startup state wants. Needs a server that runs the ASGI
        lifespan (uvicorn, Hypercorn, Granian and Daphne do by default).
    ``flask_app``
        the Flask app behind ``legacy`` when it is wrapped in WSGI middleware (found
        automatically for a Flask app or its ``wsgi_app``); used for the docs
        collision check and progress endpoint names.

    Other keyword arguments go to :class:`fastapi.FastAPI` (``title``, ``root_path``...).
    """
    if progress_url is not None and progress is False:
        progress = True
    counter = MigrationProgress() if progress is True else (progress or None)
    oauth2_url = fastapi_options.pop(
        "swagger_ui_oauth2_redirect_url", f"{docs_url}/oauth2-redirect" if docs_url else None
    )
    own_paths = [p for p in (docs_url, oauth2_url, openapi_url, redoc_url, progress_url) if p]
    flask_app = flask_app or find_flask_app(legacy)
    _refuse_shadowing(flask_app, own_paths)
    fastapi_options.setdefault("redirect_slashes", False)
    app = HybridApp(
        legacy,
        threads=threads,
        bridge=bridge,
        freeze_gc=freeze_gc,
        served_by_header=served_by_header,
        progress=counter,
        flask_app=flask_app,
        docs_url=docs_url,
        openapi_url=openapi_url,
        redoc_url=redoc_url,
        swagger_ui_oauth2_redirect_url=oauth2_url,
        lifespan=_with_progress_log(lifespan, counter),
        **fastapi_options,
    )
    app.uncounted_paths.update(own_paths)
    for router in routers:
        app.include_router(router)
    if progress_url is not None and counter is not None:
        _add_progress_route(app, progress_url, counter)
    return app


def find_flask_app(legacy: object) -> Flask | None:
    """The Flask app behind ``legacy`` (the app itself or its bound ``wsgi_app``)."""
    from flask import Flask

    if isinstance(legacy, Flask):
        return legacy
    owner = getattr(legacy, "__self__", None)
    return owner if isinstance(owner, Flask) else None


def stub_patterns(routes: Sequence[BaseRoute]) -> list[tuple[re.Pattern[str], frozenset[str]]]:
    """(path regex, methods) of every ``@legacy_stub`` endpoint among ``routes``."""
    # Newer FastAPI keeps included routers as wrappers and lists their routes through
    # iter_route_contexts; older versions copy them into ``routes`` already flat.
    flatten = getattr(fastapi.routing, "iter_route_contexts", None)
    patterns = []
    for route in flatten(routes) if flatten is not None else routes:
        endpoint, path = getattr(route, "endpoint", None), getattr(route, "path", None)
        if endpoint is not None and path and is_legacy_stub(endpoint):
            regex, _, _ = compile_path(path)
            patterns.append((regex, frozenset(getattr(route, "methods", None) or ())))
    return patterns


def _refuse_shadowing(flask_app: Flask | None, paths: list[str]) -> None:
    if flask_app is None:
        return
    from werkzeug.exceptions import MethodNotAllowed, NotFound
    from werkzeug.routing import RequestRedirect

    adapter = flask_app.url_map.bind("localhost")
    for path in paths:
        try:
            adapter.match(path, "GET")
        except (NotFound, MethodNotAllowed):
            continue
        except RequestRedirect:  # Flask redirects it to a slash variant: still shadowed
            pass
        raise ValueError(
            f"{path!r} would shadow a GET route of the legacy Flask app; "
            "pass another URL (or None) for docs_url/openapi_url/redoc_url/progress_url"
        )


def _freeze_gc_after_startup(send: Send) -> Send:
    async def send_then_freeze(message: Message) -> None:
        if message["type"] == "lifespan.startup.complete":
            gc.collect()
            gc.freeze()
        await send(message)

    return send_then_freeze


def _with_progress_log(
    lifespan: Lifespan[Any] | None, progress: MigrationProgress | None
) -> Lifespan[Any] | None:
    if progress is None:
        return lifespan

    @asynccontextmanager
    async def lifespan_then_log(app: Any) -> AsyncIterator[Any]:
        try:
            if lifespan is None:
                yield None
            else:
                async with lifespan(app) as state:
                    yield state
        finally:
            progress.log_summary()

    return lifespan_then_log


def _add_progress_route(app: FastAPI, url: str, progress: MigrationProgress) -> None:
    async def migration_progress() -> dict[str, Any]:
        return progress.snapshot()

    app.add_api_route(url, migration_progress, methods=["GET"], include_in_schema=False)


def _path_info(scope: Scope) -> str:
    path: str = scope["path"]
    root_path: str = scope.get("root_path", "")
    return path[len(root_path) :] if root_path and path.startswith(root_path) else path
