"""Golden readiness reports for sample_flask_app (Markdown and JSON).

Refresh after an intended change with:

    WSGI2ASGI_REFRESH_GOLDENS=1 .venv/bin/pytest tests/readiness/test_report_golden.py
"""

from __future__ import annotations

import difflib
import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from migrate import __version__
from migrate.cli import cli

REPO = Path(__file__).resolve().parents[2]
GOLDEN = REPO / "tests" / "fixtures" / "golden" / "reports"
REFRESH = "WSGI2ASGI_REFRESH_GOLDENS=1 .venv/bin/pytest tests/readiness/test_report_golden.py"


def render(fmt: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.chdir(REPO)
    result = CliRunner().invoke(cli, ["scan", "sample_flask_app", "--format", fmt])
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.mark.parametrize(
    ("fmt", "name"), [("markdown", "sample_flask_app.md"), ("json", "sample_flask_app.json")]
)
def test_report_matches_golden(fmt: str, name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    text = render(fmt, monkeypatch).replace(__version__, "<version>")
    golden = GOLDEN / name
    if os.environ.get("WSGI2ASGI_REFRESH_GOLDENS"):
        GOLDEN.mkdir(parents=True, exist_ok=True)
        golden.write_text(text, encoding="utf-8")
    want = golden.read_text(encoding="utf-8")
    diff = "".join(
        difflib.unified_diff(
            want.splitlines(keepends=True),
            text.splitlines(keepends=True),
            f"golden/{name}",
            f"now/{name}",
        )
    )
    assert not diff, diff + f"\nIf the change is intended, refresh: {REFRESH}"


def test_json_golden_is_valid_json_with_every_route() -> None:
    data = json.loads((GOLDEN / "sample_flask_app.json").read_text(encoding="utf-8"))
    assert data["schema_version"] == 3
    assert len(data["routes"]) == 32
    assert all("score" in r and "reasons" in r for r in data["routes"])
