"""`--format markdown`: the report a reviewer reads in a pull request
(GitHub-flavoured): summary numbers, per-blueprint rollups, the suggested
migration order, blockers with file:line, then the full inventory per app and
blueprint, findings and files not scanned."""

from __future__ import annotations

from collections.abc import Iterable

from migrate.model import Finding, Inventory, Route
from migrate.report.levels import BLOCKER_POINTS, LEVELS, level, ranges
from migrate.report.order import migration_order
from migrate.report.rollup import (
    app_rollups,
    blockers,
    blueprint_rollups,
    migratable,
    routes_to_migrate,
    top_reasons,
)

MAX_ENDPOINTS = 5  # endpoints named per blocker before "and N more"


def _cell(text: object) -> str:
    """Plain text in a table cell: no pipe, no newline, no HTML (`<locals>`)."""
    escaped = str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return escaped.replace("|", "\\|").replace("\n", " ")


def _code(text: object) -> str:
    """Code in a table cell: a code span keeps `<` as is; the pipe still needs escaping."""
    content = str(text).replace("|", "\\|").replace("\n", " ")
    return f"`{content}`" if content else ""


def _where(file: str, line: int) -> str:
    return _code(f"{file}:{line}") if file else ""


def _difficulty(route: Route) -> str:
    return f"{route.score} {level(route.score)}" if migratable(route) else route.kind


def _reasons(route: Route) -> str:
    return "<br>".join(_cell(f"+{r.points} {r.text}") for r in top_reasons(route))


def _view(route: Route) -> str:
    if route.view is None:
        return route.kind
    return f"{_code(route.view.qualname)} ({_where(route.view.file, route.view.line)})"


def _summary(inventory: Inventory) -> list[str]:
    routes = routes_to_migrate(inventory)
    counts = dict.fromkeys(LEVELS, 0)
    for route in routes:
        counts[level(route.score)] += 1
    serious = [f for f in inventory.findings if f.severity in ("warning", "error")]
    bounds = ranges()
    lines = [
        f"**{len(routes)} route(s) to migrate** in {len(inventory.apps)} app(s) and "
        f"{len(inventory.blueprints)} blueprint(s); {inventory.files_scanned} files scanned, "
        f"total score {sum(r.score for r in routes)}, "
        f"{len(inventory.findings)} finding(s) ({len(serious)} warning or error), "
        f"{len(inventory.errors)} file error(s).",
        "",
        "| Level | Score | Routes |",
        "|---|---|---:|",
    ]
    for word in LEVELS:
        low, high = bounds[word]
        span = f"{low}-{high}" if high is not None else f"{low}+"
        lines.append(f"| {word} | {span} | {counts[word]} |")
    return [*lines, ""]


def _per_blueprint(inventory: Inventory) -> list[str]:
    rollups = blueprint_rollups(inventory)
    if not rollups:
        return []
    lines = [
        "## Per blueprint",
        "",
        "| App | Blueprint | Routes | Total | Max | Mean | " + " | ".join(LEVELS) + " |",
        "|---|---|---:|---:|---:|---:|" + "---:|" * len(LEVELS),
    ]
    for r in rollups:
        counts = " | ".join(str(r.levels[word]) for word in LEVELS)
        lines.append(
            f"| {_code(r.app)} | {_code(r.blueprint) if r.blueprint else '(app)'} "
            f"| {r.routes} | {r.score} | {r.max} | {r.mean:.1f} | {counts} |"
        )
    apps = app_rollups(inventory)
    if len(apps) > 1:
        lines += ["", "| App | Routes | Total | Max | Mean |", "|---|---:|---:|---:|---:|"]
        for r in apps:
            lines.append(f"| {_code(r.app)} | {r.routes} | {r.score} | {r.max} | {r.mean:.1f} |")
    return [*lines, ""]


def _order(inventory: Inventory) -> list[str]:
    order = migration_order(inventory)
    if not order:
        return []
    lines = [
        "## Migration order",
        "",
        "Least coupled first: lower level, then read-only JSON endpoints, routes that share "
        "hooks together.",
        "",
        "| # | Endpoint | Rule | Methods | Difficulty | Top reason |",
        "|---:|---|---|---|---|---|",
    ]
    for index, r in enumerate(order, 1):
        top = top_reasons(r, 1)
        why = _cell(f"+{top[0].points} {top[0].text}") if top else ""
        lines.append(
            f"| {index} | {_code(r.endpoint)} | {_code(r.rule)} | {', '.join(r.methods)} "
            f"| {_difficulty(r)} | {why} |"
        )
    return [*lines, ""]


