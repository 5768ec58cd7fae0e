"""WSGI under ASGI with two thread hand-offs per request.

``a2wsgi.WSGIMiddleware`` crosses between the event loop and its worker thread once
per ASGI message, and each crossing is a blocking round trip: the thread schedules
``queue.put`` on the loop with ``run_coroutine_threadsafe`` and waits for it. A plain
``GET`` answered with one body chunk costs the thread pool hand-off, three round trips
(``http.response.start``, the chunk, the closing empty chunk) and the executor
future's completion: every one of them is a wake-up of the other thread and a trip
through the GIL. Under load on one core those wake-ups, not Flask, set the pace and
the tail latency (``bench/mount.py``).

:class:`WSGIBridge` keeps the a2wsgi environ (:func:`a2wsgi.wsgi.build_environ`) and
thread-pool model and changes how the two sides talk:

* **the request body is read on the loop when it is already complete.** The first
  ``receive()`` happens before the hand-off; a body that arrived in one message (every
  ``GET``, most form and JSON posts) becomes an ``io.BytesIO``, and the WSGI thread
  never calls back into the loop for it. A body still arriving streams through
  a2wsgi's :class:`~a2wsgi.wsgi.Body`, one ``receive()`` per read, so a large upload is
  taken off the socket only as fast as the app reads it.
* **the response flows one way, without round trips.** The WSGI thread appends the
  status line, headers and chunks to the request's outbox and carries on; it wakes the
  loop only when the loop is not already due to look (one ``call_soon_threadsafe`` per
  batch, not per message). A fully buffered response, which is what Flask returns for
  anything but a generator, is therefore one hand-off in and one wake-up back, sent as
  ``http.response.start`` plus one ``http.response.body``.
* **back-pressure is a byte budget.** When more than :data:`HIGH_WATER` bytes are
  produced but not yet sent, the WSGI thread waits until the loop's ``send()`` (which
  waits on the transport) has taken them.
* **a client that leaves stops the iterable.** Once a response turns out to stream
  (it was not complete when the loop first looked) and the request body is done, one
  task waits for ``http.disconnect``; the iterable is then stopped at its next chunk
  and closed, which runs Flask's teardown and frees the thread. A ``send()`` that
  raises ``OSError`` counts as a disconnect.
* ``close()`` of the iterable runs before the response is finished, so the request's
  teardown has run by the time the client has the last byte.

The environ also carries ``wsgi.input_terminated`` (the ASGI server has framed the
body, chunked or not), so Werkzeug reads a chunked upload that has no
``Content-Length``, as it does under gunicorn.
"""

from __future__ import annotations

import asyncio
import contextvars
import io
import threading
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, cast

from a2wsgi.wsgi import Body, build_environ

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from types import TracebackType

    from _typeshed.wsgi import WSGIApplication, WSGIEnvironment
    from starlette.types import Message, Receive, Scope, Send

__all__ = ["HIGH_WATER", "WSGIBridge"]

#: Bytes a response may have produced but not yet sent before its WSGI thread waits.
HIGH_WATER = 256 * 1024

_ExcInfo = tuple[type[BaseException], BaseException, "TracebackType"]
_END = object()  # outbox marker: the iterable is exhausted and closed
_EMPTY_BODY: Message = {"type": "http.response.body", "body": b"", "more_body": False}


class WSGIBridge:
    """ASGI app that runs a WSGI callable in a pool of ``threads`` threads."""

    def __init__(self, app: WSGIApplication, *, threads: int) -> None:
        self.app = app
        self.executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="wsgi2asgi")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await _Exchange(asyncio.get_running_loop(), receive, send).run(
                self.app, self.executor, scope
            )
        elif scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1000})
        elif scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})

    def close(self) -> None:
        """Wait for running requests and stop the pool threads."""
        self.executor.shutdown(wait=True)


