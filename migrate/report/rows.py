"""`console.print(table)` for tables of many rows, with the same output.

rich renders every cell through its generic layout (a `Padding`, then
`render_lines`, then `set_shape`) and measures every cell twice to size the
columns. On Indico + CKAN's 1,088 routes (7,616 cells, 2,196 of them
distinct) that took about 1.8 s of a 2.1 s warm `migrate scan` (a pre-commit
hook's wait). Here:

- the columns are sized by rich's own width rules, applied to a stand-in table
  that holds, for each column, only the cells with the widest minimum and the
  widest maximum width (rich's measure of a text: its longest word, its longest
  line): the same widths;
- the title, the header and its rules are rendered by rich, from a table with
  the same columns at those widths and no rows;
- each distinct body cell is rendered once by rich (`Padding` + `render_lines`,
  as `Table._render` does) and its lines are reused; the rows are joined with
  the box's own characters.

It handles the tables this package builds: text cells styled by name, one space
of padding on each side, cells aligned to the top, no table or row styles,
sections, footers or row lines, and columns that fit the console. Any other
table goes to rich whole (an adversarial review found four such tables the
first version got wrong: one wider than the console, a table style, a column
added after the rows, and two link styles that print the same). `tests/report/test_rows.py` compares
the output with rich's, in colour and without.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, RenderResult
from rich.padding import Padding
from rich.segment import Segment
from rich.table import Column, Table
from rich.text import Text

PADDING = (0, 1, 0, 1)


def print_table(console: Console, table: Table) -> None:
    if not _handled(table) or console.get_style(table.style or ""):
        console.print(table)
        return
    options = console.options
    extra = _extra_width(table)
    widths = _stand_in(table)._calculate_column_widths(
        console, options.update_width(options.max_width - extra)
    )
    if sum(widths) + extra > options.max_width or min(widths) <= PADDING[1] + PADDING[3]:
        console.print(table)  # rich crops such a table's lines, or squeezes its columns
        return
    console.print(_Rows(table, widths), crop=False)  # each line fits: none to crop


def _handled(table: Table) -> bool:
    columns = table.columns
    return (
        bool(columns)
        and table.box is not None
        and table.show_edge
        and table.show_header
        and not table.show_footer
        and not table.show_lines
        and not table.leading
        and not table.row_styles
        and not table.caption
        and table.padding == PADDING
        and table.pad_edge
        and not table.collapse_padding
        and table.width is None
        and table.min_width is None
        and all(row.style is None and not row.end_section for row in table.rows)
        and all(c.vertical == "top" and not c.style for c in columns)
        and all(len(c._cells) == table.row_count for c in columns)
        # a style given as text: rich parses equal texts into one style (one link id)
        and all(
            isinstance(cell, Text) and not cell.spans and isinstance(cell.style, str)
            for c in columns
            for cell in c._cells
        )
    )


def _text_range(text: Text) -> tuple[int, int]:
    """rich's measure of a text (`Text.__rich_measure__`): longest word, longest line."""
    plain = text.plain
    lines = plain.splitlines()
    widest = max((cell_len(line) for line in lines), default=0)
    words = plain.split()
    return max((cell_len(word) for word in words), default=widest), widest


