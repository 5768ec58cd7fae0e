"""The same-link rule keeps a file's detector output without libcst when only
comment and blank lines between statements changed (`migrate/scan/layout.py`),
or module-level statements that assign a constant (`incremental._constants_map`).

The oracle is the detectors themselves: for every file of the oracle fixtures,
the sample app and this repository's scanner, comment and blank lines are put
between statements, and the output the short way moves must equal a fresh
libcst pass over the edited file. Edits the detectors can see (a comment inside
brackets, a docstring, a backslash continuation, a coding line) must not take
the short way.
"""

from __future__ import annotations

import ast
import random
from pathlib import Path

import pytest
from speed_trees import SAMPLE, fixture_dirs

from migrate.scan import detect_file
from migrate.scan.discover import SourceFile
from migrate.scan.incremental import detections_moved
from migrate.scan.ir import ModuleIR
from migrate.scan.layout import layout

REPO = Path(__file__).resolve().parents[2]
TREES = [SAMPLE, *fixture_dirs(), REPO / "migrate" / "scan"]


def files() -> list[Path]:
    return sorted(p for tree in TREES for p in tree.rglob("*.py"))


def detected(path: Path, data: bytes) -> ModuleIR:
    path.write_bytes(data)
    out = detect_file(SourceFile(path, path.name, path.stem, False))
    assert isinstance(out, ModuleIR)
    return out


def statement_starts(data: bytes) -> list[int]:
    shape = layout(data)
    assert shape is not None
    return [first for first, _ in shape[1]]


def insert(data: bytes, line: int, text: bytes) -> bytes:
    lines = data.splitlines(keepends=True)
    return b"".join([*lines[: line - 1], text, *lines[line - 1 :]])


@pytest.mark.parametrize("source", files(), ids=lambda p: str(p.relative_to(REPO)))
def test_moved_output_is_the_detectors_own(tmp_path: Path, source: Path) -> None:
    data = source.read_bytes()
    work = tmp_path / "m.py"
    before = detected(work, data)
    rng = random.Random(source.name)
    starts = statement_starts(data)
    picks = sorted(set(rng.sample(starts, min(2, len(starts))) + [starts[0]]))
    for line in picks:
        for text in (b"# a note\n", b"\n\n", b"    # indented note\n"):
            edited = insert(data, line, text)
            moved = detections_moved(before, edited)
            assert moved is not None, (line, text)
            assert moved == detected(work, edited), (line, text)


REFUSED = {
    "comment inside brackets": (b"x = f(1,\n      2)\n", b"x = f(1,  # two\n      2)\n"),
    "docstring": (b'def f():\n    """a"""\n', b'def f():\n    """b"""\n'),
    "backslash": (b"x = 1 + 2\n", b"x = 1 + \\\n    2\n"),
    "joined lines": (b"x = f(1,\n      2)\n", b"x = f(1, 2)\n"),
    "coding line": (b"x = 1\n", b"# -*- coding: latin-1 -*-\nx = 1\n"),
    "a token": (b"x = f(1)\n", b"x = f(2)\n"),
}


REFUSED |= {  # constant statements: what the detectors could see of them
    "a list": (b"def f():\n    return 1\n", b"X = [1]\ndef f():\n    return 1\n"),
    "inside a function": (b"def f():\n    return 1\n", b"def f():\n    X = 1\n    return 1\n"),
    "on a line with another": (b"y = f()\n", b"X = 1; y = f()\n"),
    "before a try": (
        b"try:\n    f()\nexcept E:\n    pass\n",
        b"X = 1\ntry:\n    f()\nexcept E:\n    pass\n",
    ),
    "before a while": (b"while f():\n    pass\n", b"X = 1\nwhile f():\n    pass\n"),
    "an attribute target": (b"y = f()\n", b"y = f()\nq.x = 1\n"),
    "a changed call": (b"y = f()\n", b"y = g()\n"),
    "a carriage return": (b"y = f()\n", b"y = f()\r\nX = 1\r\n"),
}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_what_the_detectors_see_is_refused(tmp_path: Path, case: str) -> None:
    old, new = REFUSED[case]
    before = detected(tmp_path / "m.py", old)
    assert detections_moved(before, new) is None


def top_level_starts(data: bytes) -> list[int]:
    """The first line of each module-level statement (its decorators included)."""
    tree = ast.parse(data)
    return [
        min([s.lineno] + [d.lineno for d in getattr(s, "decorator_list", [])]) for s in tree.body
    ]


@pytest.mark.parametrize("source", files(), ids=lambda p: str(p.relative_to(REPO)))
def test_moved_output_after_constant_statements_is_the_detectors_own(
    tmp_path: Path, source: Path
) -> None:
    """A module-level `NAME = constant` added before a statement or at the end, or
    one removed: the moved output equals a fresh libcst pass, whenever the short
    way takes it (and it must take it for an appended one)."""
    data = source.read_bytes()
    work = tmp_path / "m.py"
    before = detected(work, data)
    rng = random.Random(source.name)
    starts = top_level_starts(data)
    picks = sorted(set(rng.sample(starts, min(3, len(starts)))))
    edits = [data + b"\n_TOUCHED = 'x'\n", data.rstrip(b"\n") + b"\nA1 = B2 = 0\n"]
    edits += [insert(data, line, b"_TOUCHED = 1\n") for line in picks]
    for edited in edits:
        moved = detections_moved(before, edited)
        if edited.startswith(data):
            assert moved is not None
        if moved is not None:
            assert moved == detected(work, edited)
            # and back: the statement removed
            assert detections_moved(moved, data) == before
