"""Send each request to the legacy app and to the native route, in process, and compare.

Both sides are :func:`adapters.hybrid` apps driven through ``httpx.ASGITransport``
(no network): the *legacy side* is ``hybrid(flask_app)`` with no routers, so every
request reaches Flask through the same bridge as in production; the *native
side* is ``hybrid(other_flask_app, *routers)``. A request is compared only when the
native side's own dispatch (:meth:`HybridApp.native_route`) would serve it natively;
the others are *not migrated* (Flask serves them either way) and are only counted.
Native routes reach their legacy state (``request.app.flask_app``, ``legacy_context``)
through the native side's own Flask instance.

**Isolation.** ``GET``, ``HEAD`` and ``OPTIONS`` requests share one instance per side
for the whole run. Each ``POST``, ``PUT``, ``PATCH`` and ``DELETE`` runs on a fresh
instance per side, made by the factory (:mod:`migrate.verify.target`), so it starts
from the seed data whatever ran before it, and the two sides never see each other's
writes. With ``module:app`` (no factory) state-changing requests are skipped.

Each side runs with a cookie jar emptied before every request (only the request's
own ``Cookie`` header is sent) and without following redirects. A side that raises
before responding gives a 500 (as a server would); one that takes longer than
``timeout`` seconds counts as a difference.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import httpx
from flask import Flask
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect

from adapters.hybrid import HybridApp, hybrid
from migrate.verify.compare import CapturedResponse, CompareOptions, Comparison, Difference, compare
from migrate.verify.target import AppTarget, Migration, migrations
from migrate.verify.traffic import REDACTED, UNSAFE_METHODS, RecordedRequest

__all__ = ["Outcome", "ReplayOptions", "VerifyResult", "verify"]

BASE_URL = "http://localhost"
#: Request headers never replayed as recorded: the client computes them.
DROPPED_HEADERS = frozenset(
    {"content-length", "transfer-encoding", "connection", "keep-alive", "upgrade", "te"}
)

Status = Literal["identical", "differing", "not_migrated", "skipped"]


@dataclass(frozen=True)
class ReplayOptions:
    compare: CompareOptions = field(default_factory=CompareOptions)
    endpoints: tuple[str, ...] = ()  # only requests to these Flask endpoints
    headers: tuple[tuple[str, str], ...] = ()  # set on every request (a test credential)
    timeout: float = 10.0


@dataclass(frozen=True)
class Outcome:
    request: RecordedRequest
    endpoint: str
    method: str
    status: Status
    reason: str = ""
    comparison: Comparison | None = None
    statuses: tuple[int | None, int | None] = (None, None)  # legacy, native


@dataclass
class VerifyResult:
    outcomes: list[Outcome]
    migrations: list[Migration]
    orphans: list[str]  # native routes that replace no legacy rule
    isolated: bool
    endpoints: tuple[str, ...] = ()

    @property
    def differing(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.status == "differing"]


def verify(
    target: AppTarget, requests: Sequence[RecordedRequest], options: ReplayOptions | None = None
) -> VerifyResult:
    """Replay ``requests`` on both sides of ``target`` and compare every response."""
    return asyncio.run(_verify(target, requests, options or ReplayOptions()))


def endpoint_of(flask_app: Flask, method: str, path: str) -> str:
    """The Flask endpoint ``method path`` reaches (``<unmatched>``, ``<redirect>``)."""
    adapter = flask_app.url_map.bind("localhost")
    try:
        rule, _ = adapter.match(path, method, return_rule=True)
    except RequestRedirect:
        return "<redirect>"
    except HTTPException:
        return "<unmatched>"
    return str(rule.endpoint)


async def _verify(
    target: AppTarget, requests: Sequence[RecordedRequest], options: ReplayOptions
) -> VerifyResult:
    shared = _Pair(target)
    found, orphans = migrations(shared.native_flask, target.routers)
    if options.endpoints:
        found = [m for m in found if m.endpoint in options.endpoints]
    outcomes = []
    try:
        for request in requests:
            outcome = await _one(target, shared, found, request, options)
            if outcome is not None:
                outcomes.append(outcome)
    finally:
        await shared.aclose()
    return VerifyResult(outcomes, found, orphans, target.isolated, options.endpoints)


async def _one(
    target: AppTarget,
    shared: _Pair,
    found: list[Migration],
    request: RecordedRequest,
    options: ReplayOptions,
) -> Outcome | None:
    method = request.method
    endpoint = endpoint_of(shared.native_flask, method, request.path)
    if endpoint.startswith("<"):
        # Flask has no rule here; a native route may still take it (a looser path).
        endpoint = next(
            (m.endpoint for m in found if m.method == method and m.regex.match(request.path)),
            endpoint,
        )
    if options.endpoints and endpoint not in options.endpoints:
        return None
    if not shared.is_native(request):
        return Outcome(request, endpoint, method, "not_migrated")
    if request.body is None:
        reason = f"body not recorded ({request.body_omitted or 'omitted'})"
        return Outcome(request, endpoint, method, "skipped", reason)
    if method not in UNSAFE_METHODS:
        comparison, statuses = await shared.compare(request, options)
    elif not target.isolated:
        reason = "changes state, and APP_SPEC names one app (no factory): cannot isolate"
        return Outcome(request, endpoint, method, "skipped", reason)
    else:
        fresh = _Pair(target)
        try:
            comparison, statuses = await fresh.compare(request, options)
        finally:
            await fresh.aclose()
    status: Status = "identical" if comparison.identical else "differing"
    return Outcome(request, endpoint, method, status, comparison=comparison, statuses=statuses)


class _Pair:
    """A legacy side and a native side, each on its own Flask instance when isolated."""

    def __init__(self, target: AppTarget) -> None:
        self.legacy = hybrid(target.new_app(), docs_url=None, openapi_url=None)
        self.native_flask = target.new_app()
        self.native = hybrid(self.native_flask, *target.routers, docs_url=None, openapi_url=None)
        self.clients = [_client(self.legacy), _client(self.native)]

    def is_native(self, request: RecordedRequest) -> bool:
        scope = {
            "type": "http",
            "method": request.method,
            "path": request.path,
            "root_path": "",
            "query_string": request.query.encode("latin-1", "replace"),
            "headers": [],
        }
        return self.native.native_route(scope) is not None

    async def compare(
        self, request: RecordedRequest, options: ReplayOptions
    ) -> tuple[Comparison, tuple[int | None, int | None]]:
        sides = []
        for client in self.clients:
            client.cookies.clear()
            sides.append(await _send(client, request, options))
        legacy, native = sides
        statuses = tuple(None if isinstance(s, str) else s.status for s in sides)
        assert len(statuses) == 2
        if isinstance(legacy, str) or isinstance(native, str):
            shown = [s if isinstance(s, str) else f"status {s.status}" for s in sides]
            return Comparison((Difference("response", shown[0], shown[1]),)), statuses
        url = f"{BASE_URL}{request.target}"
        return compare(legacy, native, options.compare, url=url), statuses

    async def aclose(self) -> None:
        for client in self.clients:
            await client.aclose()
        for app in (self.legacy, self.native):
            app.legacy.close()


def _client(app: HybridApp) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app, raise_app_exceptions=False)
    return httpx.AsyncClient(transport=transport, base_url=BASE_URL)


def _headers(request: RecordedRequest, extra: tuple[tuple[str, str], ...]) -> list[tuple[str, str]]:
    replaced = {name.lower() for name, _ in extra}
    kept = [
        (name, value)
        for name, value in request.headers
        if name not in DROPPED_HEADERS and name not in replaced and value != REDACTED
    ]
    return [*kept, *extra]


async def _send(
    client: httpx.AsyncClient, request: RecordedRequest, options: ReplayOptions
) -> CapturedResponse | str:
    built = client.build_request(
        request.method,
        request.target,
        headers=_headers(request, options.headers),
        content=request.body or None,
    )
    try:
        response = await asyncio.wait_for(client.send(built), options.timeout)
    except asyncio.TimeoutError:
        return f"no response within {options.timeout:g}s"
    headers = tuple((k.lower(), v) for k, v in response.headers.multi_items())
    return CapturedResponse(response.status_code, headers, response.content)
