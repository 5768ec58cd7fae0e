"""`migrate scan --route`, `--fail-on`, `--fail-on-score` and
`--select-blueprint`, through the real entry point (`migrate.cli.main`) on a
hand-built inventory, and once as a subprocess on the sample app."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from report_factory import route, sample_inventory

import migrate.commands.scan as scan_command
from migrate.cli import main
from migrate.model import Inventory

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty project folder; the scan returns the hand-built inventory."""
    (tmp_path / ".git").mkdir()
    monkeypatch.setattr(scan_command, "scan_paths", lambda paths, options: sample_inventory())
    return tmp_path


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = main(["scan", *args])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_route_shows_everything_known(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(capsys, str(project), "--route", "shop.cart")
    assert (status, err) == (0, "")
    lines = out.splitlines()
    assert lines[0] == "shop.cart  /shop/cart"
    for text in (
        "  blueprint   shop",
        "  methods     GET",
        "  view        cart (views.py:50, module shop.views)",
        "  difficulty  9 medium",
        "Facts (2)",
        "  context (1)",
        "    views.py:52  session  session key 'cart' (read)",
        "  blocking (1)",
        "    helpers.py:12  requests.get  HTTP call",
        "      via shop.helpers.prices -> shop.helpers.fetch",
        "Hooks (2)",
        "  before_request of app: shop.auth.load_user (auth.py:20)",
        "      auth.py:22  g.user  g.user (write)",
        "  before_request of shop: shop.views.open_cart (views.py:5)",
        "Decorators (1)",
        "  @login_required (decorators.py:8)",
        "      decorators.py:11  g.user  g.user (read)",
        "Score 9 (medium)",
    ):
        assert text in lines, text
    reasons = [line for line in lines if line.startswith("  +")]
    assert len(reasons) == 4
    assert "blocking call: requests.get" in reasons[2] and "[blocking]" in reasons[2]
    assert reasons[2].endswith("helpers.py:12")


def test_route_by_rule_shows_every_route_on_it(project: Path, capsys) -> None:
    status, out, _ = run(capsys, str(project), "--route", "/api/v1/items")
    assert status == 0
    assert out.count("/api/v1/items\n") == 2


def test_route_as_json(project: Path, capsys) -> None:
    status, out, _ = run(capsys, str(project), "--route", "ws", "--format", "json")
    assert status == 0
    (data,) = json.loads(out)
    assert (data["endpoint"], data["score"], data["level"]) == ("ws", 14, "hard")


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("shop.crat", "no route with endpoint 'shop.crat'; close matches: shop.cart"),
        ("items", "no route with endpoint 'items'; close matches: api.v1.items"),
        ("zzzzzz", "no route with endpoint 'zzzzzz'"),
        ("/shop/carts", "no route with rule '/shop/carts'; close matches: /shop/cart"),
    ],
)
def test_unknown_route_is_one_line_and_exit_2(
    project: Path, capsys, query: str, expected: str
) -> None:
    status, out, err = run(capsys, str(project), "--route", query)
    assert status == 2
    assert out == ""
    assert err.splitlines() == [f"migrate: error: {expected}"]


@pytest.mark.parametrize(
    ("args", "status"),
    [
        ((), 0),
        (("--fail-on", "hard"), 1),
        (("--fail-on-score", "14"), 1),
        (("--fail-on-score", "15"), 0),
        (("--fail-on", "medium", "--select-blueprint", "api.v1"), 0),
        (("--fail-on", "easy", "--select-blueprint", "api.v1"), 1),
        (("--fail-on", "easy", "--select-blueprint", "api"), 1),  # api.v1 is nested in api
        (("--fail-on", "medium", "--select-blueprint", "shop"), 1),
        (("--fail-on", "hard", "--select-blueprint", "shop"), 0),
        (("--fail-on", "hard", "--select-blueprint", "shop", "--select-blueprint", "api"), 0),
        (("--fail-on-score", "5", "--select-blueprint", "api.v1"), 1),
        (("--fail-on-score", "6", "--select-blueprint", "api.v1"), 0),
    ],
)
def test_fail_on_exit_status(project: Path, capsys, args: tuple[str, ...], status: int) -> None:
    got, out, err = run(capsys, str(project), "--format", "json", *args)
    assert got == status
    assert json.loads(out)["routes"]  # the report is written either way
    assert (err != "") == (status == 1)


def test_fail_on_names_the_routes_on_stderr(project: Path, capsys) -> None:
    status, _, err = run(capsys, str(project), "--fail-on", "medium")
    assert status == 1
    assert (
        err == "migrate: 2 route(s) at or above level medium: ws (14 hard), shop.cart (9 medium)\n"
    )


def test_static_rules_never_fail_the_gate(tmp_path: Path, monkeypatch, capsys) -> None:
    (tmp_path / ".git").mkdir()
    only_static = sample_inventory([route("/static/<path:f>", "static", kind="static")])
    monkeypatch.setattr(scan_command, "scan_paths", lambda paths, options: only_static)
    assert run(capsys, str(tmp_path), "--fail-on", "trivial")[0] == 0
    with_view: Inventory = sample_inventory([route("/x", "x")])
    monkeypatch.setattr(scan_command, "scan_paths", lambda paths, options: with_view)
    assert run(capsys, str(tmp_path), "--fail-on", "trivial")[0] == 1


def test_unknown_blueprint_is_a_usage_error(project: Path, capsys) -> None:
    status, out, err = run(capsys, str(project), "--fail-on", "hard", "--select-blueprint", "v1")
    assert (status, out) == (2, "")
    assert err == "migrate: error: no blueprint named 'v1'; close matches: api.v1\n"


def test_bad_fail_on_level_is_a_usage_error(project: Path, capsys) -> None:
    status, _, err = run(capsys, str(project), "--fail-on", "impossible")
    assert status == 2
    assert len(err.splitlines()) == 1


def test_real_cli_on_the_sample_app(tmp_path: Path) -> None:
    command = [sys.executable, "-c", "import sys; from migrate.cli import main; sys.exit(main())"]
    app = str(REPO / "sample_flask_app")

    def scan(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*command, "scan", app, *args],
            capture_output=True,
            text=True,
            cwd=tmp_path,
            timeout=120,
        )

    failing = scan("--fail-on", "trivial", "--format", "sarif")
    assert failing.returncode == 1
    assert json.loads(failing.stdout)["version"] == "2.1.0"
    assert failing.stderr.startswith("migrate: ") and len(failing.stderr.splitlines()) == 1
    passing = scan("--fail-on-score", "100000", "--format", "markdown")
    assert passing.returncode == 0, passing.stderr
    assert passing.stdout.startswith("# Migration readiness")
    detail = scan("--route", "api.v1.book")
    assert detail.returncode == 0
    assert detail.stdout.startswith("api.v1.book  /api/v1/books/<int:book_id>\n")
