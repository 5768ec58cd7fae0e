"""Shadow mode: migrated routes keep serving from Flask while the native handler runs
on a copy of each ``GET``/``HEAD`` request, and differences are logged.

Wrap the hybrid (no change to the routes)::

    app = ShadowMiddleware(hybrid(create_app(), *routers), timeout=2.0)

For a request the hybrid would serve natively:

* the client gets the **legacy** response, exactly as before the migration (the
  request goes straight to the hybrid's legacy app, with its ``served_by_header`` and
  progress counting as a legacy request);
* for ``GET`` and ``HEAD`` only, once the legacy response has been sent, the native
  route runs in a background task on a copy of the request (same scope, headers and
  body) and its response goes nowhere but the comparison
  (:func:`migrate.verify.compare.compare`, the rules ``migrate verify`` uses).
  ``POST``/``PUT``/``PATCH``/``DELETE`` are never run natively: that would apply the
  change twice;
* nothing the native side does reaches the client: an exception, a hang (cancelled
  after ``timeout`` seconds; a ``def`` endpoint's thread cannot be stopped and keeps
  its pool slot until it returns) or a response body too large to capture is logged
  and counted, never raised.

Every outcome is counted in :attr:`ShadowMiddleware.counts` (``identical``,
``differing``, ``error``, ``timeout``, ``skipped``) and logged on the
``wsgi2asgi.shadow`` logger: differences and failures at WARNING with the readable
diff, identical responses at DEBUG. Requests with a body over ``max_body`` bytes are
not shadowed (``skipped``). :meth:`drain` waits for pending comparisons (tests,
shutdown).
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Iterable
from typing import Any

from fastapi import FastAPI
from starlette.types import Message, Receive, Scope, Send

from adapters.hybrid import HybridApp
from adapters.progress import LEGACY, legacy_endpoint, with_header
from adapters.recording import buffer_body, replaying
from migrate.verify.compare import CapturedResponse, CompareOptions, compare

__all__ = ["ShadowMiddleware", "logger"]

logger = logging.getLogger("wsgi2asgi.shadow")

SHADOWED_METHODS = frozenset({"GET", "HEAD"})
DEFAULT_TIMEOUT = 2.0
DEFAULT_MAX_BODY = 64 * 1024
DEFAULT_MAX_RESPONSE = 1024 * 1024
LOGGED_DIFF_LINES = 40


class ShadowMiddleware:
    """Serve the hybrid's migrated routes from its legacy app; shadow-run them natively."""

    def __init__(
        self,
        app: HybridApp,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        compare_options: CompareOptions | None = None,
        max_body: int = DEFAULT_MAX_BODY,
        max_response: int = DEFAULT_MAX_RESPONSE,
    ) -> None:
        if timeout <= 0:
            raise ValueError(f"timeout must be positive, got {timeout}")
        self.app = app
        self.timeout = timeout
        self.compare_options = compare_options or CompareOptions()
        self.max_body = max_body
        self.max_response = max_response
        self.counts: Counter[str] = Counter()
        self.differing: Counter[str] = Counter()  # per endpoint ("GET /api/v1/search")
        self._tasks: set[asyncio.Task[None]] = set()
        self._abandoned: set[asyncio.Future[None]] = set()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.app.native_route(scope) is None:
            await self.app(scope, receive, send)
            return
        if scope["method"] not in SHADOWED_METHODS:
            await self._legacy(scope, receive, send)
            return
        messages, complete = await buffer_body(receive, self.max_body)
        legacy = _Capture(self.max_response)
        await self._legacy(scope, replaying(messages, receive), legacy.tee(send))
        name = self._endpoint(scope)
        if not complete:
            self._count("skipped", name, f"request body over {self.max_body} bytes")
            return
        copy = {**scope, "headers": list(scope["headers"]), "state": dict(scope.get("state", {}))}
        task = asyncio.create_task(self._guarded(copy, messages, legacy, name))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def drain(self) -> None:
        """Wait until every pending shadow comparison has finished, and every native run
        abandoned at its timeout has ended too (a ``def`` endpoint's thread must return)."""
        while self._tasks or self._abandoned:
            await asyncio.gather(*self._tasks, *self._abandoned, return_exceptions=True)

    def snapshot(self) -> dict[str, Any]:
        return {"counts": dict(self.counts), "differing": dict(self.differing)}

    async def _legacy(self, scope: Scope, receive: Receive, send: Send) -> None:
        app = self.app
        if app.root_path:
            scope["root_path"] = app.root_path
        if app.served_by_header is not None:
            send = with_header(send, app.served_by_header, LEGACY.encode())
        if app.progress is not None:
            app.progress.count(LEGACY, self._endpoint(scope))
        await app.legacy(scope, receive, send)

    def _endpoint(self, scope: Scope) -> str:
        path: str = scope["path"]
        root: str = scope.get("root_path", "")
        path_info = path[len(root) :] if root and path.startswith(root) else path
        return legacy_endpoint(self.app.flask_app, scope["method"], path_info)

    async def _guarded(
        self, scope: Scope, messages: list[Message], legacy: _Capture, name: str
    ) -> None:
        try:
            await self._shadow(scope, messages, legacy, name)
        except Exception:  # a bug here must never reach the event loop's handler
            logger.exception("shadow %s %s: comparison failed", scope["method"], scope["path"])
            self.counts["error"] += 1

    async def _shadow(
        self, scope: Scope, messages: list[Message], legacy: _Capture, name: str
    ) -> None:
        native = _Capture(self.max_response)
        done = asyncio.Event()
        body = replaying(messages, _wait_for(done))
        # Straight into FastAPI's routing: the hybrid's dispatch already chose this route,
        # and its progress counter must not count the copy.
        run = asyncio.ensure_future(FastAPI.__call__(self.app, scope, body, native.tee(None)))
        finished, _ = await asyncio.wait({run}, timeout=self.timeout)
        done.set()
        target = f"{scope['method']} {scope['path']}" + (
            f"?{scope['query_string'].decode('latin-1')}" if scope.get("query_string") else ""
        )
        if not finished:
            run.cancel()
            self._abandoned.add(run)
            run.add_done_callback(self._abandoned.discard)
            run.add_done_callback(_consume)
            self._count(
                "timeout", name, f"{target}: native handler timed out after {self.timeout:g}s"
            )
            return
        error = run.exception()
        if error is not None:
            logger.warning("shadow %s: native handler raised %r", target, error, exc_info=error)
            self.counts["error"] += 1
            return
        if legacy.overflow or native.overflow or legacy.status is None or native.status is None:
            self._count("skipped", name, f"{target}: response not captured whole")
            return
        url = f"http://{_host(scope)}{target.split(' ', 1)[1]}"
        result = compare(legacy.response(), native.response(), self.compare_options, url=url)
        if result.identical:
            self.counts["identical"] += 1
            logger.debug("shadow %s: identical", target)
            return
        self.counts["differing"] += 1
        self.differing[name] += 1
        details = "\n".join(f"  {d}" for d in result.differences)
        diff = "\n".join(["", *result.diff.splitlines()[:LOGGED_DIFF_LINES]]) if result.diff else ""
        logger.warning("shadow %s differs (%s):\n%s%s", target, name, details, diff)

    def _count(self, outcome: str, name: str, message: str = "") -> None:
        self.counts[outcome] += 1
        if message:
            logger.warning("shadow %s (%s)", message, name)


