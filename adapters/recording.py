"""Record a sample of real requests to legacy routes, for ``migrate verify --requests``.

Opt-in ASGI middleware around the hybrid (or any ASGI app)::

    from adapters import hybrid
    from adapters.recording import TrafficRecorder

    app = TrafficRecorder(hybrid(create_app(), *routers), "traffic-{pid}.jsonl", rate=0.05)

Each sampled request becomes one line of the JSONL format in
:mod:`migrate.verify.traffic`: method, path, query, headers, body and, for reference,
the Flask endpoint, the legacy status and the time. What is kept out:

* **requests served natively**: with a hybrid app, only requests it sends to the legacy
  app are sampled (``legacy_only``);
* **secrets**: the values of ``Authorization``, ``Cookie`` and ``Proxy-Authorization``
  (``redact_headers``) and of body and query fields named in ``redact_fields``
  (``password``, ``token``... at any depth of a JSON body, in a form body and in the
  query string; names compared case-insensitively) become ``"[REDACTED]"``. A JSON
  body that does not parse cannot be redacted and is not recorded; other media types
  (text, XML, binary) are recorded as sent;
* **large and multipart bodies**: a body over ``max_body`` bytes, or a multipart
  upload, is not recorded (``"body": null`` with a ``body_omitted`` reason) rather
  than cut: a truncated body would replay as a different request, and cannot be
  redacted reliably. ``migrate verify`` skips such requests and says so.

The body is read before the app runs (up to ``max_body + 1`` bytes, then streamed on),
so it is recorded even when the view never reads it. Lines are appended under a lock
with one ``write`` each; ``{pid}`` in the path gives each worker process its own file.
"""

from __future__ import annotations

import json
import os
import random
import threading
from collections.abc import Callable, Iterable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from migrate.verify.traffic import REDACTED, RecordedRequest, dump_line

__all__ = [
    "DEFAULT_MAX_BODY",
    "DEFAULT_REDACT_FIELDS",
    "DEFAULT_REDACT_HEADERS",
    "TrafficRecorder",
    "buffer_body",
    "replaying",
]

DEFAULT_REDACT_HEADERS = frozenset({"authorization", "cookie", "proxy-authorization"})
DEFAULT_REDACT_FIELDS = frozenset(
    {"password", "passwd", "secret", "token", "access_token", "refresh_token", "api_key"}
)
DEFAULT_MAX_BODY = 64 * 1024


