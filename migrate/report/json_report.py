"""`--format json`: every fact of the inventory, versioned (`schema_version`).

The schema is documented in README.md ("JSON schema"). Methods list what the
view declares; HEAD and OPTIONS, which Flask adds to every rule on its own, are
left out unless the code names them.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from migrate import __version__
from migrate.model import SCHEMA_VERSION, Inventory, Route


def route_dict(route: Route) -> dict[str, Any]:
    data = dataclasses.asdict(route)
    data["methods"] = list(route.methods)
    data["defaults"] = dict(route.defaults)
    data["params"] = [dataclasses.asdict(p) for p in route.params]
    return data


def as_dict(inventory: Inventory) -> dict[str, Any]:
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
        "routes": [route_dict(r) for r in inventory.routes],
        "findings": [dataclasses.asdict(f) for f in inventory.findings],
        "errors": [dataclasses.asdict(e) for e in inventory.errors],
    }


def render(inventory: Inventory, color: bool = False) -> str:
    return json.dumps(as_dict(inventory), indent=2, default=str) + "\n"
