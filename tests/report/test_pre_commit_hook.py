"""`.pre-commit-hooks.yaml`: the `migrate-scan` hook other repositories use."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

import click
import yaml

from migrate.cli import cli

REPO = Path(__file__).resolve().parents[2]


def test_migrate_scan_hook() -> None:
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    (hook,) = [h for h in hooks if h["id"] == "migrate-scan"]
    assert hook["entry"] == "migrate scan"
    assert hook["language"] == "python"
    assert hook["pass_filenames"] is False
    assert hook["args"] == [".", "--fail-on", "hard"]


def test_hook_entry_and_args_are_a_valid_command_line() -> None:
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    (hook,) = [h for h in hooks if h["id"] == "migrate-scan"]
    program, command = shlex.split(hook["entry"])
    assert program == "migrate"
    scan = cli.get_command(click.Context(cli), command)
    assert scan is not None
    context = scan.make_context(command, list(hook["args"]))
    assert context.params["fail_on"] == "hard"
    assert context.params["paths"] == (Path("."),)


def test_the_hook_loads_only_what_scanning_needs(tmp_path: Path) -> None:
    """`migrate scan` runs on every commit: it must not import the serving and
    verifying stack (FastAPI, uvicorn, httpx, a2wsgi, Flask), which cost about
    0.3 s of each run before subcommands were loaded lazily; and a run the cache
    answers does not load libcst (0.1 s)."""
    probe = (
        "import sys\n"
        "from migrate.cli import main\n"
        f"code = main(['scan', {str(REPO / 'sample_flask_app')!r}, '--format', 'json',"
        f" '-o', {str(tmp_path / 'inventory.json')!r}])\n"
        "heavy = ('fastapi', 'uvicorn', 'httpx', 'a2wsgi', 'flask', 'adapters', 'libcst')\n"
        "print(code, sorted(m for m in heavy if m in sys.modules))\n"
    )
    env = {**os.environ, "WSGI2ASGI_CACHE_DIR": str(tmp_path / "cache")}
    runs = [
        subprocess.run(
            [sys.executable, "-c", probe],
            capture_output=True,
            text=True,
            check=True,
            cwd=tmp_path,
            env=env,
        ).stdout.splitlines()[-1]
        for _ in range(2)
    ]
    assert runs == ["0 ['libcst']", "0 []"]  # cold: the detectors read the views
    assert (tmp_path / "inventory.json").exists()
    # and every command is still there
    assert {"scan", "generate", "verify", "serve"} <= set(cli.list_commands(click.Context(cli)))
