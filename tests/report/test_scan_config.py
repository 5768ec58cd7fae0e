"""`[tool.migrate]` in the scanned project's pyproject.toml: where it is found,
what it may say, and that command-line flags win."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from migrate import config
from migrate.cli import main

APP = """\
from flask import Flask, session

app = Flask(__name__)


@app.route("/read")
def read():
    return {"ok": True}


@app.route("/write", methods=["POST"])
def write():
    session["seen"] = True
    return "ok"
"""


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository: .git at the top, the Flask app in src/, another in tools/."""
    (tmp_path / ".git").mkdir()
    write(tmp_path / "src" / "app.py", APP)
    write(tmp_path / "src" / "tools" / "admin.py", APP.replace("/read", "/admin-read"))
    write(tmp_path / "src" / "tests" / "test_app.py", APP.replace("/read", "/test-read"))
    write(tmp_path / "src" / "broken.py", "def broken(:\n")
    return tmp_path


def settings(repo: Path, body: str) -> None:
    write(repo / "pyproject.toml", f"[project]\nname = 'x'\n\n[tool.migrate]\n{body}\n")


def scan_json(capsys, *args: str) -> tuple[int, dict | None, str]:
    status = main(["scan", *args])
    captured = capsys.readouterr()
    try:
        doc = json.loads(captured.out)
    except ValueError:
        doc = None
    return status, doc, captured.err


def rules(doc: dict) -> set[str]:
    return {r["rule"] for r in doc["routes"]}


def test_pyproject_is_found_at_or_above_the_root(repo: Path) -> None:
    settings(repo, 'format = "json"')
    assert config.find_pyproject(repo / "src" / "tools") == repo / "pyproject.toml"
    nearer = write(repo / "src" / "pyproject.toml", "[tool.migrate]\n")
    assert config.find_pyproject(repo / "src" / "tools") == nearer
    assert config.find_pyproject(repo / "src" / "app.py") == nearer


def test_search_stops_at_the_git_folder(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[tool.migrate]\nformat = "json"\n')
    (tmp_path / "inner" / ".git").mkdir(parents=True)
    (tmp_path / "inner" / "pkg").mkdir()
    assert config.find_pyproject(tmp_path / "inner" / "pkg") is None
    assert config.load(tmp_path / "inner" / "pkg") == config.Config()


def test_every_key_is_read(repo: Path) -> None:
    settings(
        repo,
        'exclude = ["tools"]\ninclude-tests = true\nformat = "sarif"\nfail-on = "medium"\n'
        "strict = true",
    )
    assert config.load(repo / "src") == config.Config(
        path=repo / "pyproject.toml",
        exclude=("tools",),
        include_tests=True,
        format="sarif",
        fail_on="medium",
        strict=True,
    )


def test_a_pyproject_without_the_table_sets_nothing(repo: Path) -> None:
    write(repo / "pyproject.toml", "[project]\nname = 'x'\n")
    assert config.load(repo) == config.Config(path=repo / "pyproject.toml")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('format = "xml"', "format = 'xml': expected one of json, markdown, sarif, table"),
        (
            'fail-on = "terrible"',
            "fail-on = 'terrible': expected one of trivial, easy, medium, hard",
        ),
        ('exclude = "tools"', "exclude = 'tools': expected a list of strings"),
        ("exclude = [1]", "exclude = [1]: expected a list of strings"),
        ('strict = "yes"', "strict = 'yes': expected true or false"),
        ("include-tests = 1", "include-tests = 1: expected true or false"),
        ('fail_on = "hard"', "unknown key 'fail_on'"),
    ],
)
def test_a_bad_value_is_one_line_on_stderr_and_exit_2(
    repo: Path, capsys, body: str, message: str
) -> None:
    settings(repo, body)
    with pytest.raises(config.ConfigError, match="tool.migrate"):
        config.load(repo / "src")
    status = main(["scan", str(repo / "src")])
    err = capsys.readouterr().err
    assert status == 2
    assert len(err.splitlines()) == 1
    assert err.startswith("migrate: error: ") and "pyproject.toml: [tool.migrate]" in err
    assert message in err


def test_invalid_toml_is_a_usage_error(repo: Path, capsys) -> None:
    write(repo / "pyproject.toml", "[tool.migrate\n")
    status = main(["scan", str(repo / "src")])
    err = capsys.readouterr().err
    assert status == 2
    assert "invalid TOML" in err and len(err.splitlines()) == 1


def test_configured_format_applies_and_the_flag_wins(repo: Path, capsys) -> None:
    settings(repo, 'format = "json"')
    status, doc, _ = scan_json(capsys, str(repo / "src"))
    assert status == 0 and doc is not None and doc["schema_version"]
    status, doc, _ = scan_json(capsys, str(repo / "src"), "--format", "markdown")
    assert status == 0 and doc is None


def test_configured_exclude_applies_and_the_flag_replaces_it(repo: Path, capsys) -> None:
    settings(repo, 'format = "json"\nexclude = ["tools"]')
    _, doc, _ = scan_json(capsys, str(repo / "src"))
    assert "/admin-read" not in rules(doc) and "/read" in rules(doc)
    _, doc, _ = scan_json(capsys, str(repo / "src"), "--exclude", "app.py")
    assert "/admin-read" in rules(doc) and "/read" not in rules(doc)


def test_configured_include_tests_and_the_no_flag(repo: Path, capsys) -> None:
    settings(repo, 'format = "json"\ninclude-tests = true')
    _, doc, _ = scan_json(capsys, str(repo / "src"))
    assert "/test-read" in rules(doc)
    _, doc, _ = scan_json(capsys, str(repo / "src"), "--no-include-tests")
    assert "/test-read" not in rules(doc)


def test_configured_strict_and_the_no_flag(repo: Path, capsys) -> None:
    settings(repo, 'format = "json"\nstrict = true')
    assert scan_json(capsys, str(repo / "src"))[0] == 1  # broken.py does not parse
    assert scan_json(capsys, str(repo / "src"), "--no-strict")[0] == 0


def test_configured_fail_on_and_the_flags_that_replace_it(repo: Path, capsys) -> None:
    settings(repo, 'format = "json"\nfail-on = "trivial"')
    status, _, err = scan_json(capsys, str(repo / "src"))
    assert status == 1 and "at or above level trivial" in err
    assert scan_json(capsys, str(repo / "src"), "--fail-on", "hard")[0] == 0
    assert scan_json(capsys, str(repo / "src"), "--fail-on-score", "1000")[0] == 0


def test_no_config_means_the_defaults(repo: Path, capsys) -> None:
    status = main(["scan", str(repo / "src")])
    out = capsys.readouterr().out
    assert status == 0
    assert "Routes (" in out and "Difficulty" in out  # the table
