"""`--format json`: every fact of the inventory, versioned (`schema_version`).

The schema is documented in README.md ("JSON schema"). Methods list what the
view declares; HEAD and OPTIONS, which Flask adds to every rule on its own, are
left out unless the code names them. Each route carries its readiness facts
(with `data` as an object), its hooks (places in the top-level `hooks` table,
since schema 3), decorators, score, level and reasons; the
top-level `readiness` object rolls them up per app and per blueprint and gives
the suggested migration order (`migrate/report/order.py`).
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from migrate import __version__
from migrate.model import SCHEMA_VERSION, Decorator, Fact, Hook, Inventory, Route
from migrate.report.levels import level, ranges
from migrate.report.order import migration_order
from migrate.report.rollup import Rollup, app_rollups, blueprint_rollups


def _fields(obj: Any) -> dict[str, Any]:
    """A dataclass's fields, one level deep (`dataclasses.asdict` copies every
    nested value: on Indico's 1,064 routes, each with its hooks' facts, most of
    the report's time)."""
    return {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)}


def fact_dict(fact: Fact) -> dict[str, Any]:
    return _fields(fact) | {"data": dict(fact.data), "via": list(fact.via)}


def hook_dict(hook: Hook) -> dict[str, Any]:
    return _fields(hook) | {"facts": [fact_dict(f) for f in hook.facts]}


def decorator_dict(decorator: Decorator) -> dict[str, Any]:
    return _fields(decorator) | {"facts": [fact_dict(f) for f in decorator.facts]}


class HookTable:
    """The report's top-level `hooks`: each hook once (an app-wide hook runs around
    every route), routes refer to it by its place. Listing a hook's facts on each
    of Indico's 961 routes made a 164 MB report."""

    def __init__(self) -> None:
        self.places: dict[tuple[str, str, str, str, int], int] = {}
        self.rows: list[dict[str, Any]] = []

    def place(self, hook: Hook) -> int:
        key = (hook.kind, hook.scope, hook.function, hook.file, hook.line)
        if key not in self.places:
            self.places[key] = len(self.rows)
            self.rows.append(hook_dict(hook))
        return self.places[key]


def route_dict(route: Route, hooks: HookTable | None = None) -> dict[str, Any]:
    """With `hooks`, the route's hooks are places in that table; without, in full
    (`migrate scan --route`)."""
    data = _fields(route)
    data["methods"] = list(route.methods)
    data["view"] = None if route.view is None else _fields(route.view)
    data["params"] = [_fields(p) for p in route.params]
    data["defaults"] = dict(route.defaults)
    data["source"] = None if route.source is None else _fields(route.source)
    data["facts"] = [fact_dict(f) for f in route.facts]
    if hooks is None:
        data["hooks"] = [hook_dict(h) for h in route.hooks]
    else:
        data["hooks"] = [hooks.place(h) for h in route.hooks]
    data["decorators"] = [decorator_dict(d) for d in route.decorators]
    data["level"] = level(route.score)
    data["reasons"] = [_fields(r) for r in route.reasons]
    return data


def rollup_dict(rollup: Rollup) -> dict[str, Any]:
    return {
        "app": rollup.app,
        "blueprint": rollup.blueprint,
        "routes": rollup.routes,
        "score": rollup.score,
        "max": rollup.max,
        "mean": rollup.mean,
        "levels": dict(rollup.levels),
    }


def readiness_dict(inventory: Inventory) -> dict[str, Any]:
    return {
        "levels": {word: list(bounds) for word, bounds in ranges().items()},
        "apps": [rollup_dict(r) for r in app_rollups(inventory)],
        "blueprints": [rollup_dict(r) for r in blueprint_rollups(inventory)],
        "order": [
            {
                "app": r.app,
                "endpoint": r.endpoint,
                "rule": r.rule,
                "methods": list(r.methods),
                "score": r.score,
                "level": level(r.score),
            }
            for r in migration_order(inventory)
        ],
    }


def as_dict(inventory: Inventory) -> dict[str, Any]:
    hooks = HookTable()
    routes = [route_dict(r, hooks) for r in inventory.routes]
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": f"wsgi2asgi {__version__}",
        "root": inventory.root,
        "files_scanned": inventory.files_scanned,
        "summary": {
            "apps": len(inventory.apps),
            "blueprints": len(inventory.blueprints),
            "routes": len(inventory.routes),
            "findings": len(inventory.findings),
            "errors": len(inventory.errors),
        },
        "apps": [dataclasses.asdict(a) for a in inventory.apps],
        "blueprints": [
            dataclasses.asdict(b) | {"registered_as": list(b.registered_as)}
            for b in inventory.blueprints
        ],
        "routes": routes,
        "hooks": hooks.rows,
        "readiness": readiness_dict(inventory),
        "findings": [dataclasses.asdict(f) for f in inventory.findings],
        "errors": [dataclasses.asdict(e) for e in inventory.errors],
        "extensions": [
            dataclasses.asdict(e) | {"files": list(e.files)} for e in inventory.extensions
        ],
        "websockets": [fact_dict(f) for f in inventory.websockets],
    }


def render(inventory: Inventory, color: bool = False) -> str:
    return json.dumps(as_dict(inventory), indent=2, default=str) + "\n"
