from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import pytest

# tests/oracle.py is imported as ``oracle`` by the test modules; make that work
# whatever import mode pytest uses (and whether or not tests/ is a package).
_TESTS = str(Path(__file__).resolve().parent)
if _TESTS not in sys.path:
    sys.path.insert(0, _TESTS)

# -- scan cache (issue 7): `migrate scan` caches parses in ~/.cache/wsgi2asgi by
# default; no test may write the real home, so the whole run (and every
# subprocess it starts) uses a temporary folder instead.
_SCAN_CACHE = tempfile.TemporaryDirectory(prefix="wsgi2asgi-test-cache-")
os.environ["WSGI2ASGI_CACHE_DIR"] = _SCAN_CACHE.name


def pytest_unconfigure(config: pytest.Config) -> None:
    _SCAN_CACHE.cleanup()
