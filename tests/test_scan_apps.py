"""The apps the scan reports agree with the rules it reports."""

from __future__ import annotations

from pathlib import Path

from migrate.scan import scan_paths

APPS = Path(__file__).resolve().parent / "fixtures" / "apps"


def test_static_url_path_is_the_one_the_static_rule_uses() -> None:
    # runtime_defaults sets app.static_url_path after Flask() ran: too late for the rule
    inv = scan_paths([APPS / "runtime_defaults"])
    (app,) = inv.apps
    (static,) = [r for r in inv.routes if r.endpoint == "static"]
    assert app.static_url_path == "/static"
    assert static.rule == f"{app.static_url_path}/<path:filename>"


def test_a_blueprint_class_that_registers_its_own_way_is_reported(tmp_path: Path) -> None:
    """Indico's `IndicoBlueprint.make_setup_state` rewrites rules that start with `!`:
    the scan lists Flask's default rule and says the override may change it."""
    (tmp_path / "app.py").write_text(
        "from flask import Blueprint, Flask\n"
        "from flask.blueprints import BlueprintSetupState\n\n"
        "class Own(Blueprint):\n"
        "    def make_setup_state(self, app, options, first_registration=False):\n"
        "        return BlueprintSetupState(self, app, options, first_registration)\n\n"
        "class Plain(Blueprint):\n"
        "    pass\n\n"
        "own = Own('own', __name__, url_prefix='/own')\n"
        "plain = Plain('plain', __name__)\n"
        "own.add_url_rule('/a', 'a', lambda: 'a')\n"
        "plain.add_url_rule('/b', 'b', lambda: 'b')\n"
        "app = Flask(__name__)\n"
        "app.register_blueprint(own)\n"
        "app.register_blueprint(plain)\n"
    )
    inv = scan_paths([tmp_path])
    assert {r.rule for r in inv.routes} >= {"/own/a", "/b"}
    found = [(f.code, f.line) for f in inv.findings if f.code == "custom-registration"]
    assert found == [("custom-registration", 5)]


def test_a_registration_override_in_a_mixin_is_reported(tmp_path: Path) -> None:
    """The override may sit in any base of the class, not only its first (review)."""
    (tmp_path / "app.py").write_text(
        "from flask import Blueprint, Flask\n\n"
        "class Plain:\n    pass\n\n"
        "class Prefixing:\n"
        "    def register(self, app, options):\n"
        "        super().register(app, dict(options, url_prefix='/custom'))\n\n"
        "class Mine(Plain, Prefixing, Blueprint):\n    pass\n\n"
        "bp = Mine('bp', __name__)\n"
        "bp.add_url_rule('/x', 'x', lambda: 'x')\n"
        "app = Flask(__name__)\n"
        "app.register_blueprint(bp)\n"
    )
    inv = scan_paths([tmp_path])
    assert [(f.code, f.line) for f in inv.findings] == [("custom-registration", 7)]
