"""The legacy side of the hybrid: any WSGI callable served as ASGI from a thread pool.

Two bridges, chosen with ``bridge=``:

* ``"wsgi2asgi"`` (the default): :class:`adapters.bridge.WSGIBridge`, a2wsgi's environ
  and thread-pool model with two thread hand-offs per buffered request instead of
  about six (see that module);
* ``"a2wsgi"``: ``a2wsgi.WSGIMiddleware`` as published, kept for comparison
  (``bench/mount.py``) and as a fallback.

Both stop a streaming response when the client leaves and never wedge a pool thread
on a closed connection. For the a2wsgi bridge this module adds those two things,
using only its public constructor and the environ key it already sets
(``asgi.scope``):

* **client disconnects stop the WSGI iterable.** ASGI servers report a gone client on
  ``receive()`` as ``http.disconnect``; a2wsgi only calls ``receive()`` while the app
  reads the body, so a streaming Flask view whose client left would run to its end
  (forever, for an endless generator) and keep a pool thread. Here one task owns
  ``receive()``: it hands body chunks to a2wsgi one at a time (so a large upload is
  pulled from the socket only as fast as Flask reads it) and, once the body is done,
  waits for ``http.disconnect``. On disconnect the iterable is stopped at
  the next chunk and closed, which runs Flask's teardown hooks and frees the thread.
* **sending to a closed connection never wedges the pool thread.** A server that
  raises ``OSError`` from ``send()`` after a disconnect would kill a2wsgi's sender
  task while the WSGI thread waits on the full send queue; those sends are dropped.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any, cast

from a2wsgi import WSGIMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from adapters.bridge import WSGIBridge

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

__all__ = ["BRIDGES", "LegacyApp"]

#: The ``bridge=`` choices; the first is the default.
BRIDGES = ("wsgi2asgi", "a2wsgi")

_STOP_KEY = "wsgi2asgi.client_gone"
_DISCONNECT: Message = {"type": "http.disconnect"}


class LegacyApp:
    """ASGI app that runs a WSGI callable in a pool of ``threads`` threads."""

    def __init__(
        self, wsgi_app: WSGIApplication, *, threads: int, bridge: str = BRIDGES[0]
    ) -> None:
        if threads < 1:
            raise ValueError(f"threads must be at least 1, got {threads}")
        if bridge not in BRIDGES:
            raise ValueError(f"bridge must be one of {', '.join(BRIDGES)}, got {bridge!r}")
        self.wsgi_app = wsgi_app
        self.threads = threads
        self.bridge = bridge
        self._bridge: WSGIBridge | None = None
        if bridge == "wsgi2asgi":
            self._bridge = WSGIBridge(wsgi_app, threads=threads)
            self.executor = self._bridge.executor
            self._asgi = cast(ASGIApp, self._bridge)
        else:
            middleware = WSGIMiddleware(cast(Any, _StopOnDisconnect(wsgi_app)), workers=threads)
            self.executor = middleware.executor
            self._asgi = cast(ASGIApp, middleware)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self._bridge is not None:
            await self._asgi(scope, receive, send)
            return
        client_gone = threading.Event()
        channel = _ReceiveChannel(receive, client_gone)
        pump = asyncio.create_task(channel.pump())
        try:
            await self._asgi(
                {**scope, _STOP_KEY: client_gone}, channel.receive, _guarded(send, client_gone)
            )
        finally:
            # Normally the WSGI call is over by now; if this task was cancelled (server
            # shutdown, a test harness) the flag ends the iterable at its next chunk.
            client_gone.set()
            pump.cancel()  # not awaited: this may run as the coroutine is being closed

    def close(self) -> None:
        """Wait for running legacy requests and stop the pool threads."""
        self.executor.shutdown(wait=True)


class _ReceiveChannel:
    """Sole reader of the server's ``receive``: body to a2wsgi, disconnect to a flag."""

    def __init__(self, receive: Receive, client_gone: threading.Event) -> None:
        self._receive = receive
        self._client_gone = client_gone
        self._queue: asyncio.Queue[Message] = asyncio.Queue()
        self._finished = False

    async def pump(self) -> None:
        while True:
            message = await self._receive()
            self._queue.put_nowait(message)
            if message["type"] == "http.disconnect":
                self._client_gone.set()
                self._finished = True
                return
            if message.get("more_body", False):
                # Back-pressure: take the next chunk off the socket only once a2wsgi has
                # taken this one. After the last chunk, go straight on to wait for the
                # disconnect, whether or not the app ever reads its (often empty) body.
                await self._queue.join()

    async def receive(self) -> Message:
        if self._finished and self._queue.empty():
            return _DISCONNECT
        message = await self._queue.get()
        self._queue.task_done()
        return message


def _guarded(send: Send, client_gone: threading.Event) -> Send:
    async def guarded_send(message: Message) -> None:
        if client_gone.is_set() and message["type"] == "http.response.body":
            return
        try:
            await send(message)
        except OSError:
            client_gone.set()

    return guarded_send


class _StopOnDisconnect:
    """WSGI wrapper whose response iterable ends early once the client is gone."""

    def __init__(self, app: WSGIApplication) -> None:
        self.app = app

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        iterable = self.app(environ, start_response)
        client_gone = environ.get("asgi.scope", {}).get(_STOP_KEY)
        if client_gone is None:
            return iterable
        return _StoppableIterable(iterable, client_gone)


class _StoppableIterable:
    def __init__(self, iterable: Iterable[bytes], client_gone: threading.Event) -> None:
        self._iterable = iterable
        self._iterator: Iterator[bytes] = iter(iterable)
        self._client_gone = client_gone

    def __iter__(self) -> Iterator[bytes]:
        return self

    def __next__(self) -> bytes:
        if self._client_gone.is_set():
            raise StopIteration
        return next(self._iterator)

    def close(self) -> None:
        close: Any = getattr(self._iterable, "close", None)
        if close is not None:
            close()
