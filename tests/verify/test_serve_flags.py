"""`migrate serve --shadow SECONDS --record FILE`: the opt-in layers around the hybrid."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import httpx

from adapters.recording import TrafficRecorder
from adapters.shadow import ShadowMiddleware
from migrate.commands.serve import ServeSettings, build_app, wrap

SPEC = "sample_flask_app:create_app()"


def test_no_flags_serve_the_bare_hybrid() -> None:
    settings = ServeSettings(SPEC)
    app = build_app(settings)
    assert wrap(app, settings) is app


def test_shadow_and_record_wrap_the_hybrid_and_record_legacy_traffic(tmp_path: Path) -> None:
    traffic = tmp_path / "traffic.jsonl"
    settings = ServeSettings(
        SPEC, ("bookshop_native:router",), shadow=0.5, record=str(traffic), record_rate=1.0
    )
    app = wrap(build_app(settings), settings)
    assert isinstance(app, TrafficRecorder)
    assert isinstance(app.app, ShadowMiddleware)

    async def exercise() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            return [await client.get("/healthz"), await client.get("/api/v1/books/1")]

    healthz, book = asyncio.run(exercise())
    assert healthz.status_code == 200 and healthz.text == "ok"
    assert book.status_code == 200 and book.json()["id"] == 1  # Flask answers in shadow mode
    recorded = [json.loads(line) for line in traffic.read_text().splitlines()]
    assert [r["path"] for r in recorded] == ["/healthz", "/api/v1/books/1"]
