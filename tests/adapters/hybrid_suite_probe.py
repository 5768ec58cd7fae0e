"""pytest plugin (``-p hybrid_suite_probe``): proof that a suite ran through the hybrid.

Wraps :func:`adapters.testing.through_hybrid` to count the hybrids built and the
legacy requests they served, and prints one summary line at the end of the run.
"""

from __future__ import annotations

from collections import Counter
from contextlib import contextmanager

import adapters.testing

_through_hybrid = adapters.testing.through_hybrid
TOTALS: Counter[str] = Counter()


@contextmanager
def _counting(flask_app, *routers, **options):
    options.setdefault("progress", True)
    with _through_hybrid(flask_app, *routers, **options) as app:
        yield app
        TOTALS["hybrids"] += 1
        TOTALS["legacy_requests"] += sum(app.progress.legacy.values())


adapters.testing.through_hybrid = _counting


def pytest_terminal_summary(terminalreporter):
    terminalreporter.write_line(
        f"hybrid-probe: hybrids={TOTALS['hybrids']} legacy_requests={TOTALS['legacy_requests']}"
    )
