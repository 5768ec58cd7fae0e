"""The rich table (difficulty and top reasons, 160 columns) and the markdown
review report."""

from __future__ import annotations

import re

from report_factory import APP, route, sample_inventory

from migrate.model import Reason
from migrate.report import markdown, table


def test_table_shows_difficulty_and_only_the_top_two_reasons() -> None:
    text = table.render(sample_inventory())
    assert "Difficulty" in text
    assert "Top reasons" in text
    for cell in ("1 trivial", "5 easy", "9 medium", "14 hard"):
        assert cell in text
    assert "+5 WebSocket handler" in text
    assert "+3 uses request-global g: g.conn" in text
    assert "third reason, never in the table" not in text


def test_table_fits_160_columns() -> None:
    long_reason = Reason(3, "before_request hook of auth: " + "very.long.module.path." * 8 + "fn")
    routes = [
        route(
            "/api/v1/books/lang/<string(length=2):lang>/" + "x" * 60,
            "a" * 50,
            score=3,
            reasons=(long_reason, long_reason),
        )
    ]
    text = table.render(sample_inventory(routes))
    widths = [len(line) for line in text.splitlines()]
    assert max(widths) <= 160
    assert "very.long" in text


def test_table_shows_an_app_column_only_with_several_apps() -> None:
    two = table.render(sample_inventory())
    one = table.render(sample_inventory([route("/x", "x")]))
    assert re.search(r"┃ App\s+┃", two)
    assert not re.search(r"┃ App\s+┃", one)
    assert f"app {APP}" in one


def test_table_prints_brackets_literally() -> None:
    routes = [route("/x", "x", score=3, reasons=(Reason(3, "reads [bold]g[/bold] data"),))]
    text = table.render(sample_inventory(routes))
    assert "[bold]g[/bold]" in text
    assert "[static]" in table.render(sample_inventory())


def test_markdown_has_summary_rollups_order_blockers_and_inventory() -> None:
    text = markdown.render(sample_inventory())
    headings = [line for line in text.splitlines() if line.startswith("#")]
    assert headings[:4] == [
        "# Migration readiness: `proj`",
        "## Per blueprint",
        "## Migration order",
        "## Blockers",
    ]
    assert "## App `shop:create_app()` (`__init__.py:22`)" in headings
    assert "### Blueprint `api.v1`: 2 route(s), total 6, max 5" in headings
    assert "**5 route(s) to migrate**" in text
    assert "| hard | 13+ | 1 |" in text
    assert "| `shop:create_app()` | `api.v1` | 2 | 6 | 5 | 3.0 | 1 | 1 | 0 | 0 |" in text


def test_markdown_order_is_numbered_least_coupled_first() -> None:
    text = markdown.render(sample_inventory())
    rows = re.findall(r"^\| (\d+) \| `([^`]+)` \|", text, flags=re.M)
    assert [endpoint for _, endpoint in rows] == [
        "api.v1.items",  # read-only JSON: ahead of `ping` at the same level
        "ping",
        "api.v1.create_item",
        "shop.cart",
        "ws",
    ]
    assert [int(n) for n, _ in rows] == [1, 2, 3, 4, 5]


def test_markdown_blockers_name_file_and_line() -> None:
    text = markdown.render(sample_inventory())
    blockers = text.split("## Blockers", 1)[1].split("\n## ", 1)[0]
    assert "| `ws.py:6` | 5 | websocket | WebSocket handler" in blockers
    assert (
        "| `decorators.py:8` | 3 | decorator | auth decorator login_required | 1: `shop.cart` |"
        in blockers
    )
    assert "`app.py:29` | warning | `dynamic-rule`" in blockers
    assert "`broken.py:0` | error | `internal-error`" in blockers
    assert "route-in-loop" not in blockers  # info findings are no blockers
    assert "blocking call" not in blockers  # 2 points: below the blocker line


def test_markdown_escapes_html_and_pipes_outside_code() -> None:
    reason = Reason(3, "hook: app.create_app.<locals>.add_id | x", "app.py", 3)
    text = markdown.render(sample_inventory([route("/a|b", "a", score=3, reasons=(reason,))]))
    assert "create_app.&lt;locals&gt;.add_id \\| x" in text
    assert "`/a\\|b`" in text
    assert "<locals>" not in text


def test_markdown_keeps_findings_and_file_errors() -> None:
    text = markdown.render(sample_inventory())
    assert "## Findings" in text
    assert "| `app.py:40` | info | `route-in-loop` | loop over literal values unrolled |" in text
    assert "## Files not scanned" in text
    assert "| `legacy/py2.py:0` | syntax error: Missing parentheses |" in text
