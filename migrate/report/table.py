"""The default output: a rich table of routes with their difficulty and top
reasons, then findings and file errors. Fits 160 columns."""

from __future__ import annotations

import io

from rich.console import Console
from rich.table import Table
from rich.text import Text

from migrate.model import Inventory, Route
from migrate.report.levels import LEVELS, level
from migrate.report.rollup import app_rollups, migratable, top_reasons
from migrate.report.rows import print_table

WIDTH = 160
LEVEL_STYLES = {"trivial": "green", "easy": "cyan", "medium": "yellow", "hard": "bold red"}


def difficulty(route: Route) -> Text:
    if not migratable(route):
        return Text("")
    word = level(route.score)
    return Text(f"{route.score} {word}", style=LEVEL_STYLES[word])


def reasons_cell(route: Route) -> str:
    return "\n".join(f"+{r.points} {r.text}" for r in top_reasons(route))


def _routes_table(inventory: Inventory) -> Table:
    apps = sorted({r.app for r in inventory.routes})
    title = f"Routes ({len(inventory.routes)}) in {inventory.root}"
    if len(apps) == 1:
        title += f", app {apps[0]}"
    table = Table(title=title, title_justify="left", expand=True)
    table.add_column("Rule", overflow="fold", ratio=7)
    table.add_column("Methods", overflow="fold", max_width=8)
    table.add_column("Endpoint", overflow="fold", ratio=5)
    table.add_column("View", overflow="fold", ratio=5)
    if len(apps) > 1:
        table.add_column("App", overflow="fold", ratio=3)
    table.add_column("Difficulty", no_wrap=True, min_width=10)
    table.add_column("Top reasons", overflow="fold", ratio=10)
    for r in sorted(inventory.routes, key=lambda r: (r.app, r.rule, r.endpoint)):
        view = f"{r.view.qualname} ({r.view.file}:{r.view.line})" if r.view else f"[{r.kind}]"
        row = [r.rule, " ".join(r.methods), r.endpoint, view]
        if len(apps) > 1:
            row.append(r.app)
        table.add_row(*map(Text, row), difficulty(r), Text(reasons_cell(r)))
    return table


def render(inventory: Inventory, color: bool = False) -> str:
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=color, width=WIDTH, no_color=not color)
    print_table(console, _routes_table(inventory))
    if inventory.extensions:
        extensions = Table(title=f"Extensions ({len(inventory.extensions)})", title_justify="left")
        for column in ("Extension", "FastAPI side", "Imported in"):
            extensions.add_column(column, overflow="fold")
        for ext in inventory.extensions:
            where = ", ".join(ext.files[:2]) + (" ..." if len(ext.files) > 2 else "")
            extensions.add_row(Text(ext.name), Text(ext.fastapi), Text(where))
        print_table(console, extensions)
    if inventory.websockets:
        sockets = Table(
            title="WebSocket handlers (no WSGI bridge carries them)", title_justify="left"
        )
        for column in ("Where", "Handler", "Detail"):
            sockets.add_column(column, overflow="fold")
        for ws in inventory.websockets:
            sockets.add_row(Text(f"{ws.file}:{ws.line}"), Text(ws.function), Text(ws.detail))
        print_table(console, sockets)
    if inventory.findings:
        findings = Table(title=f"Findings ({len(inventory.findings)})", title_justify="left")
        for column in ("Where", "Severity", "Code", "Message"):
            findings.add_column(column, overflow="fold")
        for f in inventory.findings:
            findings.add_row(*map(Text, (f"{f.file}:{f.line}", f.severity, f.code, f.message)))
        print_table(console, findings)
    if inventory.errors:
        errors = Table(title=f"Files not scanned ({len(inventory.errors)})", title_justify="left")
        for column in ("Where", "Reason"):
            errors.add_column(column, overflow="fold")
        for e in inventory.errors:
            errors.add_row(Text(f"{e.file}:{e.line}"), Text(e.reason))
        print_table(console, errors)
    levels = dict.fromkeys(LEVELS, 0)
    for rollup in app_rollups(inventory):
        for word, count in rollup.levels.items():
            levels[word] += count
    console.print(
        f"{inventory.files_scanned} files, {len(inventory.apps)} app(s), "
        f"{len(inventory.blueprints)} blueprint(s), {len(inventory.routes)} route(s), "
        f"{len(inventory.findings)} finding(s), {len(inventory.errors)} file error(s); "
        + ", ".join(f"{count} {word}" for word, count in levels.items()),
        markup=False,
        highlight=False,
    )
    return buffer.getvalue()
