"""The same-link rule keeps a file's detector output without libcst when only
comment and blank lines between statements changed (`migrate/scan/layout.py`).

The oracle is the detectors themselves: for every file of the oracle fixtures,
the sample app and this repository's scanner, comment and blank lines are put
between statements, and the output the short way moves must equal a fresh
libcst pass over the edited file. Edits the detectors can see (a comment inside
brackets, a docstring, a backslash continuation, a coding line) must not take
the short way.
"""

from __future__ import annotations

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
    "a token": (b"x = 1\n", b"x = 2\n"),
}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_what_the_detectors_see_is_refused(tmp_path: Path, case: str) -> None:
    old, new = REFUSED[case]
    before = detected(tmp_path / "m.py", old)
    assert detections_moved(before, new) is None
