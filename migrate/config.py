"""Defaults for `migrate scan` from the scanned project's `pyproject.toml`.

The file is the first `pyproject.toml` found at or above the scanned root; the
search stops at the folder that holds `.git` (the repository's top). Options
given on the command line win over the file.

    [tool.migrate]
    exclude = ["migrations/*", "scripts"]
    include-tests = false
    format = "markdown"
    fail-on = "hard"
    strict = true

A bad value is a `ConfigError` whose message is one line naming the file and key.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10 only
    import tomli as tomllib

from migrate.report import RENDERERS
from migrate.report.levels import LEVELS

KEYS = ("exclude", "include-tests", "format", "fail-on", "strict")


class ConfigError(Exception):
    """A `[tool.migrate]` table that cannot be used; the message is one line."""


@dataclass(frozen=True)
class Config:
    """What the file sets; None for what it leaves to the defaults."""

    path: Path | None = None
    exclude: tuple[str, ...] | None = None
    include_tests: bool | None = None
    format: str | None = None
    fail_on: str | None = None
    strict: bool | None = None


def find_pyproject(start: Path) -> Path | None:
    """The first pyproject.toml in `start` or above, not past the `.git` folder."""
    folder = start.resolve()
    if not folder.is_dir():
        folder = folder.parent
    for candidate in (folder, *folder.parents):
        path = candidate / "pyproject.toml"
        if path.is_file():
            return path
        if (candidate / ".git").exists():
            return None
    return None


def _shown(path: Path) -> str:
    try:
        relative = os.path.relpath(path)
    except ValueError:
        return str(path)
    return str(path) if relative.startswith("..") else relative


def _choice(where: str, key: str, value: Any, choices: Collection[str]) -> str:
    if not isinstance(value, str) or value not in choices:
        raise ConfigError(f"{where} {key} = {value!r}: expected one of {', '.join(choices)}")
    return value


def _flag(where: str, key: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"{where} {key} = {value!r}: expected true or false")
    return value


def parse(table: Any, path: Path) -> Config:
    """Check a `[tool.migrate]` table and turn it into a `Config`."""
    where = f"{_shown(path)}: [tool.migrate]"
    if not isinstance(table, dict):
        raise ConfigError(f"{where} must be a table")
    for key in table:
        if key not in KEYS:
            raise ConfigError(f"{where} unknown key {key!r} (known: {', '.join(KEYS)})")
    exclude = table.get("exclude")
    if exclude is not None and (
        not isinstance(exclude, list) or not all(isinstance(g, str) for g in exclude)
    ):
        raise ConfigError(f"{where} exclude = {exclude!r}: expected a list of strings")
    fmt, fail_on = table.get("format"), table.get("fail-on")
    include_tests, strict = table.get("include-tests"), table.get("strict")
    return Config(
        path=path,
        exclude=tuple(exclude) if exclude is not None else None,
        include_tests=_flag(where, "include-tests", include_tests)
        if include_tests is not None
        else None,
        format=_choice(where, "format", fmt, sorted(RENDERERS)) if fmt is not None else None,
        fail_on=_choice(where, "fail-on", fail_on, LEVELS) if fail_on is not None else None,
        strict=_flag(where, "strict", strict) if strict is not None else None,
    )


def load(start: Path) -> Config:
    """The `[tool.migrate]` settings that apply to a scan rooted at `start`."""
    path = find_pyproject(start)
    if path is None:
        return Config()
    try:
        with path.open("rb") as handle:
            document = tomllib.load(handle)
    except OSError as exc:
        raise ConfigError(f"{_shown(path)}: cannot read: {exc.strerror or exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{_shown(path)}: invalid TOML: {exc}") from exc
    tool = document.get("tool", {})
    if not isinstance(tool, dict) or "migrate" not in tool:
        return Config(path=path)
    return parse(tool["migrate"], path)