class _Exchange:
    """One request: the loop side (``run``) and the WSGI thread side (``work``)."""

    def __init__(self, loop: asyncio.AbstractEventLoop, receive: Receive, send: Send) -> None:
        self.loop = loop
        self.receive = receive
        self.send = send
        self.lock = threading.Lock()
        self.room = threading.Condition(self.lock)  # signalled when bytes were sent
        self.outbox: deque[Any] = deque()
        self.unsent = 0  # bytes in the outbox or being sent
        self.wake_due = False  # a wake-up is scheduled and the loop has not looked yet
        self.waiter: asyncio.Future[None] = loop.create_future()
        self.gone = False  # the client disconnected (or the request task was cancelled)
        self.body_done = True
        # WSGI thread only:
        self.status = 0
        self.headers: list[tuple[bytes, bytes]] = []
        self.headers_sent = False

    # -- loop side -------------------------------------------------------------------

    async def run(self, app: WSGIApplication, executor: ThreadPoolExecutor, scope: Scope) -> None:
        first = await self.receive()
        if first["type"] == "http.disconnect":
            return
        body: Any
        if first.get("more_body", False):
            self.body_done = False
            body = Body(self.loop, cast(Any, self.next_body_message))
            body.buffer.extend(first.get("body", b""))
        else:
            body = io.BytesIO(first.get("body", b""))
        environ: dict[str, Any] = cast(Any, build_environ(cast(Any, scope), body))
        environ["wsgi.input_terminated"] = True
        context = contextvars.copy_context()
        watcher: asyncio.Task[None] | None = None
        executor.submit(context.run, self.work, app, environ)
        try:
            while True:
                await self.waiter
                with self.lock:
                    batch, self.outbox = self.outbox, deque()
                    self.wake_due = False
                    self.waiter = self.loop.create_future()
                if await self.deliver(batch):
                    return
                if watcher is None and self.body_done:
                    watcher = self.loop.create_task(self.watch_disconnect())
        finally:
            if watcher is not None:
                watcher.cancel()
            self.stop()  # if cancelled mid-response, the thread stops at its next chunk

    async def deliver(self, batch: deque[Any]) -> bool:
        """Send one batch from the outbox; True once the response is complete."""
        chunks: list[bytes] = []
        finished = False
        for item in batch:
            if item is _END:
                finished = True
            elif isinstance(item, bytes):
                chunks.append(item)
            elif isinstance(item, BaseException):
                raise item
            else:
                await self.send_guarded(item)  # http.response.start
        sent = sum(map(len, chunks))
        body = chunks[0] if len(chunks) == 1 else b"".join(chunks)
        if body or finished:
            await self.send_guarded(
                {"type": "http.response.body", "body": body, "more_body": not finished}
            )
        if sent:
            with self.room:
                self.unsent -= sent
                self.room.notify()
        return finished

    async def send_guarded(self, message: Message) -> None:
        if self.gone and message["type"] == "http.response.body":
            return
        try:
            await self.send(message)
        except OSError:
            self.stop()

    async def next_body_message(self) -> Message:
        """The next request body message, for a2wsgi's ``Body`` in the WSGI thread."""
        message = await self.receive()
        if message["type"] == "http.disconnect":
            self.stop()
            message = _EMPTY_BODY
        if not message.get("more_body", False):
            self.body_done = True
        return message

    async def watch_disconnect(self) -> None:
        while (await self.receive())["type"] != "http.disconnect":
            pass
        self.stop()

    def stop(self) -> None:
        with self.room:
            self.gone = True
            self.room.notify()

    def wake(self) -> None:
        if not self.waiter.done():
            self.waiter.set_result(None)

    # -- WSGI thread side ------------------------------------------------------------

    def work(self, app: WSGIApplication, environ: WSGIEnvironment) -> None:
        try:
            iterable: Iterable[bytes] = app(environ, self.start_response)
            try:
                iterator = iter(iterable)
                while not self.gone:
                    try:
                        chunk = next(iterator)
                    except StopIteration:
                        break
                    if chunk:
                        self.write(chunk)
            finally:
                close: Callable[[], object] | None = getattr(iterable, "close", None)
                if close is not None:
                    close()
            if not self.status:
                raise RuntimeError("the WSGI app returned without calling start_response")
            if not self.headers_sent:
                self.post(self.start_message())
            self.post(_END)
        except BaseException as error:  # re-raised on the loop, as a2wsgi does
            self.post(error)

    def start_response(
        self,
        status: str,
        headers: list[tuple[str, str]],
        exc_info: _ExcInfo | tuple[None, None, None] | None = None,
        /,
    ) -> Callable[[bytes], object]:
        if exc_info is not None and exc_info[1] is not None and self.headers_sent:
            raise exc_info[1].with_traceback(exc_info[2])
        self.status = int(status.split(" ", 1)[0])
        self.headers = [
            (name.strip().encode("latin-1").lower(), value.strip().encode("latin-1"))
            for name, value in headers
        ]
        return self.write

    def start_message(self) -> Message:
        self.headers_sent = True
        return {"type": "http.response.start", "status": self.status, "headers": self.headers}

    def write(self, chunk: bytes) -> None:
        if not self.headers_sent:
            if not self.status:
                raise RuntimeError("the WSGI app wrote body before calling start_response")
            self.post(self.start_message())
        self.post(chunk)
        with self.room:
            while self.unsent > HIGH_WATER and not self.gone:
                self.room.wait()

    def post(self, item: object) -> None:
        with self.lock:
            self.outbox.append(item)
            if isinstance(item, bytes):
                self.unsent += len(item)
            wake, self.wake_due = not self.wake_due, True
        if wake:
            try:
                self.loop.call_soon_threadsafe(self.wake)
            except RuntimeError:  # the loop is closed: nobody is listening any more
                self.gone = True
