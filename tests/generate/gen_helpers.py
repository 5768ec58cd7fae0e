"""Shared helpers for the generate tests: build a package, import it, read its OpenAPI."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType

from migrate.generate import apply, generate
from migrate.generate.names import identifier
from migrate.generate.paths import fastapi_path
from migrate.model import Inventory
from migrate.scan import scan_paths
from migrate.scan.urlmap import parse_params

Operation = tuple[str, str]  # (OpenAPI path, lower-case method)


def write_package(inventory: Inventory, parent: Path, name: str) -> Path:
    out = parent / name
    outcome = apply(generate(inventory), out)
    assert not outcome.skipped
    return out


@contextmanager
def imported(parent: Path, name: str) -> Iterator[ModuleType]:
    sys.path.insert(0, str(parent))
    try:
        yield importlib.import_module(name)
    finally:
        sys.path.remove(str(parent))
        for key in [k for k in sys.modules if k == name or k.startswith(name + ".")]:
            del sys.modules[key]


def not_generated(inventory: Inventory) -> set[str]:
    """Endpoints `migrate generate` leaves to Flask: static files, library docs routes."""
    return {r.endpoint for r in inventory.routes if r.kind in ("static", "docs")}


def expected_operations(
    triples: set[tuple[str, tuple[str, ...], str]], skip: set[str]
) -> set[Operation]:
    """The legacy app's rules as FastAPI would list them in OpenAPI (HEAD/OPTIONS
    left out, as the oracle leaves them out)."""
    out: set[Operation] = set()
    for rule, methods, endpoint in triples:
        if endpoint in skip:
            continue
        names = {p.name: identifier(p.name) for p in parse_params(rule)}
        path = fastapi_path(rule, names).replace(":path}", "}")
        out.update((path, m.lower()) for m in methods)
    return out


def openapi_operations(spec: dict[str, object]) -> set[Operation]:
    paths = spec["paths"]
    assert isinstance(paths, dict)
    return {
        (path, method)
        for path, item in paths.items()
        for method in item
        if method not in ("head", "options")
    }


def scan(root: Path) -> Inventory:
    return scan_paths([root])
