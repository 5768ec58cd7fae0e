"""The CI gate: `--fail-on LEVEL` and `--fail-on-score N` fail the scan when a
route (static rules aside) is at or above the line, so a team can hold a
migrated blueprint at "trivial" while the rest moves. `--select-blueprint NAME`
restricts the routes that count to a blueprint (by its registered, dotted
name) and the blueprints nested in it.
"""

from __future__ import annotations

from collections.abc import Iterable

from migrate.model import Inventory, Route
from migrate.report.levels import floor
from migrate.report.rollup import routes_to_migrate, suggest


def known_blueprints(inventory: Inventory) -> set[str]:
    names: set[str] = set()
    for bp in inventory.blueprints:
        names.update(bp.registered_as or (bp.name,))
    names.update(r.blueprint for r in inventory.routes if r.blueprint)
    for name in list(names):
        parts = name.split(".")
        names.update(".".join(parts[:i]) for i in range(1, len(parts)))
    return names


def unknown_blueprint(inventory: Inventory, names: Iterable[str]) -> tuple[str, list[str]] | None:
    """The first name that is no blueprint of the inventory, with close matches."""
    known = sorted(known_blueprints(inventory))
    for name in names:
        if name not in known:
            return name, suggest(name, known)
    return None


def in_blueprints(route: Route, names: Iterable[str]) -> bool:
    bp = route.blueprint or ""
    return any(bp == name or bp.startswith(name + ".") for name in names)


def threshold(fail_on: str | None, fail_on_score: int | None) -> int | None:
    """The lowest failing score, from a level word and/or a number."""
    lines = [floor(fail_on)] if fail_on else []
    if fail_on_score is not None:
        lines.append(fail_on_score)
    return min(lines) if lines else None


def failing(
    inventory: Inventory,
    fail_on: str | None = None,
    fail_on_score: int | None = None,
    blueprints: tuple[str, ...] = (),
) -> list[Route]:
    """Routes at or above the line, worst first (empty when no line is set)."""
    line = threshold(fail_on, fail_on_score)
    if line is None:
        return []
    routes = routes_to_migrate(inventory)
    if blueprints:
        routes = [r for r in routes if in_blueprints(r, blueprints)]
    hits = [r for r in routes if r.score >= line]
    return sorted(hits, key=lambda r: (-r.score, r.rule, r.endpoint, r.app))
