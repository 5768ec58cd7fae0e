from __future__ import annotations

import sys
from pathlib import Path

# tests/oracle.py is imported as ``oracle`` by the test modules; make that work
# whatever import mode pytest uses (and whether or not tests/ is a package).
_TESTS = str(Path(__file__).resolve().parent)
if _TESTS not in sys.path:
    sys.path.insert(0, _TESTS)
