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
