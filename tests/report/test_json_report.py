"""`--format json`: every fact, hook, decorator, score and reason, and the
`readiness` rollups with the migration order."""

from __future__ import annotations

import dataclasses
import json

from report_factory import APP, OTHER_APP, sample_inventory, sample_routes

from migrate.model import SCHEMA_VERSION
from migrate.report import json_report
from migrate.report.order import migration_order


def rendered() -> dict:
    return json.loads(json_report.render(sample_inventory()))


def by_endpoint(doc: dict, endpoint: str) -> dict:
    (found,) = [r for r in doc["routes"] if r["endpoint"] == endpoint]
    return found


def test_schema_version_comes_from_the_model() -> None:
    assert rendered()["schema_version"] == SCHEMA_VERSION


def test_facts_carry_data_as_an_object_and_the_call_chain() -> None:
    cart = by_endpoint(rendered(), "shop.cart")
    session, blocking = cart["facts"]
    model_fact = next(r for r in sample_routes() if r.endpoint == "shop.cart").facts[0]
    assert session == dataclasses.asdict(model_fact) | {"data": {"access": "read"}, "via": []}
    assert session["data"] == {"access": "read"}
    assert (session["kind"], session["name"], session["file"], session["line"]) == (
        "context",
        "session",
        "views.py",
        52,
    )
    assert blocking["via"] == ["shop.helpers.prices", "shop.helpers.fetch"]


def test_hooks_and_decorators_carry_their_facts() -> None:
    report = rendered()
    cart = by_endpoint(report, "shop.cart")
    load_user = report["hooks"][cart["hooks"][0]]
    assert (load_user["kind"], load_user["scope"], load_user["function"]) == (
        "before_request",
        "app",
        "shop.auth.load_user",
    )
    assert load_user["facts"][0]["data"] == {"access": "write"}
    (decorator,) = cart["decorators"]
    assert decorator["name"] == "login_required"
    assert decorator["facts"][0]["name"] == "g.user"
    assert decorator["facts"][0]["data"] == {"access": "read"}


def test_score_level_and_every_reason() -> None:
    cart = by_endpoint(rendered(), "shop.cart")
    assert cart["score"] == 9
    assert cart["level"] == "medium"
    assert len(cart["reasons"]) == 4
    assert cart["reasons"][0] == {
        "points": 3,
        "text": "auth decorator login_required",
        "file": "decorators.py",
        "line": 8,
        "kind": "",
    }


def test_readiness_rollups_per_app_leave_static_rules_out() -> None:
    apps = {a["app"]: a for a in rendered()["readiness"]["apps"]}
    assert apps[APP] == {
        "app": APP,
        "blueprint": None,
        "routes": 4,
        "score": 1 + 5 + 9 + 14,
        "max": 14,
        "mean": 7.25,
        "levels": {"trivial": 1, "easy": 1, "medium": 1, "hard": 1},
    }
    assert apps[OTHER_APP]["routes"] == 1
    assert apps[OTHER_APP]["levels"]["trivial"] == 1


def test_readiness_rollups_per_blueprint() -> None:
    rows = {(b["app"], b["blueprint"]): b for b in rendered()["readiness"]["blueprints"]}
    assert set(rows) == {(APP, None), (APP, "api.v1"), (APP, "shop"), (OTHER_APP, None)}
    v1 = rows[(APP, "api.v1")]
    assert (v1["routes"], v1["score"], v1["max"], v1["mean"]) == (2, 6, 5, 3.0)
    assert v1["levels"] == {"trivial": 1, "easy": 1, "medium": 0, "hard": 0}
    assert rows[(APP, None)]["routes"] == 1  # /ws; the static rule does not count


def test_readiness_order_is_the_migration_order() -> None:
    doc = rendered()
    expected = [r.endpoint for r in migration_order(sample_inventory())]
    assert [o["endpoint"] for o in doc["readiness"]["order"]] == expected
    first = doc["readiness"]["order"][0]
    assert set(first) == {"app", "endpoint", "rule", "methods", "score", "level"}


def test_level_ranges_are_documented_in_the_output() -> None:
    assert rendered()["readiness"]["levels"] == {
        "trivial": [0, 2],
        "easy": [3, 6],
        "medium": [7, 12],
        "hard": [13, None],
    }


def test_each_hook_is_listed_once_and_routes_refer_to_it() -> None:
    """Schema 3: an app-wide hook runs around every route; its facts appear once."""
    report = rendered()
    keys = [(h["kind"], h["scope"], h["function"], h["file"], h["line"]) for h in report["hooks"]]
    assert len(keys) == len(set(keys)) > 0
    routes = report["routes"]
    assert all(isinstance(i, int) and 0 <= i < len(keys) for r in routes for i in r["hooks"])
    used = {i for r in routes for i in r["hooks"]}
    assert used == set(range(len(keys)))
    assert max(sum(i in r["hooks"] for r in routes) for i in used) > 1  # shared by routes
