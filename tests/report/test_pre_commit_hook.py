"""`.pre-commit-hooks.yaml`: the `migrate-scan` hook other repositories use."""

from __future__ import annotations

import shlex
from pathlib import Path

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
    scan = cli.commands[command]
    context = scan.make_context(command, list(hook["args"]))
    assert context.params["fail_on"] == "hard"
    assert context.params["paths"] == (Path("."),)
