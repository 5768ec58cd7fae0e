"""The sample app's own test suite, unchanged, passes with every request going
through the hybrid (``SAMPLE_APP_CLIENT=hybrid``: an ASGI-to-WSGI round trip, see
adapters/testing.py)."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest
from hybrid_servers import HERE, ROOT

SAMPLE_TESTS = ROOT / "sample_flask_app" / "tests"


@pytest.mark.skipif(not (SAMPLE_TESTS / "conftest.py").exists(), reason="no sample app suite")
def test_sample_suite_passes_through_the_hybrid():
    environment = {
        **os.environ,
        "SAMPLE_APP_CLIENT": "hybrid",
        "PYTHONPATH": os.pathsep.join([str(HERE), str(ROOT)]),
    }
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            str(SAMPLE_TESTS),
            "-q",
            "-p",
            "hybrid_suite_probe",
            "-p",
            "no:cacheprovider",
            "-o",
            "timeout=60",
        ],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert run.returncode == 0, run.stdout[-5000:] + run.stderr[-2000:]
    probe = re.search(r"hybrid-probe: hybrids=(\d+) legacy_requests=(\d+)", run.stdout)
    assert probe is not None, run.stdout[-2000:]
    hybrids, requests = int(probe[1]), int(probe[2])
    passed = re.search(r"^(\d+) passed in ", run.stdout, re.MULTILINE)
    assert passed is not None, run.stdout[-2000:]  # nothing failed, skipped or errored
    assert hybrids > 0 and requests >= hybrids