class TrafficRecorder:
    """ASGI middleware appending a sample of ``app``'s requests to a JSONL file."""

    def __init__(
        self,
        app: ASGIApp,
        path: str | Path,
        *,
        rate: float = 0.01,
        max_body: int = DEFAULT_MAX_BODY,
        redact_headers: Iterable[str] = DEFAULT_REDACT_HEADERS,
        redact_fields: Iterable[str] = DEFAULT_REDACT_FIELDS,
        legacy_only: bool = True,
        sample: Callable[[], float] = random.random,
    ) -> None:
        if not 0.0 <= rate <= 1.0:
            raise ValueError(f"rate must be between 0 and 1, got {rate}")
        if max_body < 0:
            raise ValueError(f"max_body must be 0 or more, got {max_body}")
        self.app = app
        self.path = Path(str(path).replace("{pid}", str(os.getpid())))
        self.rate = rate
        self.max_body = max_body
        self.redact_headers = frozenset(h.lower() for h in redact_headers)
        self.redact_fields = frozenset(f.lower() for f in redact_fields)
        self.legacy_only = legacy_only
        self.sample = sample
        self.recorded = 0
        self._lock = threading.Lock()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self._eligible(scope) or self.sample() >= self.rate:
            await self.app(scope, receive, send)
            return
        messages, complete = await buffer_body(receive, self.max_body)
        status: list[int] = []

        async def send_and_note(message: Message) -> None:
            if message["type"] == "http.response.start":
                status.append(int(message["status"]))
            await send(message)

        try:
            await self.app(scope, replaying(messages, receive), send_and_note)
        finally:
            body = b"".join(m.get("body", b"") for m in messages)
            if not complete:
                gone = messages[-1]["type"] != "http.request"
                self.write(self.to_request(scope, None, status[0] if status else None, gone))
            else:
                self.write(self.to_request(scope, body, status[0] if status else None))

    def _eligible(self, scope: Scope) -> bool:
        native_route = getattr(self.app, "native_route", None)
        return not (self.legacy_only and native_route is not None and native_route(scope))

    def to_request(
        self, scope: Scope, body: bytes | None, status: int | None, client_left: bool = False
    ) -> RecordedRequest:
        """The redacted record of one request (``body`` None: not read whole)."""
        headers = tuple(
            (k.decode("latin-1").lower(), v.decode("latin-1")) for k, v in scope["headers"]
        )
        kept, omitted = self._body(body, _header(headers, "content-type"))
        if client_left:
            omitted = "the client left before the body ended"
        flask_app = getattr(self.app, "flask_app", None)
        path = _path_info(scope)
        extra: dict[str, Any] = {"time": datetime.now(timezone.utc).isoformat(timespec="seconds")}
        if status is not None:
            extra["status"] = status
        return RecordedRequest(
            method=scope["method"],
            path=path,
            query=self._query(scope.get("query_string", b"").decode("latin-1")),
            headers=tuple((k, REDACTED if k in self.redact_headers else v) for k, v in headers),
            body=kept,
            body_omitted=omitted,
            endpoint=_endpoint(flask_app, scope["method"], path),
            label="recorded",
            extra=extra,
        )

    def write(self, request: RecordedRequest) -> None:
        line = dump_line(request)
        with self._lock, self.path.open("a", encoding="utf-8") as out:
            out.write(line)
            self.recorded += 1

    # ----------------------------------------------------------------- redaction

    def _query(self, query: str) -> str:
        pairs = parse_qsl(query, keep_blank_values=True)
        if not any(k.lower() in self.redact_fields for k, _ in pairs):
            return query
        return urlencode(
            [(k, REDACTED if k.lower() in self.redact_fields else v) for k, v in pairs]
        )

    def _body(self, body: bytes | None, content_type: str) -> tuple[bytes | None, str]:
        if body is None:
            return None, f"over the {self.max_body}-byte limit"
        media = content_type.split(";", 1)[0].strip().lower()
        if not body:
            return body, ""
        if media == "multipart/form-data":
            return None, "multipart bodies are not recorded"
        if media == "application/json" or media.endswith("+json"):
            try:
                data = json.loads(body)
            except ValueError:
                return None, "JSON that does not parse cannot be redacted"
            redacted = self._redact(data)
            return (body, "") if redacted == data else (json.dumps(redacted).encode(), "")
        if media == "application/x-www-form-urlencoded":
            text = body.decode("latin-1")
            redacted_text = self._query(text)
            return (body, "") if redacted_text == text else (redacted_text.encode("latin-1"), "")
        return body, ""

    def _redact(self, value: Any) -> Any:
        if isinstance(value, dict):
            return {
                k: REDACTED if str(k).lower() in self.redact_fields else self._redact(v)
                for k, v in value.items()
            }
        if isinstance(value, list):
            return [self._redact(v) for v in value]
        return value


async def buffer_body(receive: Receive, limit: int) -> tuple[list[Message], bool]:
    """Read request messages until the body ends or exceeds ``limit`` bytes.

    Returns the messages read and whether they hold the whole body (``False`` when it
    is larger, or the client left); hand them on with :func:`replaying`.
    """
    messages: list[Message] = []
    size = 0
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            return messages, False
        size += len(message.get("body", b""))
        if size > limit:
            return messages, False
        if not message.get("more_body", False):
            return messages, True


def replaying(messages: list[Message], receive: Receive) -> Receive:
    """A ``receive`` giving ``messages`` first, then reading on from ``receive``."""
    pending = list(messages)

    async def replay() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()

    return replay


def _header(headers: tuple[tuple[str, str], ...], name: str) -> str:
    return next((v for k, v in headers if k == name), "")


def _path_info(scope: Scope) -> str:
    path: str = scope["path"]
    root_path: str = scope.get("root_path", "")
    return path[len(root_path) :] if root_path and path.startswith(root_path) else path


def _endpoint(flask_app: Any, method: str, path: str) -> str:
    """The Flask endpoint name, for a reader of the file (replay works it out again)."""
    if flask_app is None:
        return ""
    from werkzeug.exceptions import HTTPException
    from werkzeug.routing import RequestRedirect

    try:
        rule, _ = flask_app.url_map.bind("localhost").match(path, method, return_rule=True)
    except (HTTPException, RequestRedirect):
        return ""
    return str(rule.endpoint)
