"""`migrate verify` on sample_flask_app with three routes implemented natively
(bookshop_native.py): two faithful, one with deliberate differences."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path

import pytest
from bookshop_native import router, writes
from click.testing import CliRunner
from fastapi import APIRouter
from verify_helpers import admin_cookie

from adapters.stubs import legacy_stub
from migrate.commands.verify import verify as verify_command
from migrate.scan import ScanOptions, scan_paths
from migrate.verify.cases import generate_requests
from migrate.verify.compare import CompareOptions
from migrate.verify.replay import ReplayOptions, verify
from migrate.verify.report import rows
from migrate.verify.target import AppTarget, migrations
from migrate.verify.traffic import RecordedRequest, write_requests
from sample_flask_app import create_app

ROOT = Path(__file__).resolve().parents[2]
APP = "sample_flask_app:create_app()"
CONFIG = ["--config", "DATABASE={tmp}/db.sqlite", "--config", "SECRET_KEY=verify-secret"]
ROUTER = ["--router", "bookshop_native:router"]


def run_cli(*args):
    result = CliRunner().invoke(verify_command, [APP, *CONFIG, *args])
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result


def url_map_app():
    return create_app({"DATABASE": ":memory:", "SECRET_KEY": "verify-secret"})


@pytest.fixture(scope="module")
def generated():
    """The generated requests for the three migrated endpoints (the scan runs once)."""
    found, orphans = migrations(url_map_app(), [router])
    assert orphans == []
    return generate_requests(found, scan_paths([ROOT / "sample_flask_app"], ScanOptions()))


def by_label(result, endpoint):
    return {o.request.label: o for o in result.outcomes if o.endpoint == endpoint}


def test_faithful_routes_identical_and_the_third_pinpointed(make_target, generated):
    result = verify(make_target(router), generated)
    table = {(r.endpoint, r.method): r for r in rows(result)}
    assert {key: row.verdict for key, row in table.items()} == {
        ("api.v1.book", "GET"): "identical",
        ("api.v1.books", "GET"): "identical",
        ("api.v1.search_books", "GET"): "DIFFERS",
    }
    for key in [("api.v1.book", "GET"), ("api.v1.books", "GET")]:
        assert table[key].identical == table[key].requests >= 2
    assert table[("api.v1.search_books", "GET")].differing >= 3
    search = by_label(result, "api.v1.search_books")
    # A missing field: the only difference when Flask and FastAPI both answer 200.
    assert [
        (d.where, d.legacy, d.native) for d in search["all query keys"].comparison.differences
    ] == [("body $.query", '"a"', "(missing)")]
    # A different error status: FastAPI's 422 where Flask answered 400.
    assert search["valid"].statuses == (400, 422)
    assert search["wrong type for 'limit'"].statuses == (200, 422)
    assert "body $.query" in {d.where for d in search["repeated 'q'"].comparison.differences}


def test_ignored_field_removes_only_that_difference(make_target, generated):
    options = ReplayOptions(compare=CompareOptions(ignore_fields=("query",)))
    search = by_label(verify(make_target(router), generated, options), "api.v1.search_books")
    assert search["all query keys"].status == "identical"
    assert search["valid"].status == "differing"


def test_requests_to_unmigrated_routes_are_counted_not_compared(make_target):
    requests = [
        RecordedRequest("GET", "/api/ping"),
        RecordedRequest("GET", "/api/v1/books/abc"),  # {book_id:int} does not match: Flask's 404
        RecordedRequest("GET", "/api/v1/books/3"),
    ]
    result = verify(make_target(router), requests)
    assert [(o.endpoint, o.status) for o in result.outcomes] == [
        ("api.ping", "not_migrated"),
        ("<unmatched>", "not_migrated"),
        ("api.v1.book", "identical"),
    ]


def test_state_changing_requests_run_on_isolated_state(make_target):
    target = make_target(router, writes)
    cookie = admin_cookie(url_map_app())
    delete = RecordedRequest("DELETE", "/api/v1/books/1", headers=(("cookie", cookie),))
    requests = [delete, delete, RecordedRequest("GET", "/api/v1/books/1")]
    result = verify(target, requests)
    # Each DELETE starts from the seed data on both sides: had the sides shared a
    # database, the native DELETE would find the book gone (404); had the requests
    # shared one, the second DELETE would too. The GETs never see the deletes.
    assert [(o.status, o.statuses) for o in result.outcomes] == [
        ("identical", (204, 204)),
        ("identical", (204, 204)),
        ("identical", (200, 200)),
    ]


def test_anonymous_delete_compares_the_auth_error(make_target):
    result = verify(make_target(writes), [RecordedRequest("DELETE", "/api/v1/books/1")])
    assert [(o.status, o.statuses) for o in result.outcomes] == [("identical", (401, 401))]


def test_one_shared_app_skips_state_changing_requests(sample_app):
    target = AppTarget([router, writes], app=sample_app)
    requests = [
        RecordedRequest("DELETE", "/api/v1/books/1"),
        RecordedRequest("GET", "/api/v1/books/1"),
    ]
    result = verify(target, requests)
    assert [o.status for o in result.outcomes] == ["skipped", "identical"]
    assert "cannot isolate" in result.outcomes[0].reason


def test_native_error_and_hang_are_differences(make_target):
    broken = APIRouter()

    @broken.get("/api/ping", name="api.ping")
    def ping() -> dict[str, bool]:
        raise RuntimeError("not ported yet")

    @broken.get("/healthz", name="healthz")
    async def healthz() -> str:
        await asyncio.Event().wait()
        return "never"

    requests = [RecordedRequest("GET", "/api/ping"), RecordedRequest("GET", "/healthz")]
    result = verify(make_target(broken), requests, ReplayOptions(timeout=0.5))
    ping_outcome, health_outcome = result.outcomes
    assert ping_outcome.statuses == (200, 500)
    assert [str(d) for d in health_outcome.comparison.differences] == [
        "response: legacy status 200, native no response within 0.5s"
    ]


def test_cli_table_and_exit_status(generated, tmp_path):
    requests = tmp_path / "requests.jsonl"
    write_requests(requests, generated)
    result = run_cli(*ROUTER, "--requests", str(requests))
    assert result.exit_code == 1
    out = result.stdout
    assert re.search(r"^api\.v1\.book +GET +(\d+) +\1 +0 +0  identical$", out, re.M)
    assert re.search(r"^api\.v1\.books +GET +(\d+) +\1 +0 +0  identical$", out, re.M)
    assert re.search(r"^api\.v1\.search_books +GET +(\d+) +0 +\1 +0  DIFFERS$", out, re.M)
    assert "status: legacy 400, native 422" in out
    assert 'body $.query: legacy "a", native (missing)' in out
    assert out.rstrip().endswith("1 of 3 migrated endpoints differ")


def test_cli_exit_0_when_the_selected_endpoints_are_faithful(generated, tmp_path):
    requests = tmp_path / "requests.jsonl"
    write_requests(requests, generated)
    args = ["--requests", str(requests), "--endpoint", "api.v1.book", "--endpoint", "api.v1.books"]
    result = run_cli(*ROUTER, *args)
    assert result.exit_code == 0, result.output
    assert re.search(r"parity: all 2 migrated endpoints identical on \d+ requests", result.stdout)


def test_cli_json_report_for_ci(generated, tmp_path):
    requests, report = tmp_path / "requests.jsonl", tmp_path / "parity.json"
    write_requests(requests, generated)
    result = run_cli(*ROUTER, "--requests", str(requests), "--format", "json", "-o", str(report))
    assert result.exit_code == 1
    data = json.loads(report.read_text())
    summary = data["summary"]
    assert summary["compared"] == summary["identical"] + summary["differing"] == len(generated) - 1
    assert summary["not_migrated"] == 1  # /api/v1/books/abc: no native route matches
    assert (summary["skipped"], summary["endpoints_differing"]) == (0, 1)
    assert summary["differing"] == len(data["differences"]) >= 3
    assert [e["endpoint"] for e in data["endpoints"] if e["differing"]] == ["api.v1.search_books"]
    first = data["differences"][0]
    assert (first["endpoint"], first["legacy_status"], first["native_status"]) == (
        "api.v1.search_books",
        400,
        422,
    )
    assert first["diff"].startswith("--- legacy\n+++ native")


def test_cli_generates_and_saves_requests(tmp_path):
    saved = tmp_path / "generated.jsonl"
    result = run_cli(*ROUTER, "--save-requests", str(saved), "--endpoint", "api.v1.book")
    assert result.exit_code == 0, result.output
    labels = [json.loads(line)["label"] for line in saved.read_text().splitlines()]
    assert labels == ["valid", "unknown book_id=999999", "wrong type for book_id=abc"]
    assert "3 requests generated for 1 migrated endpoint(s)" in result.stderr


def test_cli_skips_requests_whose_body_was_not_recorded(tmp_path):
    requests = tmp_path / "requests.jsonl"
    write_requests(
        requests,
        [
            RecordedRequest("GET", "/api/v1/books/2", headers=(("cookie", "[REDACTED]"),)),
            RecordedRequest(
                "GET", "/api/v1/books", body=None, body_omitted="over the 10-byte limit"
            ),
        ],
    )
    result = run_cli(*ROUTER, "--requests", str(requests))
    assert result.exit_code == 0, result.output
    assert "skipped 1: body not recorded (over the 10-byte limit)" in result.stdout


def test_cli_nothing_compared_is_a_failure(tmp_path):
    requests = tmp_path / "requests.jsonl"
    write_requests(requests, [RecordedRequest("GET", "/api/ping")])
    result = run_cli(*ROUTER, "--requests", str(requests))
    assert result.exit_code == 1
    assert "no request reached a migrated route" in result.stderr


stubs = APIRouter()


@stubs.get("/api/ping", name="api.ping")
@legacy_stub
async def ping_stub() -> None:
    raise NotImplementedError


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param([*ROUTER, "--endpoint", "nope"], "'nope' is not an endpoint", id="endpoint"),
        pytest.param(
            ["--router", "test_verify_sample:stubs"], "no native route replaces", id="stubs"
        ),
        pytest.param([*ROUTER, "--config", "oops"], "--config expects KEY=VALUE", id="config"),
        pytest.param([*ROUTER, "--header", "oops"], "--header expects 'NAME: VALUE'", id="header"),
        pytest.param(["--router", "nowhere:router"], "module 'nowhere' not found", id="router"),
        pytest.param(
            [*ROUTER, "--requests", "x.jsonl", "--save-requests", "y.jsonl"],
            "leave out --requests",
            id="save-with-requests",
        ),
    ],
)
def test_cli_usage_errors_exit_2(args, message):
    result = run_cli(*args)
    assert result.exit_code == 2
    assert message in result.output


def test_cli_bad_request_file_names_the_line(tmp_path):
    requests = tmp_path / "requests.jsonl"
    requests.write_text('{"method": "GET", "path": "/api/ping"}\n{"method": "GET"}\n')
    result = run_cli(*ROUTER, "--requests", str(requests))
    assert result.exit_code == 2
    assert "requests.jsonl:2: 'path' must be a string" in result.output
