"""Readiness as the renderers show it: top reasons, blockers and rollups.

Everything here reads `Route.score`, `Route.reasons` and the facts the scan
attached; nothing decides what a fact costs (that is `migrate.readiness`).
Static rules are served by the framework, never migrated, so they are left out
of rollups, blockers and the migration order.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from migrate.model import Fact, Inventory, Reason, Route
from migrate.report.levels import BLOCKER_POINTS, LEVELS, level

# Reason categories: the fact kinds, plus what runs around the view. Each one is
# a SARIF rule (`readiness/<category>`) and a README anchor.
CATEGORIES: dict[str, str] = {
    "request": "Reads request data that becomes a FastAPI parameter or body model",
    "response": "Builds a Flask response that needs a FastAPI equivalent",
    "context": "Uses Flask context globals (g, session, current_app, ...)",
    "blocking": "Makes a blocking call that needs a thread pool or an async client",
    "websocket": "Uses websockets, which the WSGI bridge cannot carry",
    "hook": "Depends on a request hook or error handler",
    "decorator": "Depends on a view decorator",
    "other": "Other readiness cost",
}


def suggest(query: str, names: Iterable[str], count: int = 5) -> list[str]:
    """Names a typo may have meant: those whose last dotted part is the query
    (`v1` -> `api.v1`), then difflib's close matches."""
    ordered = sorted(set(names))
    found = [n for n in ordered if n != query and n.rsplit(".", 1)[-1] == query]
    found += [n for n in difflib.get_close_matches(query, ordered, n=count) if n not in found]
    return found[:count]


def migratable(route: Route) -> bool:
    return route.kind != "static"


def routes_to_migrate(inventory: Inventory) -> list[Route]:
    return [r for r in inventory.routes if migratable(r)]


def sorted_reasons(route: Route) -> list[Reason]:
    """Reasons, most points first (ties keep the order the scorer gave)."""
    return sorted(route.reasons, key=lambda r: -r.points)


def top_reasons(route: Route, count: int = 2) -> list[Reason]:
    return sorted_reasons(route)[:count]


def all_facts(route: Route) -> Iterator[Fact]:
    """The view's facts, then those of its decorators and hooks."""
    yield from route.facts
    for decorator in route.decorators:
        yield from decorator.facts
    for hook in route.hooks:
        yield from hook.facts


def reason_category(route: Route, reason: Reason) -> str:
    """The category of a reason: its own `kind` when the model carries one,
    else the kind of the fact at the reason's file:line, else hook/decorator
    when it points at one, else "other"."""
    explicit = getattr(reason, "kind", None) or getattr(reason, "category", None)
    if isinstance(explicit, str) and explicit:
        return explicit
    where = (reason.file, reason.line)
    here = [f for f in all_facts(route) if (f.file, f.line) == where]
    named = [f for f in here if f.name in reason.text]
    if named or here:
        # the fact the reason names (the longest name wins: "g.db" over "g")
        return max(named, key=lambda f: len(f.name)).kind if named else here[0].kind
    if any((h.file, h.line) == where for h in route.hooks):
        return "hook"
    if any((d.file, d.line) == where for d in route.decorators):
        return "decorator"
    return "other"


def route_location(route: Route) -> tuple[str, int]:
    """Where a route is best pointed at: its view, else where it is registered."""
    if route.view is not None and route.view.file:
        return route.view.file, route.view.line
    if route.source is not None:
        return route.source.file, route.source.line
    return "", 0


@dataclass(frozen=True)
class Blocker:
    """A reason (or websocket fact) heavy enough to name in a review."""

    category: str
    points: int
    text: str
    file: str
    line: int
    endpoints: tuple[str, ...] = ()


def route_blockers(route: Route) -> list[Blocker]:
    """Reasons worth `BLOCKER_POINTS` or more, and websocket facts not already
    covered by such a reason at the same line."""
    if not migratable(route):
        return []
    found: list[Blocker] = []
    for reason in sorted_reasons(route):
        if reason.points < BLOCKER_POINTS:
            continue
        file, line = (reason.file, reason.line) if reason.file else route_location(route)
        category = reason_category(route, reason)
        found.append(Blocker(category, reason.points, reason.text, file, line, (route.endpoint,)))
    covered = {(b.file, b.line) for b in found}
    for fact in all_facts(route):
        if fact.kind == "websocket" and (fact.file, fact.line) not in covered:
            covered.add((fact.file, fact.line))
            points = max(
                (r.points for r in route.reasons if r.file == fact.file and r.line == fact.line),
                default=0,
            )
            text = f"{fact.name}: {fact.detail}" if fact.detail else fact.name
            found.append(
                Blocker("websocket", points, text, fact.file, fact.line, (route.endpoint,))
            )
    return found


def blockers(routes: Iterable[Route]) -> list[Blocker]:
    """Blockers of all routes, one per (category, file:line) with every endpoint
    it holds back; the shortest wording wins (the same fact reached through
    different helpers differs only in its call chain). Heaviest first."""
    grouped: dict[tuple[str, str, int], list[Blocker]] = {}
    for route in routes:
        for b in route_blockers(route):
            grouped.setdefault((b.category, b.file, b.line), []).append(b)
    merged = [
        Blocker(
            category,
            max(b.points for b in group),
            min((b.text for b in group), key=lambda text: (len(text), text)),
            file,
            line,
            tuple(sorted({e for b in group for e in b.endpoints})),
        )
        for (category, file, line), group in grouped.items()
    ]
    return sorted(merged, key=lambda b: (-b.points, b.file, b.line, b.category, b.text))


@dataclass(frozen=True)
class Rollup:
    """Readiness numbers of one app, or of one blueprint (None: the app's own routes)."""

    app: str
    blueprint: str | None
    routes: int = 0
    score: int = 0
    max: int = 0
    levels: dict[str, int] = field(default_factory=dict)

    @property
    def mean(self) -> float:
        return round(self.score / self.routes, 2) if self.routes else 0.0


def _rollup(app: str, blueprint: str | None, routes: list[Route]) -> Rollup:
    counts = dict.fromkeys(LEVELS, 0)
    for route in routes:
        counts[level(route.score)] += 1
    scores = [r.score for r in routes]
    return Rollup(app, blueprint, len(routes), sum(scores), max(scores, default=0), counts)


def app_rollups(inventory: Inventory) -> list[Rollup]:
    """One rollup per app, in the inventory's app order (apps without routes too)."""
    routes = routes_to_migrate(inventory)
    names = [a.name for a in inventory.apps]
    names += sorted({r.app for r in routes} - set(names))
    return [_rollup(name, None, [r for r in routes if r.app == name]) for name in names]


def blueprint_rollups(inventory: Inventory) -> list[Rollup]:
    """One rollup per (app, registered blueprint name); blueprint None holds the
    routes registered on the app itself. Sorted by app, then blueprint."""
    groups: dict[tuple[str, str | None], list[Route]] = {}
    for route in routes_to_migrate(inventory):
        groups.setdefault((route.app, route.blueprint), []).append(route)
    keys = sorted(groups, key=lambda k: (k[0], k[1] is not None, k[1] or ""))
    return [_rollup(app, bp, groups[(app, bp)]) for app, bp in keys]
