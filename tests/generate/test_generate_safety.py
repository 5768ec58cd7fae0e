"""`migrate generate` is idempotent, reviewable as a patch, never clobbers a person's
edits, and survives hostile names."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner
from gen_helpers import imported, scan

from migrate.cli import cli

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "sample_flask_app"


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    migrate = Path(sys.executable).with_name("migrate")
    return subprocess.run(
        [str(migrate), *args], cwd=cwd, capture_output=True, text=True, timeout=300, check=False
    )


def test_second_run_changes_nothing_and_check_passes(tmp_path: Path) -> None:
    out = tmp_path / "api"
    first = run("generate", str(SAMPLE), "--out", str(out))
    assert first.returncode == 0, first.stderr
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    assert run("generate", str(SAMPLE), "--out", str(out)).returncode == 0
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    check = run("generate", str(SAMPLE), "--out", str(out), "--check")
    assert check.returncode == 0, check.stderr


def test_check_fails_when_generation_would_change_a_file(tmp_path: Path) -> None:
    out = tmp_path / "api"
    assert run("generate", str(SAMPLE), "--out", str(out)).returncode == 0
    (out / "models.py").unlink()
    check = run("generate", str(SAMPLE), "--out", str(out), "--check")
    assert check.returncode == 1
    assert "models.py" in check.stderr
    assert not (out / "models.py").exists()  # --check writes nothing


def test_diff_applies_with_git_apply(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    patch = run("generate", str(SAMPLE), "--out", "generated/api", "--diff", cwd=repo)
    assert patch.returncode == 0, patch.stderr
    assert not (repo / "generated").exists()  # --diff writes nothing
    (tmp_path / "change.patch").write_text(patch.stdout)
    applied = subprocess.run(
        ["git", "apply", "--check", str(tmp_path / "change.patch")],
        cwd=repo,
        capture_output=True,
        text=True,
        check=False,
    )
    assert applied.returncode == 0, applied.stderr
    subprocess.run(["git", "apply", str(tmp_path / "change.patch")], cwd=repo, check=True)
    check = run("generate", str(SAMPLE), "--out", "generated/api", "--check", cwd=repo)
    assert check.returncode == 0, check.stderr


def test_edited_file_is_skipped_unless_forced(tmp_path: Path) -> None:
    out = tmp_path / "api"
    assert run("generate", str(SAMPLE), "--out", str(out)).returncode == 0
    edited = out / "api_v1.py"
    text = edited.read_text().replace("raise NotImplementedError(", "raise RuntimeError(", 1)
    edited.write_text(text)
    again = run("generate", str(SAMPLE), "--out", str(out))
    assert again.returncode == 0
    assert "skipped" in again.stderr and "api_v1.py" in again.stderr
    assert edited.read_text() == text
    forced = run("generate", str(SAMPLE), "--out", str(out), "--force")
    assert forced.returncode == 0
    assert "RuntimeError(" not in edited.read_text()


def test_generated_sample_package_passes_ruff_and_mypy(tmp_path: Path) -> None:
    out = tmp_path / "bookshop_api"
    assert run("generate", str(SAMPLE), "--out", str(out)).returncode == 0
    bin_dir = Path(sys.executable).parent
    lint = subprocess.run(
        [str(bin_dir / "ruff"), "check", "--isolated", str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert lint.returncode == 0, lint.stdout
    fmt = subprocess.run(
        [str(bin_dir / "ruff"), "format", "--isolated", "--check", str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert fmt.returncode == 0, fmt.stdout
    env = {**os.environ, "MYPYPATH": str(REPO)}
    types = subprocess.run(
        [
            str(bin_dir / "mypy"),
            "--strict",
            "--no-incremental",
            "--cache-dir",
            os.devnull,
            "bookshop_api",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )
    assert types.returncode == 0, types.stdout


HOSTILE = {
    "app.py": '''
        from flask import Blueprint, Flask, jsonify, request

        app = Flask(__name__)
        weird = Blueprint("../x", __name__, url_prefix="/x")


        @app.route("/class", endpoint="class")
        def klass():
            """Says \\"\\"\\"hi\\"\\"\\" with triple quotes and a backslash \\\\ ."""
            data = request.get_json()
            return jsonify({"ok-1": data["user-name"], "it's": data.get('say "hi"'), "def": 1})


        @weird.post("/<int:import>")
        def lambda_(**kwargs):
            return {"from": request.args.get("from", "a\\"b"), "x y": request.headers["X-Y"]}


        app.register_blueprint(weird, name="dot.ted")
    ''',
}


def test_hostile_names_give_valid_code_inside_out(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    for rel, text in HOSTILE.items():
        (src / rel).write_text(textwrap.dedent(text))
    inventory = scan(src)
    assert {r.endpoint for r in inventory.routes} >= {"class", "dot.ted.lambda_"}
    out = tmp_path / "out" / "pkg"
    result = CliRunner().invoke(cli, ["generate", str(src), "--out", str(out)])
    assert result.exit_code == 0, result.output
    written = sorted(p for p in (tmp_path / "out").rglob("*") if p.is_file())
    assert written and all(out in p.parents for p in written)
    for path in written:
        ast.parse(path.read_text())
    with imported(tmp_path / "out", "pkg") as package:
        from fastapi import FastAPI

        app = FastAPI()
        package.include_all(app)
        paths = app.openapi()["paths"]
    assert set(paths) >= {"/class", "/x/{import_}"}
    lint = subprocess.run(
        [str(Path(sys.executable).with_name("ruff")), "check", "--isolated", str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert lint.returncode == 0, lint.stdout


@pytest.mark.parametrize("name", ["../evil", "/abs", "a/../../b"])
def test_paths_never_leave_out(tmp_path: Path, name: str) -> None:
    from migrate.generate import OutsideOutput, apply

    with pytest.raises(OutsideOutput):
        apply({name + ".py": "x = 1\n"}, tmp_path / "out")
    assert not any(p for p in tmp_path.rglob("*.py"))


def test_copying_the_sample_app_elsewhere_generates_the_same(tmp_path: Path) -> None:
    copy = tmp_path / "sample_flask_app"
    shutil.copytree(SAMPLE, copy, ignore=shutil.ignore_patterns("__pycache__", "tests"))
    from migrate.generate import generate

    assert generate(scan(copy)) == generate(scan(SAMPLE))
