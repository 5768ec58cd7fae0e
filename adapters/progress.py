"""Migration progress: which side served each request, counted per endpoint.

Counting happens on the event loop (one thread), so plain counters suffice. An
endpoint is named by method and route template on both sides: ``GET /items/{id}``
for a native FastAPI route, ``GET /items/<int:id>`` for a Flask rule. Requests no
Flask rule matches count as ``<unmatched>``; a non-Flask legacy app cannot be looked
into, so its requests count as ``METHOD <legacy>``.
"""

from __future__ import annotations

import logging
from collections import Counter
from typing import TYPE_CHECKING, Any

from starlette.types import Message, Send

if TYPE_CHECKING:
    from flask import Flask

__all__ = ["MigrationProgress", "NATIVE", "LEGACY"]

NATIVE = "native"
LEGACY = "legacy"

logger = logging.getLogger("adapters.progress")


class MigrationProgress:
    """Requests served natively (FastAPI) and by the legacy WSGI app, per endpoint."""

    def __init__(self) -> None:
        self.native: Counter[str] = Counter()
        self.legacy: Counter[str] = Counter()

    def count(self, side: str, endpoint: str) -> None:
        (self.native if side == NATIVE else self.legacy)[endpoint] += 1

    def snapshot(self) -> dict[str, Any]:
        """Counts as JSON-ready data: totals, share served natively, per endpoint."""
        native, legacy = sum(self.native.values()), sum(self.legacy.values())
        endpoints = sorted(set(self.native) | set(self.legacy))
        return {
            "native": native,
            "legacy": legacy,
            "native_share": round(native / (native + legacy), 4) if native + legacy else 0.0,
            "endpoints": [
                {"endpoint": name, NATIVE: self.native[name], LEGACY: self.legacy[name]}
                for name in endpoints
            ],
        }

    def summary_lines(self) -> list[str]:
        data = self.snapshot()
        lines = [
            f"migration progress: {data['native']} native, {data['legacy']} legacy "
            f"({data['native_share']:.1%} native)"
        ]
        lines += [
            f"  {row['endpoint']}: {row[NATIVE]} native, {row[LEGACY]} legacy"
            for row in data["endpoints"]
        ]
        return lines

    def log_summary(self) -> None:
        for line in self.summary_lines():
            logger.info(line)


def legacy_endpoint(flask_app: Flask | None, method: str, path_info: str) -> str:
    """Name the Flask rule that will serve ``method path_info``, without running it."""
    if flask_app is None:
        return f"{method} <legacy>"
    from werkzeug.exceptions import HTTPException
    from werkzeug.routing import RequestRedirect

    adapter = flask_app.url_map.bind("localhost")
    try:
        rule, _ = adapter.match(path_info or "/", method, return_rule=True)
    except RequestRedirect:
        return "<redirect>"
    except HTTPException:
        return "<unmatched>"
    return f"{method} {rule.rule}"


def with_header(send: Send, name: bytes, value: bytes) -> Send:
    """Wrap ``send`` so the response start carries one extra header."""

    async def send_with_header(message: Message) -> None:
        if message["type"] == "http.response.start":
            message = {**message, "headers": [*message.get("headers", []), (name, value)]}
        await send(message)

    return send_with_header
