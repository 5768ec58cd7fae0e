"""Fixtures for the verify, recording and shadow tests.

This folder goes on ``sys.path`` (whatever pytest's import mode) so the native routes
of the sample app (``bookshop_native``) import as they do for ``make demo``.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent
for _path in (HERE.parents[1], HERE):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

from adapters import HybridApp, hybrid  # noqa: E402
from migrate.verify.target import AppTarget  # noqa: E402
from sample_flask_app import create_app  # noqa: E402


@pytest.fixture
def make_target() -> Iterator[Any]:
    """``make_target(*routers)``: the sample app's factory, a new database per instance."""
    made: list[AppTarget] = []

    def build(*routers: Any) -> AppTarget:
        config = {"DATABASE": "{tmp}/db.sqlite", "SECRET_KEY": "verify-secret"}
        made.append(AppTarget(routers, factory=create_app, config=config))
        return made[-1]

    yield build
    for target in made:
        target.close()


@pytest.fixture
def sample_app(tmp_path):
    return create_app({"DATABASE": str(tmp_path / "db.sqlite"), "SECRET_KEY": "verify-secret"})


@pytest.fixture
def make_hybrid() -> Iterator[Any]:
    built: list[HybridApp] = []

    def build(legacy: Any, *routers: Any, **options: Any) -> HybridApp:
        built.append(hybrid(legacy, *routers, **options))
        return built[-1]

    yield build
    for app in built:
        app.legacy.close()
