"""The request file `migrate verify` replays: one JSON object per line (JSONL).

Written by the recording middleware (:mod:`adapters.recording`) from real traffic and
by ``migrate verify --save-requests`` from the scan; read by ``migrate verify
--requests``. One line::

    {"method": "POST", "path": "/api/v1/books", "query": "dry_run=1",
     "headers": [["content-type", "application/json"], ["cookie", "[REDACTED]"]],
     "body": "{\\"title\\": \\"Dune\\", \\"password\\": \\"[REDACTED]\\"}",
     "endpoint": "api.v1.books", "label": "recorded", "time": "2024-05-01T10:00:00Z"}

``body`` is UTF-8 text; a body that is not UTF-8 is ``body_base64`` instead. A body
the recorder did not keep (over its size limit, multipart) has ``"body": null`` and a
``body_omitted`` reason, and is not replayed. Header values equal to
:data:`REDACTED` are dropped at replay. ``endpoint``, ``label``, ``time`` and
``status`` are informational; unknown keys are ignored.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

__all__ = [
    "REDACTED",
    "UNSAFE_METHODS",
    "RecordedRequest",
    "RequestFileError",
    "dump_line",
    "read_requests",
    "write_requests",
]

REDACTED = "[REDACTED]"
METHODS = frozenset({"GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE", "TRACE"})
#: Methods whose requests change state: each runs on isolated state (see replay.py).
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class RequestFileError(ValueError):
    """A request file line that cannot be read; ``str()`` is ``FILE:LINE: reason``."""


@dataclass(frozen=True)
class RecordedRequest:
    """One HTTP request to replay. ``path`` is relative to the app (no root path)."""

    method: str
    path: str
    query: str = ""
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes | None = b""  # None: not recorded (see body_omitted)
    body_omitted: str = ""
    endpoint: str = ""
    label: str = ""
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def target(self) -> str:
        return f"{self.path}?{self.query}" if self.query else self.path

    def header(self, name: str) -> str | None:
        name = name.lower()
        return next((v for k, v in self.headers if k.lower() == name), None)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"method": self.method, "path": self.path}
        if self.query:
            data["query"] = self.query
        data["headers"] = [[k, v] for k, v in self.headers]
        if self.body is None:
            data["body"] = None
            data["body_omitted"] = self.body_omitted or "not recorded"
        else:
            try:
                data["body"] = self.body.decode("utf-8")
            except UnicodeDecodeError:
                data["body_base64"] = base64.b64encode(self.body).decode("ascii")
        for key in ("endpoint", "label"):
            if value := getattr(self, key):
                data[key] = value
        data.update(self.extra)
        return data

    @classmethod
    def from_dict(cls, data: Any) -> RecordedRequest:
        """Build from one parsed line; ``ValueError`` with a short reason if malformed."""
        if not isinstance(data, dict):
            raise ValueError("expected a JSON object")
        method = data.get("method")
        if not isinstance(method, str) or method.upper() not in METHODS:
            raise ValueError(f"bad or missing 'method': {method!r}")
        path = data.get("path")
        if not isinstance(path, str) or not path.startswith("/"):
            raise ValueError(f"'path' must be a string starting with '/': {path!r}")
        query = data.get("query", "")
        if not isinstance(query, str):
            raise ValueError("'query' must be a string")
        return cls(
            method=method.upper(),
            path=path,
            query=query.lstrip("?"),
            headers=_headers(data.get("headers", [])),
            body=_body(data),
            body_omitted=str(data.get("body_omitted", "")),
            endpoint=str(data.get("endpoint", "")),
            label=str(data.get("label", "")),
            extra={k: data[k] for k in ("time", "status") if k in data},
        )


def dump_line(request: RecordedRequest) -> str:
    """One JSONL line (with its newline), ASCII-only so any reader can split it."""
    return json.dumps(request.to_dict(), ensure_ascii=True, separators=(", ", ": ")) + "\n"


def write_requests(path: Path, requests: Iterable[RecordedRequest]) -> int:
    count = 0
    with path.open("w", encoding="utf-8") as out:
        for request in requests:
            out.write(dump_line(request))
            count += 1
    return count


def read_requests(path: Path) -> list[RecordedRequest]:
    """Every request in a JSONL file; blank lines are skipped."""
    try:
        with path.open(encoding="utf-8") as lines:
            return list(_parse(lines, str(path)))
    except OSError as exc:
        raise RequestFileError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise RequestFileError(f"{path}: not UTF-8: {exc.reason}") from None


def _parse(lines: TextIO, name: str) -> Iterator[RecordedRequest]:
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            yield RecordedRequest.from_dict(json.loads(line))
        except ValueError as exc:  # json.JSONDecodeError is a ValueError
            raise RequestFileError(f"{name}:{number}: {exc}") from None


def _headers(value: Any) -> tuple[tuple[str, str], ...]:
    if isinstance(value, dict):
        value = list(value.items())
    if not isinstance(value, list):
        raise ValueError("'headers' must be a list of [name, value] pairs")
    pairs = []
    for item in value:
        if not (isinstance(item, list | tuple) and len(item) == 2):
            raise ValueError(f"bad header entry {item!r}: expected [name, value]")
        name, text = item
        if not isinstance(name, str) or not isinstance(text, str):
            raise ValueError(f"bad header entry {item!r}: name and value must be strings")
        pairs.append((name.lower(), text))
    return tuple(pairs)


def _body(data: dict[str, Any]) -> bytes | None:
    if "body_base64" in data:
        try:
            return base64.b64decode(str(data["body_base64"]), validate=True)
        except binascii.Error:
            raise ValueError("'body_base64' is not valid base64") from None
    body = data.get("body", "")
    if body is None:
        return None
    if not isinstance(body, str):
        raise ValueError("'body' must be a string or null")
    return body.encode("utf-8")
