"""Renderers: each reads an `Inventory` and returns text. One module per format."""

from __future__ import annotations

from collections.abc import Callable

from migrate.model import Inventory
from migrate.report import json_report, markdown, sarif, table

Renderer = Callable[[Inventory, bool], str]

RENDERERS: dict[str, Renderer] = {
    "table": table.render,
    "json": json_report.render,
    "markdown": markdown.render,
    "sarif": sarif.render,
}