def _endpoints(endpoints: tuple[str, ...]) -> str:
    shown = ", ".join(_code(e) for e in endpoints[:MAX_ENDPOINTS])
    more = len(endpoints) - MAX_ENDPOINTS
    return f"{shown} and {more} more" if more > 0 else shown


def _finding_rows(findings: Iterable[Finding]) -> list[str]:
    lines = ["| Where | Severity | Code | Message |", "|---|---|---|---|"]
    for f in findings:
        where = _where(f.file, f.line)
        lines.append(f"| {where} | {f.severity} | {_code(f.code)} | {_cell(f.message)} |")
    return [*lines, ""]


def _blockers(inventory: Inventory) -> list[str]:
    found = blockers(inventory.routes)
    serious = [f for f in inventory.findings if f.severity in ("warning", "error")]
    if not found and not serious:
        return []
    lines = ["## Blockers", ""]
    if found:
        lines += [
            f"Reasons worth {BLOCKER_POINTS} points or more, and websocket use.",
            "",
            "| Where | Points | Category | What | Routes |",
            "|---|---:|---|---|---|",
        ]
        for b in found:
            lines.append(
                f"| {_where(b.file, b.line)} | {b.points} | {b.category} | {_cell(b.text)} "
                f"| {len(b.endpoints)}: {_endpoints(b.endpoints)} |"
            )
        lines.append("")
    if serious:
        lines += _finding_rows(serious)
    return lines


def _route_rows(routes: list[Route]) -> list[str]:
    lines = [
        "| Rule | Methods | Endpoint | View | Difficulty | Top reasons |",
        "|---|---|---|---|---|---|",
    ]
    for r in sorted(routes, key=lambda r: (r.rule, r.endpoint)):
        lines.append(
            f"| {_code(r.rule)} | {', '.join(r.methods)} | {_code(r.endpoint)} "
            f"| {_view(r)} | {_difficulty(r)} | {_reasons(r)} |"
        )
    return [*lines, ""]


def _inventory(inventory: Inventory) -> list[str]:
    lines: list[str] = []
    apps = [(a.name, f" ({_where(a.file, a.line)})") for a in inventory.apps]
    known = {name for name, _ in apps}
    apps += [(name, "") for name in sorted({r.app for r in inventory.routes} - known)]
    for name, where in apps:
        routes = [r for r in inventory.routes if r.app == name]
        lines += [f"## App `{name}`{where}", ""]
        by_blueprint: dict[str | None, list[Route]] = {}
        for r in routes:
            by_blueprint.setdefault(r.blueprint, []).append(r)
        for bp in sorted(by_blueprint, key=lambda b: (b is not None, b or "")):
            members = by_blueprint[bp]
            scores = [r.score for r in members if migratable(r)]
            numbers = f"{len(members)} route(s), total {sum(scores)}, max {max(scores, default=0)}"
            heading = f"Blueprint `{bp}`" if bp else "Routes on the app"
            lines += [f"### {heading}: {numbers}", "", *_route_rows(members)]
    return lines


def render(inventory: Inventory, color: bool = False) -> str:
    lines = [f"# Migration readiness: `{inventory.root}`", ""]
    lines += _summary(inventory)
    lines += _per_blueprint(inventory)
    lines += _order(inventory)
    lines += _blockers(inventory)
    lines += _inventory(inventory)
    if inventory.extensions:
        lines += [
            "## Extensions",
            "",
            "| Extension | FastAPI side | Imported in |",
            "|---|---|---|",
        ]
        for ext in inventory.extensions:
            files = ", ".join(f"`{f}`" for f in ext.files[:3]) + (
                " ..." if len(ext.files) > 3 else ""
            )
            lines.append(f"| {_cell(ext.name)} | {_cell(ext.fastapi)} | {files} |")
        lines.append("")
    if inventory.websockets:
        lines += [
            "## WebSocket handlers (no WSGI bridge carries them)",
            "",
            "| Where | Handler | Detail |",
            "|---|---|---|",
        ]
        for ws in inventory.websockets:
            lines.append(f"| {_where(ws.file, ws.line)} | `{ws.function}` | {_cell(ws.detail)} |")
        lines.append("")
    if inventory.findings:
        lines += ["## Findings", "", *_finding_rows(inventory.findings)]
    if inventory.errors:
        lines += ["## Files not scanned", "", "| Where | Reason |", "|---|---|"]
        for e in inventory.errors:
            lines.append(f"| {_where(e.file, e.line)} | {_cell(e.reason)} |")
        lines.append("")
    return "\n".join(lines)
