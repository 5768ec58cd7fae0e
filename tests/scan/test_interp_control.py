"""`break`, `continue`, `return` in loops, slices and sets, as the link runs them.

Each case builds the rules of a real Flask app from one of these constructs; the
oracle (`tests/oracle.py`) imports the app and reads its `url_map`, and the
static scan must list the same rules. A construct the link got wrong (a
`continue` ignored, a slice left unknown, a set that lost an item) shows up as
a rule too many or too few.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from oracle import format_diff, runtime_url_map, static_inventory

HEAD = """
from flask import Flask

app = Flask(__name__)

def view():
    return "x"

def add(rule):
    app.add_url_rule("/" + rule, rule.replace("/", "_") or "root", view)
"""

CASES = {
    "continue skips the rest": """
        for name in ["a", "skip", "b"]:
            if name == "skip":
                continue
            add(name)
    """,
    "break ends the loop": """
        for name in ["a", "b", "stop", "c"]:
            if name == "stop":
                break
            add(name)
    """,
    "break in a nested loop ends only it": """
        for outer in ["x", "y"]:
            for inner in ["1", "2", "3"]:
                if inner == "2":
                    break
                add(outer + inner)
    """,
    "return in a loop ends the function": """
        def first_long(names):
            for name in names:
                if name == "abc":
                    return name
                add(name)
            return "none"

        add(first_long(["ab", "abc", "xy"]))
    """,
    "slices of strings and lists": """
        name = "blueprint.py"
        parts = ["a", "b", "c", "d"]
        add(name[:-3])
        add(name[-2:])
        add("-".join(parts[1:3]))
        add("-".join(parts[::2]))
        add("-".join(parts[::-1]))
        if "c" in parts[:-1]:
            add("c-in-head")
    """,
    "sets keep each item once": """
        seen = set()
        for name in ["b", "a", "b", "c", "a"]:
            seen.add(name)
        seen.discard("c")
        seen.update(["d", "d"])
        for name in sorted(seen):
            add("set/" + name)
        if "a" in seen:
            add("has-a")
        if "c" not in seen:
            add("no-c")
        others = set(["x"])
        if others:
            add("nonempty")
        if not set():
            add("empty")
    """,
}


def _write(root: Path, body: str) -> None:
    package = root / "ctl"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text(textwrap.dedent(HEAD) + textwrap.dedent(body))


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_static_rules_are_the_runtime_ones(tmp_path: Path, case: str) -> None:
    _write(tmp_path, CASES[case])
    expected = set(runtime_url_map(tmp_path, "ctl:app"))
    actual = static_inventory(tmp_path, "ctl:app")
    assert len(expected) > 1
    assert actual == expected, format_diff(expected, actual, label=case)
