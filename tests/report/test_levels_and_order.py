"""Difficulty levels and the suggested migration order."""

from __future__ import annotations

import random

import pytest
from report_factory import LOAD_USER, SHOP_HOOK, fact, route, sample_inventory

from migrate.model import Hook
from migrate.report.levels import LEVELS, floor, level, ranges
from migrate.report.order import is_read_only_json, migration_order


@pytest.mark.parametrize(
    ("score", "word"),
    [
        (-1, "trivial"),
        (0, "trivial"),
        (2, "trivial"),
        (3, "easy"),
        (6, "easy"),
        (7, "medium"),
        (12, "medium"),
        (13, "hard"),
        (400, "hard"),
    ],
)
def test_level_thresholds(score: int, word: str) -> None:
    assert level(score) == word


def test_ranges_and_floors_agree_with_level() -> None:
    assert list(ranges()) == list(LEVELS)
    for word, (low, high) in ranges().items():
        assert floor(word) == low
        assert level(low) == word
        if high is not None:
            assert level(high) == word
            assert level(high + 1) != word
    assert ranges()["hard"] == (13, None)


JSON = fact("response", "jsonify", "v.py", 3)


def test_static_routes_are_not_in_the_order() -> None:
    order = migration_order(sample_inventory())
    assert "static" not in [r.endpoint for r in order]
    assert len(order) == 5


def test_lower_level_first() -> None:
    routes = [
        route("/hard", "hard", score=20),
        route("/medium", "medium", score=8),
        route("/trivial", "trivial", score=1),
        route("/easy", "easy", score=4),
    ]
    order = migration_order(sample_inventory(routes))
    assert [r.endpoint for r in order] == ["trivial", "easy", "medium", "hard"]


def test_read_only_json_endpoint_first_within_its_level() -> None:
    routes = [
        route("/form", "form", methods=("POST",), score=3),
        route("/list", "list", score=6, facts=(JSON,)),
    ]
    order = migration_order(sample_inventory(routes))
    assert [r.endpoint for r in order] == ["list", "form"]


def test_read_only_json_does_not_jump_a_level() -> None:
    routes = [
        route("/list", "list", score=7, facts=(JSON,)),
        route("/form", "form", methods=("POST",), score=6),
    ]
    assert [r.endpoint for r in migration_order(sample_inventory(routes))] == ["form", "list"]


@pytest.mark.parametrize(
    ("methods", "facts", "expected"),
    [
        (("GET",), (JSON,), True),
        (("GET", "HEAD"), (fact("response", "dict", "v.py", 3),), True),
        (("GET", "POST"), (JSON,), False),
        (("GET",), (fact("response", "render_template", "v.py", 3),), False),
        (("GET",), (JSON, fact("context", "g.user", "v.py", 4, access="write")), False),
        (("GET",), (JSON, fact("context", "session", "v.py", 4, access="read")), True),
    ],
)
def test_is_read_only_json(methods: tuple[str, ...], facts: tuple, expected: bool) -> None:
    assert is_read_only_json(route("/x", "x", methods=methods, facts=facts)) is expected


def test_routes_sharing_hooks_are_grouped_within_a_level() -> None:
    other = Hook("before_request", "api", "api.check_key", "api.py", 3)
    routes = [
        route("/a", "a", score=3, hooks=(LOAD_USER,)),
        route("/b", "b", score=4, hooks=(other,)),
        route("/c", "c", score=5, hooks=(LOAD_USER,)),
        route("/d", "d", score=6, hooks=(other,)),
    ]
    order = [r.endpoint for r in migration_order(sample_inventory(routes))]
    assert order == ["a", "c", "b", "d"]


def test_hook_order_within_a_route_does_not_split_a_group() -> None:
    routes = [
        route("/a", "a", score=3, hooks=(LOAD_USER, SHOP_HOOK)),
        route("/b", "b", score=4),
        route("/c", "c", score=5, hooks=(SHOP_HOOK, LOAD_USER)),
    ]
    order = [r.endpoint for r in migration_order(sample_inventory(routes))]
    assert order == ["a", "c", "b"]


def test_order_is_deterministic_and_breaks_ties_by_rule_then_endpoint() -> None:
    routes = [
        route("/b", "z", score=4),
        route("/a", "y", score=4),
        route("/b", "x", score=4),
        route("/a", "w", score=4),
    ]
    expected = ["w", "y", "x", "z"]
    for seed in range(5):
        shuffled = list(routes)
        random.Random(seed).shuffle(shuffled)
        order = migration_order(sample_inventory(shuffled))
        assert [r.endpoint for r in order] == expected
