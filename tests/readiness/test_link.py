"""Readiness link step: facts reach a route through helpers, hooks and decorators."""

from __future__ import annotations

import textwrap
from collections.abc import Iterable
from concurrent.futures import wait
from pathlib import Path
from typing import Any

import pytest

from migrate.model import Inventory, Route
from migrate.scan import ScanOptions, pipeline, scan_paths
from migrate.scan.pipeline import Stats

TREE = {
    "app/__init__.py": """
        from flask import Flask
        from .views import shop, admin, reports

        def create_app():
            app = Flask(__name__)
            shop.register_blueprint(reports, url_prefix="/reports")
            app.register_blueprint(shop, url_prefix="/shop")
            app.register_blueprint(admin, url_prefix="/admin")
            return app
    """,
    "app/helpers.py": """
        from flask import request
        from .deep import page_size

        def paging():
            page = request.args.get("page", 1, type=int)
            return page, page_size()
    """,
    "app/deep.py": """
        from flask import request

        def page_size():
            return request.args.get("size", 20, type=int)

        def check(payload, *, strict=False):
            title = payload["title"]
            tags = payload.get("tags", [])
            return {"title": title, "tags": tags}
    """,
    "app/auth.py": """
        import functools
        from flask import request

        def token_required(view):
            @functools.wraps(view)
            def wrapper(*args, **kwargs):
                token = request.headers.get("X-Token")
                return view(*args, **kwargs)
            return wrapper
    """,
    "app/views.py": """
        from flask import Blueprint, request
        from . import helpers
        from .auth import token_required

        shop = Blueprint("shop", __name__)
        admin = Blueprint("admin", __name__)
        reports = Blueprint("reports", __name__)

        @shop.before_request
        def load_cart():
            request.cookies.get("cart")

        @admin.after_request
        def no_cache(response):
            return response

        @shop.get("/items")
        def items():
            return {"items": helpers.paging()}

        @admin.get("/stats")
        @token_required
        def stats():
            return {}

        @reports.get("/daily")
        def daily():
            return {}

        @shop.post("/items")
        def create_item():
            from .deep import check
            item = check(request.get_json(), strict=True)
            return item, 201
    """,
}


def write(root: Path) -> Path:
    for rel, text in TREE.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return root


@pytest.fixture(scope="module")
def inventory(tmp_path_factory: pytest.TempPathFactory) -> Inventory:
    return scan_paths([write(tmp_path_factory.mktemp("tree"))])


def test_detection_in_waves_reads_what_one_file_at_a_time_reads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The link asks for helpers.py and auth.py in one pass (detected together, in
    the workers), then deep.py; the result is the one-file-at-a-time result."""
    root = write(tmp_path)
    stats = Stats()
    waved = scan_paths([root], ScanOptions(jobs=2, stats=stats))
    assert stats.detected == 4 and stats.detect_jobs == 2
    monkeypatch.setattr(pipeline.Detections, "in_waves", lambda self, run: run(self.ensure))
    one_at_a_time = Stats()
    assert scan_paths([root], ScanOptions(jobs=2, stats=one_at_a_time)) == waved
    assert one_at_a_time.detected == 4


def test_detection_ahead_of_the_readiness_link_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the workers running, the files of the views and hooks the link finds,
    and those a readiness pass lacks, are detected in the workers while this
    process goes on (`Detections.speculate`); the inventory is the one-process one.
    (Each wave here first lets the workers finish what they started: one they
    have not started is shared out with the rest, which would make the count
    depend on timing.)"""
    prefetch = pipeline.Detections.prefetch

    def settled(self: pipeline.Detections, rels: Iterable[str]) -> None:
        wait([future for _, future in self.ahead.values()])
        prefetch(self, rels)

    monkeypatch.setattr(pipeline.Detections, "prefetch", settled)
    root = write(tmp_path)
    ahead, alone = Stats(), Stats()
    got = scan_paths([root], ScanOptions(jobs=2, stats=ahead))
    assert got == scan_paths([root], ScanOptions(jobs=1, stats=alone))
    assert ahead.ahead == ahead.detected == alone.detected == 4 and alone.ahead == 0


