"""Small trees for the prefilter, cache and pipeline tests."""

from __future__ import annotations

import textwrap
from pathlib import Path

from migrate.scan import ScanOptions, scan_paths
from migrate.scan.pipeline import Stats

REPO = Path(__file__).resolve().parents[2]
APPS = REPO / "tests" / "fixtures" / "apps"
SAMPLE = REPO / "sample_flask_app"


def scan(root: Path, cache_dir: Path | None) -> tuple[object, Stats]:
    """One scan as `migrate scan` runs it with a cache (`reuse_inventory`), or a
    full one without; the inventory and what the scan did."""
    stats = Stats()
    options = ScanOptions(
        jobs=1,
        include_tests=True,
        cache_dir=cache_dir,
        reuse_inventory=cache_dir is not None,
        stats=stats,
    )
    return scan_paths([root], options), stats


def fixture_dirs() -> list[Path]:
    return sorted(d for d in APPS.iterdir() if d.is_dir() and (d / "spec.txt").is_file())


def write_tree(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return root


# A routes module whose prefix lives in a module that never mentions Flask,
# beside tools that have nothing to do with the app.
CONSTANT_TREE = {
    "app.py": """
        from flask import Flask
        from settings import API_PREFIX

        app = Flask(__name__)

        @app.route(API_PREFIX + "/items")
        def items():
            return "[]"
    """,
    "settings.py": """
        API_PREFIX = "/api"
    """,
    "tools/report.py": """
        import csv

        def main(path):
            with open(path) as f:
                return list(csv.reader(f))
    """,
    "tools/cleanup.py": """
        from report import main

        DAYS = 30
    """,
}


def dies_in_a_worker(source):  # picklable by reference for the worker processes
    """Parse like `parse_file`, but kill the worker process that gets `app.py`."""
    import multiprocessing
    import os

    from migrate.scan import parse_file

    if source.rel == "app.py" and multiprocessing.parent_process() is not None:
        os._exit(3)
    return parse_file(source)
