"""Run one detector over a snippet and return its facts in a comparable shape."""

from __future__ import annotations

import textwrap
from typing import Any

import libcst

from migrate.model import Fact
from migrate.scan.detectors import collect
from migrate.scan.lower import module_lines


def run(source: str, detector: str) -> dict[str, tuple[Fact, ...]]:
    source = textwrap.dedent(source)
    module = libcst.parse_module(source)
    lines = module_lines(module, source.encode())
    facts, _calls, _imports = collect(module, "x.py", lines, select=frozenset({detector}))
    return facts


def facts(source: str, detector: str, keys: tuple[str, ...] | None = None) -> list[Any]:
    """(function, fact name, data) per fact, in the order found; `keys` picks data keys."""
    out = []
    for function, found in run(source, detector).items():
        for fact in found:
            data = dict(fact.data)
            if keys is not None:
                data = {k: v for k, v in data.items() if k in keys}
            out.append((function, fact.name, data))
    return out


def lines(source: str, detector: str) -> list[tuple[str, str, int]]:
    return [(fn, f.name, f.line) for fn, found in run(source, detector).items() for f in found]
