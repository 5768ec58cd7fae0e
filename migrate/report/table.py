"""The default output: a rich table of routes, then findings and file errors."""

from __future__ import annotations

import io

from rich.console import Console
from rich.table import Table

from migrate.model import Inventory


def render(inventory: Inventory, color: bool = False) -> str:
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=color, width=160, no_color=not color)
    routes = Table(
        title=f"Routes ({len(inventory.routes)}) in {inventory.root}", title_justify="left"
    )
    for column in ("Rule", "Methods", "Endpoint", "View", "App"):
        routes.add_column(column, overflow="fold")
    for r in sorted(inventory.routes, key=lambda r: (r.app, r.rule, r.endpoint)):
        view = f"{r.view.qualname} ({r.view.file}:{r.view.line})" if r.view else f"[{r.kind}]"
        routes.add_row(r.rule, ",".join(r.methods), r.endpoint, view, r.app)
    console.print(routes)
    if inventory.findings:
        findings = Table(title=f"Findings ({len(inventory.findings)})", title_justify="left")
        for column in ("Where", "Severity", "Code", "Message"):
            findings.add_column(column, overflow="fold")
        for f in inventory.findings:
            findings.add_row(f"{f.file}:{f.line}", f.severity, f.code, f.message)
        console.print(findings)
    if inventory.errors:
        errors = Table(title=f"Files not scanned ({len(inventory.errors)})", title_justify="left")
        for column in ("Where", "Reason"):
            errors.add_column(column, overflow="fold")
        for e in inventory.errors:
            errors.add_row(f"{e.file}:{e.line}", e.reason)
        console.print(errors)
    console.print(
        f"{inventory.files_scanned} files, {len(inventory.apps)} app(s), "
        f"{len(inventory.blueprints)} blueprint(s), {len(inventory.routes)} route(s), "
        f"{len(inventory.findings)} finding(s), {len(inventory.errors)} file error(s)"
    )
    return buffer.getvalue()