def test_a_re_link_reads_cached_detector_output_in_one_pass(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When the cache holds every file's detector output, the readiness link reads
    it as it goes: one pass, not one per wave of helpers (`_ensure_or_note`)."""
    root = write(tmp_path / "src")
    store = tmp_path / "cache"
    first = scan_paths([root], ScanOptions(jobs=1, cache_dir=store))
    passes: list[int] = []
    in_waves = pipeline.Detections.in_waves

    def counted(self: pipeline.Detections, run: Any) -> Any:
        def one(ensure: Any) -> Any:
            passes.append(1)
            return run(ensure)

        return in_waves(self, one)

    monkeypatch.setattr(pipeline.Detections, "in_waves", counted)
    assert scan_paths([root], ScanOptions(jobs=1, cache_dir=store)) == first
    assert len(passes) == 1
    passes.clear()
    assert scan_paths([root], ScanOptions(jobs=1)) == first
    assert len(passes) > 1  # without the cache, the helpers come in waves


def route(inventory: Inventory, endpoint: str) -> Route:
    (found,) = [r for r in inventory.routes if r.endpoint == endpoint]
    return found


def test_helper_facts_followed_across_modules_two_calls_deep(inventory: Inventory) -> None:
    facts = {(f.name, dict(f.data).get("key"), f.via) for f in route(inventory, "shop.items").facts}
    assert ("request.args", "page", ("app.helpers.paging",)) in facts
    assert ("request.args", "size", ("app.helpers.paging", "app.deep.page_size")) in facts


def test_json_body_followed_into_the_helper_it_is_passed_to(inventory: Inventory) -> None:
    facts = {
        (dict(f.data).get("key"), dict(f.data).get("required"), f.via)
        for f in route(inventory, "shop.create_item").facts
        if f.name == "request.json" and dict(f.data).get("key")
    }
    assert facts == {
        ("title", True, ("app.deep.check",)),
        ("tags", False, ("app.deep.check",)),
    }
    # parameter reads of helpers that do not receive the body are not request facts
    assert not [f for r in inventory.routes for f in r.facts if f.kind in ("param-key", "json-arg")]


def test_blueprint_hook_does_not_leak_to_another_blueprint(inventory: Inventory) -> None:
    shop_hooks = {(h.kind, h.scope) for h in route(inventory, "shop.items").hooks}
    admin_hooks = {(h.kind, h.scope) for h in route(inventory, "admin.stats").hooks}
    assert ("before_request", "shop") in shop_hooks
    assert ("before_request", "shop") not in admin_hooks
    assert ("after_request", "admin") in admin_hooks
    assert ("after_request", "admin") not in shop_hooks


def test_nested_blueprint_inherits_parent_hooks(inventory: Inventory) -> None:
    daily = route(inventory, "shop.reports.daily")
    assert daily.rule == "/shop/reports/daily"
    hooks = {(h.kind, h.scope, h.function) for h in daily.hooks}
    assert ("before_request", "shop", "app.views.load_cart") in hooks
    (hook,) = [h for h in daily.hooks if h.function == "app.views.load_cart"]
    assert [(f.name, dict(f.data).get("key")) for f in hook.facts] == [("request.cookies", "cart")]


def test_decorator_defined_in_another_module(inventory: Inventory) -> None:
    stats = route(inventory, "admin.stats")
    assert [(d.name, d.file, d.line) for d in stats.decorators] == [
        ("token_required", "app/auth.py", 5)
    ]
    (decorator,) = stats.decorators
    assert [(f.name, dict(f.data).get("key")) for f in decorator.facts] == [
        ("request.headers", "X-Token")
    ]
    assert any(r.text.startswith("auth decorator token_required") for r in stats.reasons)


def test_score_is_the_sum_of_its_reasons(inventory: Inventory) -> None:
    for r in inventory.routes:
        assert r.score == sum(reason.points for reason in r.reasons)
    stats = route(inventory, "admin.stats")
    assert [(r.points, r.text.split(":")[0]) for r in stats.reasons][:1] == [
        (3, "auth decorator token_required (app/auth.py")
    ]
