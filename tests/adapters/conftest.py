"""Fixtures for the adapter tests (server helpers live in hybrid_servers.py)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest

# tests/conftest.py puts tests/ on sys.path, where this folder would pass for a
# namespace package called ``adapters``; the repository root makes the real one win.
# This folder itself is on the path too (whatever pytest's import mode) for the
# helper modules hybrid_apps and hybrid_servers, which server subprocesses import.
for _path in (Path(__file__).resolve().parents[2], Path(__file__).resolve().parent):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

from hybrid_apps import make_legacy_app, make_router  # noqa: E402

from adapters import HybridApp, hybrid  # noqa: E402


@pytest.fixture
def legacy_app(tmp_path):
    return make_legacy_app(str(tmp_path / "legacy.sqlite"))


@pytest.fixture
def make_hybrid() -> Iterator[Callable[..., HybridApp]]:
    """``make_hybrid(legacy, *routers, **options)``; pools are shut down afterwards."""
    built: list[HybridApp] = []

    def build(legacy: Any, *routers: Any, **options: Any) -> HybridApp:
        built.append(hybrid(legacy, *routers, **options))
        return built[-1]

    yield build
    for app in built:
        app.legacy.close()


@pytest.fixture
def hybrid_app(legacy_app, make_hybrid) -> HybridApp:
    return make_hybrid(legacy_app, make_router(legacy_app))


@pytest.fixture
def servers() -> Iterator[ExitStack]:
    """An ExitStack for the servers a test starts: all stopped when the test ends."""
    with ExitStack() as stack:
        yield stack
