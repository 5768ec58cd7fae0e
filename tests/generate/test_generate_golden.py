"""Golden files: the package generated for sample_flask_app, byte for byte.

Refresh after an intended change with:

    WSGI2ASGI_REFRESH_GOLDENS=1 .venv/bin/pytest tests/generate/test_generate_golden.py
"""

from __future__ import annotations

import ast
import difflib
import os
from pathlib import Path

import pytest
from gen_helpers import scan

from migrate.generate import generate

REPO = Path(__file__).resolve().parents[2]
GOLDEN = REPO / "tests" / "fixtures" / "golden" / "generate" / "sample_flask_app"
REFRESH = "WSGI2ASGI_REFRESH_GOLDENS=1 .venv/bin/pytest tests/generate/test_generate_golden.py"


@pytest.fixture(scope="module")
def files() -> dict[str, str]:
    return generate(scan(REPO / "sample_flask_app"))


def test_generated_package_matches_the_goldens(files: dict[str, str]) -> None:
    if os.environ.get("WSGI2ASGI_REFRESH_GOLDENS"):
        GOLDEN.mkdir(parents=True, exist_ok=True)
        for old in GOLDEN.glob("*.py"):
            old.unlink()
        for rel, text in files.items():
            (GOLDEN / rel).write_text(text, encoding="utf-8")
    goldens = {p.name: p.read_text(encoding="utf-8") for p in sorted(GOLDEN.glob("*.py"))}
    problems = []
    for rel in sorted(set(files) | set(goldens)):
        want, got = goldens.get(rel, ""), files.get(rel, "")
        if want != got:
            problems.append(
                "".join(
                    difflib.unified_diff(
                        want.splitlines(keepends=True),
                        got.splitlines(keepends=True),
                        f"golden/{rel}",
                        f"generated/{rel}",
                    )
                )
            )
    assert not problems, "\n".join(problems) + f"\nIf the change is intended, refresh: {REFRESH}"


def test_every_golden_file_parses() -> None:
    goldens = sorted(GOLDEN.glob("*.py"))
    assert goldens
    for path in goldens:
        ast.parse(path.read_text(encoding="utf-8"), str(path))
