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


# What every reviewed app starts with; each case adds the rest.
PROLOGUE = 'from flask import Flask\n\napp = Flask(__name__)\n\n\ndef view():\n    return "x"\n'

# Found by review of the first version: each lost a rule without a finding, or
# crashed. `True`: the scan must list Flask's rules exactly; `False`: every rule
# Flask has is listed, or a finding says what the scan could not follow.
REVIEWED = {
    "a copy of a set updated from runtime values": (
        False,
        """
import json

names = set()
names.update(json.loads('["a", "b"]'))
for name in set(names):
    app.add_url_rule("/" + name, name, view)
""",
    ),
    "a guess in an undecided branch does not decide a continue": (
        True,
        """
import sys


SKIP = []
if "--no-admin" in sys.argv:
    SKIP.append("admin")

for name in ["admin", "users"]:
    if name in SKIP:
        continue
    app.add_url_rule("/" + name, name, view)
""",
    ),
    "a flag set in an undecided branch does not decide a break": (
        True,
        """
import sys


minimal = False
if "--minimal" in sys.argv:
    minimal = True

for name in ["home", "admin", "users"]:
    app.add_url_rule("/" + name, name, view)
    if minimal:
        break
""",
    ),
    "continue in an except handler cuts off neither else nor finally": (
        True,
        """


for name in ["a", "b"]:
    try:
        rule = "/" + name
    except Exception:
        continue
    else:
        app.add_url_rule(rule, name, view)
    finally:
        app.add_url_rule(rule + "/f", name + "_f", view)
""",
    ),
    "continue in a match case": (
        False,
        """


for name in ["skip", "a", "b"]:
    match name:
        case "skip":
            continue
        case _:
            app.add_url_rule("/" + name, name, view)
""",
    ),
    "continue and break in a while body": (
        True,
        """


for name in ["a", "b"]:
    tries = ""
    while True:
        tries += "x"
        if tries == "x":
            continue
        app.add_url_rule("/" + name, name, view)
        break
""",
    ),
    "a set updated from runtime values": (
        False,
        """
import json


names = set()
names.update(json.loads('["a", "b"]'))
for name in names:
    app.add_url_rule("/" + name, name, view)
if not names:
    app.add_url_rule("/empty", "empty", view)
app.add_url_rule("/", "index", view)
""",
    ),
    "set.remove": (
        False,
        """


names = set(["a", "b", "admin"])
names.remove("admin")
for name in sorted(names):
    app.add_url_rule("/" + name, name, view)
""",
    ),
    "membership in a set of runtime values": (
        True,
        """
import json


enabled = set()
for feature in json.loads('["admin"]'):
    enabled.add(feature)
if "admin" in enabled:
    app.add_url_rule("/admin", "admin", view)
app.add_url_rule("/", "index", view)
""",
    ),
    "a set changed between two calls of one function": (
        True,
        """


def register_all(names):
    for name in sorted(names):
        app.add_url_rule("/" + name, name, view)


names = set()
names.add("a")
register_all(names)
names.add("b")
register_all(names)
""",
    ),
    "a slice as a converter key": (
        True,
        """


try:
    app.url_map.converters[1:2] = None  # CPython: TypeError
except TypeError:
    pass
app.add_url_rule("/", "index", view)
""",
    ),
    "sorted with reverse": (
        True,
        """


names = set(["a", "b", "c"])
for name in sorted(names, reverse=True):
    app.add_url_rule("/" + name, name, view)
    break
""",
    ),
    "not in a list with a runtime value": (
        True,
        """
import json


ENABLED = ["users", json.loads('"admin"')]
for name in ["users", "admin"]:
    if name not in ENABLED:
        continue
    app.add_url_rule("/" + name, name, view)
""",
    ),
    "in a dict with a runtime key": (
        True,
        """
import json


MODULES = {"users": True, json.loads('"admin"'): True}
if "admin" in MODULES:
    app.add_url_rule("/admin", "admin", view)
app.add_url_rule("/", "index", view)
""",
    ),
}


@pytest.mark.parametrize("case", sorted(REVIEWED))
def test_reviewed_apps(tmp_path: Path, case: str) -> None:
    from migrate.scan import scan_paths

    exact, source = REVIEWED[case]
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "__init__.py").write_text(PROLOGUE + source)
    expected = set(runtime_url_map(tmp_path, "app:app"))
    actual = static_inventory(tmp_path, "app:app")
    if exact:
        assert actual == expected, format_diff(expected, actual, label=case)
    else:
        codes = {f.code for f in scan_paths([tmp_path]).findings}
        assert expected <= actual or codes & {"dynamic-rule", "unresolved-blueprint"}, format_diff(
            expected, actual, label=case
        )