class _Rows:
    def __init__(self, table: Table, widths: list[int]) -> None:
        self.table = table
        self.widths = widths

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        table, widths = self.table, self.widths
        extra = _extra_width(table)
        # title, top rule, header, head rule; its bottom rule is ours to draw
        lines = console.render_lines(_header(table, widths), options, pad=False)
        for line in lines[:-1]:
            yield from line
            yield Segment.line()
        render_options = options.update(
            width=sum(widths) + extra, highlight=table.highlight, height=None
        )
        assert table.box is not None  # `_handled`
        safe = console.safe_box if table.safe_box is None else table.safe_box
        box = table.box.substitute(options, safe=safe)
        border = console.get_style(table.border_style or "")  # the table's own style: none
        middle = (
            Segment(box.mid_left, border),
            Segment(box.mid_vertical, border),
            Segment(box.mid_right, border),
        )
        foot = (
            Segment(box.foot_left, border),
            Segment(box.foot_vertical, border),
            Segment(box.foot_right, border),
        )
        columns = table.columns
        styles = [console.get_style(c.style or "") for c in columns]
        cell_options = [
            render_options.update(
                width=width,
                justify=c.justify,
                no_wrap=c.no_wrap,
                overflow=c.overflow,
                height=None,
                highlight=c.highlight,
            )
            for width, c in zip(widths, columns, strict=True)
        ]
        memo: dict[tuple[Any, ...], list[list[Segment]]] = {}
        key: tuple[Any, ...]
        count = table.row_count
        newline = Segment.line()
        for index in range(count):
            cells: list[list[list[Segment]]] = []
            for i, column in enumerate(columns):
                text = column._cells[index]
                assert isinstance(text, Text)  # `_handled`
                key = (i, text.plain, text.style, text.justify, text.overflow, text.no_wrap)
                key = (*key, text.tab_size, text.end)
                rendered = memo.get(key)
                if rendered is None:
                    rendered = memo[key] = console.render_lines(
                        Padding(text, PADDING), cell_options[i], style=styles[i]
                    )
                cells.append(rendered)
            height = max(len(lines) for lines in cells)
            shaped = [
                Segment.align_top(lines, width, height, style)
                for lines, width, style in zip(cells, widths, styles, strict=True)
            ]
            left, divider, right = foot if index == count - 1 else middle
            for line_no in range(height):
                yield left
                for i, lines in enumerate(shaped):
                    if i:
                        yield divider
                    yield from lines[line_no]
                yield right
                yield newline
        yield Segment(box.get_bottom(widths), border)
        yield newline


def _extra_width(table: Table) -> int:
    """The width of the column rules and the edges (`Table._extra_width`)."""
    return len(table.columns) + 1 if table.box else 0


def _stand_in(table: Table) -> Table:
    """A table that sizes its columns as `table` does: for each column, the cells of
    the widest minimum and maximum width, at the same rows of every column."""
    keep: set[int] = set()
    for column in table.columns:
        ranges = [_text_range(cell) for cell in column._cells]  # type: ignore[arg-type]
        if ranges:
            keep.add(max(range(len(ranges)), key=lambda i: ranges[i][0]))
            keep.add(max(range(len(ranges)), key=lambda i: ranges[i][1]))
    out = _like(table, table.columns)
    for index in sorted(keep):
        out.add_row(*(column._cells[index] for column in table.columns))
    return out


def _header(table: Table, widths: list[int]) -> Table:
    """The table with no rows and its columns fixed at `widths` (padding included)."""
    pad = PADDING[1] + PADDING[3]
    fixed = [
        _column(column, width=width - pad, ratio=None, min_width=None, max_width=None)
        for column, width in zip(table.columns, widths, strict=True)
    ]
    return _like(table, fixed)


def _like(table: Table, columns: Iterable[Column]) -> Table:
    out = Table(
        title=table.title,
        title_style=table.title_style,
        title_justify=table.title_justify,
        box=table.box,
        safe_box=table.safe_box,
        expand=table.expand,
        show_header=True,
        header_style=table.header_style,
        border_style=table.border_style,
        highlight=table.highlight,
        padding=PADDING,
    )
    for column in columns:
        out.columns.append(_column(column))
    return out


def _column(column: Column, **changes: Any) -> Column:
    fields = {
        name: getattr(column, name)
        for name in (
            "header",
            "footer",
            "header_style",
            "footer_style",
            "style",
            "justify",
            "vertical",
            "overflow",
            "width",
            "min_width",
            "max_width",
            "ratio",
            "no_wrap",
            "highlight",
        )
    }
    fields.update(changes)
    out = Column(**fields)
    out._index = column._index
    return out
