"""`--format markdown`: the inventory as a review document (GitHub-flavoured)."""

from __future__ import annotations

from migrate.model import Inventory


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def render(inventory: Inventory, color: bool = False) -> str:
    lines = [
        f"# Route inventory: `{inventory.root}`",
        "",
        f"{inventory.files_scanned} files scanned: {len(inventory.apps)} app(s), "
        f"{len(inventory.blueprints)} blueprint(s), {len(inventory.routes)} route(s), "
        f"{len(inventory.findings)} finding(s), {len(inventory.errors)} file error(s).",
        "",
    ]
    for app in inventory.apps:
        routes = sorted((r for r in inventory.routes if r.app == app.name), key=lambda r: r.rule)
        lines += [f"## App `{app.name}` ({app.file}:{app.line})", ""]
        lines += ["| Rule | Methods | Endpoint | Blueprint | View |", "|---|---|---|---|---|"]
        for r in routes:
            view = f"`{r.view.qualname}` ({r.view.file}:{r.view.line})" if r.view else r.kind
            lines.append(
                f"| `{_cell(r.rule)}` | {', '.join(r.methods)} | `{_cell(r.endpoint)}` "
                f"| {_cell(r.blueprint or '')} | {view} |"
            )
        lines.append("")
    if inventory.findings:
        lines += ["## Findings", "", "| Where | Severity | Code | Message |", "|---|---|---|---|"]
        for f in inventory.findings:
            lines.append(f"| {f.file}:{f.line} | {f.severity} | {f.code} | {_cell(f.message)} |")
        lines.append("")
    if inventory.errors:
        lines += ["## Files not scanned", "", "| Where | Reason |", "|---|---|"]
        for e in inventory.errors:
            lines.append(f"| {e.file}:{e.line} | {_cell(e.reason)} |")
        lines.append("")
    return "\n".join(lines)
