"""The table renderer's fast rows (`migrate/report/rows.py`) against rich itself:
the same inventory rendered through `console.print(table)` is the oracle, in
colour and without, for hand-built and randomly built inventories (long words,
wide characters, line breaks, brackets, empty cells, several apps)."""

from __future__ import annotations

import io
import random
from typing import Any

import pytest
from report_factory import APP, OTHER_APP, route, sample_inventory
from rich.console import Console
from rich.style import Style
from rich.table import Table
from rich.text import Text

from migrate.model import Finding, Inventory, Reason
from migrate.report import rows, table

WORDS = [
    "a",
    "api",
    "v1",
    "<int:item_id>",
    "very.long.module.path.that.has.to.fold.somewhere.in.the.middle.of_it",
    "日本語のルート",
    "[bold]g[/bold]",
    "x" * 70,
    "",
    "with\nline break",
    "tab\there",
    "ünïcödé",
    "emoji 🚀 here",
]


def with_rich(inventory: Inventory, color: bool, monkeypatch: pytest.MonkeyPatch) -> str:
    """The report as rich alone renders it: the oracle."""
    with monkeypatch.context() as patch:
        patch.setattr(table, "print_table", lambda console, t: console.print(t))
        return table.render(inventory, color=color)


def random_inventory(seed: int) -> Inventory:
    rng = random.Random(seed)

    def text(n: int) -> str:
        return " ".join(rng.choice(WORDS) for _ in range(rng.randint(0, n)))

    routes = [
        route(
            "/" + text(4).replace(" ", "/"),
            text(3).replace(" ", ".") or "e",
            methods=tuple(rng.sample(["GET", "POST", "PUT", "DELETE", "PATCH"], rng.randint(1, 4))),
            app=rng.choice([APP, OTHER_APP, text(2) or "app"]),
            score=rng.randint(0, 20),
            reasons=tuple(Reason(rng.randint(1, 5), text(8)) for _ in range(rng.randint(0, 3))),
            kind=rng.choice(["view", "view", "static"]),
            file=text(2).replace(" ", "/") or "f.py",
            line=rng.randint(1, 5000),
        )
        for _ in range(rng.randint(1, 40))
    ]
    findings = tuple(
        Finding(text(1) or "code", text(12), text(1) or "f.py", rng.randint(0, 99), "warning")
        for _ in range(rng.randint(0, 5))
    )
    return sample_inventory(routes, findings=findings)


def test_the_routes_table_takes_the_fast_rows() -> None:
    # else every comparison below would compare rich with itself
    assert rows._handled(table._routes_table(sample_inventory()))
    assert rows._handled(table._routes_table(random_inventory(1)))


@pytest.mark.parametrize("color", [False, True])
def test_hand_built_inventories_render_as_rich_renders_them(
    color: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    long_reason = Reason(3, "before_request hook of auth: " + "very.long.module.path." * 8 + "fn")
    inventories = [
        sample_inventory(),
        sample_inventory([route("/x", "x")]),
        sample_inventory([route("/" + "x" * 200, "a" * 50, score=3, reasons=(long_reason,) * 2)]),
    ]
    for inventory in inventories:
        assert table.render(inventory, color=color) == with_rich(inventory, color, monkeypatch)


@pytest.mark.parametrize("seed", range(40))
def test_random_inventories_render_as_rich_renders_them(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    inventory = random_inventory(seed)
    for color in (False, True):
        assert table.render(inventory, color=color) == with_rich(inventory, color, monkeypatch)


def test_a_table_it_does_not_handle_goes_to_rich_whole() -> None:
    other = Table(title="t", row_styles=["dim", ""])
    other.add_column("a")
    other.add_row(Text("x"))
    other.add_row(Text("y"))
    assert not rows._handled(other)
    fast, plain = (Console(file=io.StringIO(), width=60, force_terminal=True) for _ in range(2))
    rows.print_table(fast, other)
    plain.print(other)
    assert fast.file.getvalue() == plain.file.getvalue()  # type: ignore[attr-defined]


def both(table: Table, **console: Any) -> tuple[str, str]:
    """The table through `print_table` and through rich."""
    fast, plain = (Console(file=io.StringIO(), **console) for _ in range(2))
    rows.print_table(fast, table)
    plain.print(table)
    return fast.file.getvalue(), plain.file.getvalue()  # type: ignore[attr-defined]


def review_tables() -> dict[str, tuple[Table, dict[str, Any]]]:
    """Tables the first version printed otherwise than rich (an adversarial review)."""
    wide = Table(title="t")
    for header in "abcdefg":
        wide.add_column(header)
    wide.add_row(*(Text("xyz") for _ in range(7)))
    styled = Table(title="t", style="red")
    styled.add_column("a")
    styled.add_row(Text("x"))
    late = Table()
    late.add_column("a")
    late.add_row(Text("x"))
    late.add_column("b")
    links = Table()
    links.add_column("a")
    links.add_row(Text("x", style=Style(link="https://x")))
    links.add_row(Text("x", style=Style(link="https://x")))
    tabs = Table()
    tabs.add_column("a")
    tabs.add_row(Text("a\tb", tab_size=8))
    tabs.add_row(Text("a\tb", tab_size=2))
    colour = {"force_terminal": True, "color_system": "truecolor", "width": 40}
    return {
        "wider than the console": (wide, {"width": 10}),
        "a table style": (styled, colour),
        "a column added after the rows": (late, {"width": 40}),
        "two link styles": (links, colour),
        "two tab sizes": (tabs, {"width": 40}),
    }


@pytest.mark.parametrize("case", sorted(review_tables()))
def test_tables_of_the_review_print_as_rich_prints_them(case: str) -> None:
    table, console = review_tables()[case]
    if case == "two link styles":  # rich gives each print its own link ids: no oracle
        assert not rows._handled(table)
        return
    fast, plain = both(table, **console)
    assert fast == plain
