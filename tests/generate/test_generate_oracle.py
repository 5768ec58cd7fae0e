"""The generated package imports, mounts into the hybrid, and its OpenAPI lists
exactly the legacy app's paths and methods (the runtime url_map, converted)."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from gen_helpers import (
    expected_operations,
    imported,
    not_generated,
    openapi_operations,
    scan,
    write_package,
)
from oracle import runtime_url_map

from adapters.hybrid import hybrid

REPO = Path(__file__).resolve().parents[2]
APPS = REPO / "tests" / "fixtures" / "apps"


def _fixtures() -> list[object]:
    cases: list[object] = [
        pytest.param(d, d, (d / "spec.txt").read_text().strip(), id=d.name)
        for d in sorted(APPS.iterdir())
        if (d / "spec.txt").is_file()
    ]
    cases.append(
        pytest.param(
            REPO / "sample_flask_app", REPO, "sample_flask_app:create_app()", id="sample_flask_app"
        )
    )
    return cases


@pytest.mark.parametrize(("scan_root", "app_root", "spec"), _fixtures())
def test_openapi_lists_the_legacy_paths_and_methods(
    scan_root: Path, app_root: Path, spec: str, tmp_path: Path
) -> None:
    inventory = scan(scan_root)
    write_package(inventory, tmp_path, "generated_api")
    expected = expected_operations(runtime_url_map(app_root, spec), not_generated(inventory))
    if scan_root.name == "route_in_loop":  # its README: /p/a and /p/b cannot be known
        expected = {(p, m) for p, m in expected if not p.startswith("/p/")}
    with imported(tmp_path, "generated_api") as package:
        app = hybrid(Flask("legacy"), package.router)
        actual = openapi_operations(app.openapi())
    assert actual == expected, (
        f"missing: {sorted(expected - actual)}\nextra: {sorted(actual - expected)}"
    )