class _Capture:
    """Collects one response (status, headers, body up to ``limit`` bytes)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.status: int | None = None
        self.headers: list[tuple[str, str]] = []
        self.chunks: list[bytes] = []
        self.size = 0
        self.overflow = False

    def tee(self, send: Send | None) -> Send:
        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                self.status = int(message["status"])
                self.headers = [
                    (k.decode("latin-1").lower(), v.decode("latin-1"))
                    for k, v in message.get("headers", [])
                ]
            elif message["type"] == "http.response.body" and not self.overflow:
                chunk: bytes = message.get("body", b"")
                self.size += len(chunk)
                if self.size > self.limit:
                    self.overflow, self.chunks = True, []
                else:
                    self.chunks.append(chunk)
            if send is not None:
                await send(message)

        return capture

    def response(self) -> CapturedResponse:
        assert self.status is not None
        return CapturedResponse(self.status, tuple(self.headers), b"".join(self.chunks))


def _wait_for(done: asyncio.Event) -> Receive:
    async def receive() -> Message:
        await done.wait()  # the copy's client never leaves before the shadow run ends
        return {"type": "http.disconnect"}

    return receive


def _consume(task: asyncio.Future[Any]) -> None:
    if not task.cancelled():
        task.exception()


def _host(scope: Scope) -> str:
    headers: Iterable[tuple[bytes, bytes]] = scope.get("headers", [])
    host = next((v.decode("latin-1") for k, v in headers if k.lower() == b"host"), "")
    return host or "localhost"
