"""`--format sarif`: valid SARIF 2.1.0 (checked against the OASIS schema in
tests/fixtures/sarif/), one run, rules for finding codes and readiness
categories, results with levels and locations code scanning can use."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from urllib.parse import urlsplit

import jsonschema
import pytest
from report_factory import route, sample_inventory

from migrate import __version__
from migrate.model import Reason
from migrate.report import sarif
from migrate.report.rollup import CATEGORIES
from migrate.scan import scan_paths

REPO = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((REPO / "tests/fixtures/sarif/sarif-schema-2.1.0.json").read_text())


def validate(doc: dict) -> None:
    jsonschema.Draft4Validator(SCHEMA).validate(doc)


def rendered() -> dict:
    return json.loads(sarif.render(sample_inventory()))


def results(doc: dict, rule_id: str) -> list[dict]:
    return [r for r in doc["runs"][0]["results"] if r["ruleId"] == rule_id]


def test_the_schema_is_the_official_one() -> None:
    assert SCHEMA["title"] == "Static Analysis Results Format (SARIF) Version 2.1.0 JSON Schema"
    assert SCHEMA["id"] == sarif.SCHEMA_URI
    jsonschema.Draft4Validator.check_schema(SCHEMA)


def test_output_validates_against_the_sarif_schema() -> None:
    validate(rendered())


@pytest.mark.parametrize(
    "breakage",
    [
        lambda d: d["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"].update(
            startLine=0
        ),
        lambda d: d["runs"][0]["results"][0].update(level="fatal"),
        lambda d: d.update(version="2.0.0"),
        lambda d: d["runs"][0]["tool"]["driver"].pop("name"),
    ],
)
def test_the_schema_check_rejects_broken_output(breakage) -> None:
    doc = copy.deepcopy(rendered())
    breakage(doc)
    with pytest.raises(jsonschema.ValidationError):
        validate(doc)


def test_one_run_with_the_tool_and_its_version() -> None:
    doc = rendered()
    assert doc["version"] == "2.1.0"
    (run,) = doc["runs"]
    driver = run["tool"]["driver"]
    assert (driver["name"], driver["version"]) == ("wsgi2asgi", __version__)


def test_a_rule_per_finding_code_and_per_readiness_category() -> None:
    rules = rendered()["runs"][0]["tool"]["driver"]["rules"]
    ids = [r["id"] for r in rules]
    assert len(ids) == len(set(ids))
    for code in ("dynamic-rule", "route-in-loop", "internal-error", "unresolved-receiver"):
        assert code in ids
    for category in CATEGORIES:
        assert f"readiness/{category}" in ids
    for rule in rules:
        assert rule["shortDescription"]["text"]
        url = urlsplit(rule["helpUri"])
        assert url.scheme == "https" and url.fragment in ("finding-codes", "readiness-categories")


def test_an_unknown_finding_code_still_gets_a_rule() -> None:
    from migrate.model import Finding

    inventory = sample_inventory(findings=(Finding("brand-new", "new", "a.py", 1),))
    doc = json.loads(sarif.render(inventory))
    validate(doc)
    assert "brand-new" in [r["id"] for r in doc["runs"][0]["tool"]["driver"]["rules"]]


def test_rule_index_points_at_the_rule() -> None:
    run = rendered()["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert run["results"]
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]


@pytest.mark.parametrize(
    ("rule_id", "level"),
    [("route-in-loop", "note"), ("dynamic-rule", "warning"), ("internal-error", "error")],
)
def test_finding_severity_becomes_the_result_level(rule_id: str, level: str) -> None:
    (result,) = results(rendered(), rule_id)
    assert result["level"] == level


def test_locations_are_relative_to_the_root_and_start_at_line_one() -> None:
    doc = rendered()
    (error,) = results(doc, "internal-error")
    location = error["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {"uri": "broken.py", "uriBaseId": "%SRCROOT%"}
    assert location["region"]["startLine"] == 1  # the finding says line 0
    (file_error,) = results(doc, "file-error")
    assert file_error["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == (
        "legacy/py2.py"
    )


def test_blockers_are_results_with_a_level_by_points() -> None:
    doc = rendered()
    (websocket,) = results(doc, "readiness/websocket")
    assert websocket["level"] == "warning"
    assert websocket["properties"] == {"points": 5, "endpoints": ["ws"]}
    assert websocket["locations"][0]["physicalLocation"]["region"]["startLine"] == 6
    (decorator,) = results(doc, "readiness/decorator")
    assert decorator["level"] == "note"
    assert "login_required" in decorator["message"]["text"]
    assert results(doc, "readiness/blocking") == []  # 2 points: no blocker


def test_a_blocker_shared_by_routes_is_one_result_naming_them_all() -> None:
    shared = Reason(3, "before_request hook of app: auth.load_user", "auth.py", 20)
    routes = [route(f"/r{i}", f"r{i}", score=3, reasons=(shared,)) for i in range(7)]
    doc = json.loads(sarif.render(sample_inventory(routes)))
    validate(doc)
    (result,) = results(doc, "readiness/other")
    assert result["properties"]["endpoints"] == [f"r{i}" for i in range(7)]
    assert "and 2 more" in result["message"]["text"]


def test_paths_with_spaces_are_uri_encoded() -> None:
    reason = Reason(5, "WebSocket", "my app/ws.py", 3)
    doc = json.loads(sarif.render(sample_inventory([route("/w", "w", score=5, reasons=(reason,))])))
    validate(doc)
    (result,) = doc["runs"][0]["results"][-1:]
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "my%20app/ws.py"


def test_the_sample_app_scan_validates() -> None:
    inventory = scan_paths([REPO / "sample_flask_app"])
    doc = json.loads(sarif.render(inventory))
    validate(doc)
    for result in doc["runs"][0]["results"]:
        uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        assert not uri.startswith("/") and (REPO / "sample_flask_app" / uri).is_file()
