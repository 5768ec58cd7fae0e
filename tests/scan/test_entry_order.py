"""Entry points run callers first (`Interpreter.run`).

A top-level function no code calls runs last, as an entry point, with unknown
arguments. A helper that an app factory calls is no entry point, but when the
helper ran first (as it did, in definition order) its `app.register_blueprint`
on an unknown `app` became an `unresolved-receiver` finding saying "which no
scanned code calls": false, and on the most common Flask layout (helpers
defined above the factory). Each project below is also imported, and the static
rules must equal its `url_map`.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from oracle import format_diff, runtime_url_map, static_inventory

from migrate.scan import scan_paths

BLUEPRINTS = """
from flask import Blueprint

a = Blueprint("a", __name__, url_prefix="/a")


@a.route("/")
def index():
    return "a"
"""

HELPERS = """
def health():
    return "ok"


def register_blueprints(app):
    from .blueprints import a
    app.register_blueprint(a)


def add_routes(app, prefix):
    app.add_url_rule(prefix + "/h", "health" + prefix.strip("/"), health)
"""

FACTORY = """
def create_app():
    app = Flask(__name__)
    register_blueprints(app)
    add_routes(app, "/v1")
    add_routes(app, prefix="/v2")
    return app
"""

PROJECTS = {
    # helpers above the factory, in one module
    "same module": {"__init__.py": "from flask import Flask\n" + HELPERS + FACTORY},
    # helpers in a module the factory's module imports
    "helpers imported": {
        "helpers.py": HELPERS,
        "__init__.py": "from flask import Flask\n\nfrom .helpers import add_routes, "
        "register_blueprints\n" + FACTORY,
    },
    # the factory's module sorts before the helpers' module
    "helpers in a later module": {
        "zz_helpers.py": HELPERS,
        "__init__.py": "from flask import Flask\n\nfrom .zz_helpers import add_routes, "
        "register_blueprints\n" + FACTORY,
    },
}


def write(root: Path, files: dict[str, str]) -> None:
    package = root / "proj"
    package.mkdir()
    (package / "blueprints.py").write_text(BLUEPRINTS)
    for name, text in files.items():
        (package / name).write_text(textwrap.dedent(text))


@pytest.mark.parametrize("case", sorted(PROJECTS))
def test_a_helper_the_factory_calls_makes_no_finding(tmp_path: Path, case: str) -> None:
    write(tmp_path, PROJECTS[case])
    expected = runtime_url_map(tmp_path, "proj:create_app()")
    assert static_inventory(tmp_path) == expected, format_diff(
        expected, static_inventory(tmp_path), label=case
    )
    assert len(expected) == 4
    findings = scan_paths([tmp_path]).findings
    assert [f for f in findings if f.code == "unresolved-receiver"] == []


def test_a_helper_nobody_calls_still_makes_its_finding(tmp_path: Path) -> None:
    write(tmp_path, {"__init__.py": "from flask import Flask\n" + HELPERS})
    findings = [f for f in scan_paths([tmp_path]).findings if f.code == "unresolved-receiver"]
    assert {f.line for f in findings} == {9, 13}
    assert all("which no scanned code calls" in f.message for f in findings)
