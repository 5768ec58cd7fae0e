"""`migrate scan --route ENDPOINT`: everything known about one route, as text.

Rule, methods, view, params, every fact grouped by kind with file:line and the
call chain it was reached through, the hooks that run around the route with
their facts, the decorators with theirs, and the score with every reason.
A query starting with "/" matches a rule instead of an endpoint; an endpoint
registered in two apps shows both routes.
"""

from __future__ import annotations

from collections.abc import Iterable

from migrate.model import Fact, Inventory, Route
from migrate.report.levels import level
from migrate.report.rollup import migratable, reason_category, sorted_reasons, suggest

KIND_ORDER = ("request", "response", "context", "blocking", "websocket")


def find(inventory: Inventory, query: str) -> list[Route]:
    if query.startswith("/"):
        return [r for r in inventory.routes if r.rule == query]
    return [r for r in inventory.routes if r.endpoint == query]


def close_matches(inventory: Inventory, query: str, count: int = 5) -> list[str]:
    """Endpoints (or rules, for a query starting with "/") a typo may have meant;
    an endpoint whose last part is the query comes first (`book` -> `api.v1.book`)."""
    if query.startswith("/"):
        return suggest(query, (r.rule for r in inventory.routes), count)
    return suggest(query, (r.endpoint for r in inventory.routes), count)


def _fact_lines(facts: Iterable[Fact], indent: str) -> list[str]:
    grouped: dict[str, list[Fact]] = {}
    for fact in facts:
        grouped.setdefault(fact.kind, []).append(fact)
    kinds = [k for k in KIND_ORDER if k in grouped] + sorted(set(grouped) - set(KIND_ORDER))
    lines: list[str] = []
    for kind in kinds:
        lines.append(f"{indent}{kind} ({len(grouped[kind])})")
        for fact in sorted(grouped[kind], key=lambda f: (f.file, f.line, f.name)):
            detail = f"  {fact.detail}" if fact.detail else ""
            lines.append(f"{indent}  {fact.file}:{fact.line}  {fact.name}{detail}")
            if fact.via:
                lines.append(f"{indent}    via {' -> '.join(fact.via)}")
    return lines


def _header(route: Route) -> list[str]:
    rows: list[tuple[str, str]] = [
        ("app", route.app),
        ("blueprint", route.blueprint or "(none: registered on the app)"),
        ("methods", ", ".join(route.methods)),
        ("kind", route.kind),
    ]
    if route.view is not None:
        module = f", module {route.view.module}" if route.view.module else ""
        rows.append(
            ("view", f"{route.view.qualname} ({route.view.file}:{route.view.line}{module})")
        )
    if route.source is not None:
        rows.append(("registered", f"{route.source.file}:{route.source.line}"))
    for p in route.params:
        args = f"({p.args})" if p.args else ""
        rows.append(("param", f"{p.name}: {p.converter}{args}"))
    if route.defaults:
        rows.append(("defaults", ", ".join(f"{k}={v!r}" for k, v in route.defaults)))
    if route.strict_slashes is not None:
        rows.append(("strict_slashes", str(route.strict_slashes)))
    if route.subdomain is not None:
        rows.append(("subdomain", route.subdomain))
    if migratable(route):
        rows.append(("difficulty", f"{route.score} {level(route.score)}"))
    width = max(len(key) for key, _ in rows)
    return [f"{route.endpoint}  {route.rule}", *(f"  {k.ljust(width)}  {v}" for k, v in rows)]


def render_route(route: Route) -> str:
    lines = _header(route)
    lines += ["", f"Facts ({len(route.facts)})"]
    lines += _fact_lines(route.facts, "  ") if route.facts else ["  none"]
    lines += ["", f"Hooks ({len(route.hooks)})"]
    for hook in route.hooks:
        lines.append(f"  {hook.kind} of {hook.scope}: {hook.function} ({hook.file}:{hook.line})")
        lines += _fact_lines(hook.facts, "    ")
    if not route.hooks:
        lines.append("  none")
    lines += ["", f"Decorators ({len(route.decorators)})"]
    for decorator in route.decorators:
        where = f" ({decorator.file}:{decorator.line})" if decorator.file else ""
        lines.append(f"  @{decorator.name}{where}")
        lines += _fact_lines(decorator.facts, "    ")
    if not route.decorators:
        lines.append("  none")
    if migratable(route):
        lines += ["", f"Score {route.score} ({level(route.score)})"]
        for reason in sorted_reasons(route):
            where = f"  {reason.file}:{reason.line}" if reason.file else ""
            category = reason_category(route, reason)
            lines.append(f"  +{reason.points:<3} {reason.text}  [{category}]{where}")
        if not route.reasons:
            lines.append("  no reasons: nothing found that makes the move harder")
    else:
        lines += ["", "Static rule: served by the framework, not migrated."]
    return "\n".join(lines) + "\n"


def render(routes: list[Route]) -> str:
    return "\n".join(render_route(r) for r in routes)
