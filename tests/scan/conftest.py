from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _cache_in_tmp(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """No test here may write the real ~/.cache: the default cache goes to a temp folder."""
    home = tmp_path_factory.mktemp("cache-home")
    monkeypatch.setenv("WSGI2ASGI_CACHE_DIR", str(home / "wsgi2asgi"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / "xdg"))
    return home
