"""Requests generated from the scan facts of sample_flask_app (no traffic needed)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from migrate.model import Fact, Inventory, Route, View
from migrate.scan import ScanOptions, scan_paths
from migrate.verify.cases import generate_requests
from migrate.verify.target import Migration

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def inventory():
    return scan_paths([ROOT / "sample_flask_app"], ScanOptions())


def migration(endpoint, rule, method="GET"):
    return Migration(endpoint, rule, method, "", "", re.compile(""))


def cases(inventory, endpoint, rule, method="GET", **path_values):
    requests = generate_requests([migration(endpoint, rule, method)], inventory, path_values)
    return {r.label: r for r in requests}


def test_query_keys_typed_and_repeated(inventory):
    found = cases(inventory, "api.v1.search_books", "/api/v1/search")
    assert {label: r.target for label, r in found.items()} == {
        "valid": "/api/v1/search",
        "all query keys": "/api/v1/search?q=a&limit=1",
        "wrong type for 'limit'": "/api/v1/search?q=a&limit=abc",
        "repeated 'q'": "/api/v1/search?q=a&limit=1&q=a2",
    }
    assert all(r.endpoint == "api.v1.search_books" and r.method == "GET" for r in found.values())


def test_path_parameters_valid_unknown_and_wrong_type(inventory):
    found = cases(inventory, "api.v1.book", "/api/v1/books/<int:book_id>")
    assert {label: r.path for label, r in found.items()} == {
        "valid": "/api/v1/books/1",
        "unknown book_id=999999": "/api/v1/books/999999",
        "wrong type for book_id=abc": "/api/v1/books/abc",
    }


def test_path_value_override(inventory):
    found = cases(inventory, "api.v1.book", "/api/v1/books/<int:book_id>", book_id="2")
    assert found["valid"].path == "/api/v1/books/2"


def test_fixed_length_string_gets_a_too_long_value(inventory):
    found = cases(
        inventory, "api.v1.books_by_language", "/api/v1/books/lang/<string(length=2):lang>"
    )
    assert found["valid"].path == "/api/v1/books/lang/aa"
    assert found["wrong type for lang=aaa"].path == "/api/v1/books/lang/aaa"


def fact(source, key=None, **data):
    pairs = {"source": source, **({"key": key} if key else {}), **data}
    return Fact("request", f"request.{source}", "", "views.py", 1, tuple(sorted(pairs.items())))


def route_with(rule, method, *facts):
    """A one-route inventory with the given request facts (what the scan would find)."""
    view = View("view", "views.py", 1)
    return Inventory(".", 1, routes=(Route(rule, (method,), "e", "app", None, view, facts=facts),))


def test_json_body_required_key_missing_and_malformed():
    inventory = route_with(
        "/users/<int:user_id>",
        "PATCH",
        fact("json", "is_admin", required=True, type="bool"),
        fact("json", "note", default="", required=False),
    )
    found = cases(inventory, "e", "/users/<int:user_id>", "PATCH")
    bodies = {label: r.body for label, r in found.items()}
    assert bodies == {
        "valid": b'{"is_admin": true, "note": "a"}',
        "unknown user_id=999999": b'{"is_admin": true, "note": "a"}',
        "wrong type for user_id=abc": b'{"is_admin": true, "note": "a"}',
        "missing 'is_admin'": b'{"note": "a"}',
        "wrong type for 'is_admin'": b'{"is_admin": "abc", "note": "a"}',
        "unknown key": b'{"is_admin": true, "note": "a", "unexpected": 1}',
        "empty object": b"{}",
        "array instead of object": b"[]",
        "invalid JSON": b"{not json",
        "no body": b"",
    }
    assert found["valid"].header("content-type") == "application/json"
    assert found["no body"].header("content-type") is None


def test_whole_body_json_without_known_keys():
    found = cases(route_with("/books", "POST", fact("json", silent=False)), "e", "/books", "POST")
    assert {label: r.body for label, r in found.items()} == {
        "valid": b"{}",
        "unknown key": b'{"unexpected": 1}',
        "array instead of object": b"[]",
        "invalid JSON": b"{not json",
        "no body": b"",
    }


def test_form_fields_missing_one_by_one():
    inventory = route_with(
        "/login",
        "POST",
        fact("form", "username", required=True),
        fact("form", "password", required=True),
        fact("form", "remember", default=0, type="int", required=False),
        fact("args", "next", default="", required=False),
    )
    found = cases(inventory, "e", "/login", "POST")
    assert found["valid"].body == b"username=a&password=a&remember=1"
    assert found["valid"].header("content-type") == "application/x-www-form-urlencoded"
    assert found["missing 'username'"].body == b"password=a&remember=1"
    assert found["missing 'password'"].body == b"username=a&remember=1"
    assert found["wrong type for 'remember'"].body == b"username=a&password=a&remember=abc"
    assert found["all query keys"].query == "next=a"
    assert found["no body"].body == b""


def test_file_upload_as_multipart():
    inventory = route_with("/cover", "POST", fact("files", "file", required=True))
    found = cases(inventory, "e", "/cover", "POST")
    valid = found["valid"]
    assert valid.header("content-type").startswith("multipart/form-data; boundary=")
    assert b'name="file"; filename="sample.txt"' in valid.body
    assert b'name="file"' not in found["missing file 'file'"].body


def test_required_header_sent_and_then_left_out():
    found = cases(route_with("/h", "GET", fact("headers", "X-Token", required=True)), "e", "/h")
    assert found["valid"].header("x-token") == "a"
    assert found["missing header 'X-Token'"].header("x-token") is None


def test_facts_of_a_class_based_view_apply_to_their_method_only():
    view = View("BookAPI", "views.py", 1)
    get = Fact(
        "request",
        "request.args",
        "",
        "v.py",
        1,
        (("key", "page"), ("source", "args")),
        function="BookAPI.get",
    )
    inventory = Inventory(
        ".",
        1,
        routes=(
            Route("/b", ("GET", "PUT"), "e", "app", None, view, kind="method_view", facts=(get,)),
        ),
    )
    assert "all query keys" in cases(inventory, "e", "/b", "GET")
    assert "all query keys" not in cases(inventory, "e", "/b", "PUT")


def test_no_inventory_still_covers_the_path(inventory):
    requests = generate_requests([migration("api.v1.book", "/api/v1/books/<int:book_id>")], None)
    assert [r.path for r in requests] == [
        "/api/v1/books/1",
        "/api/v1/books/999999",
        "/api/v1/books/abc",
    ]


def test_generation_is_deterministic_and_deduplicated(inventory):
    migrations = [
        migration("api.v1.search_books", "/api/v1/search"),
        migration("api.v1.search_books", "/api/v1/search"),
    ]
    first = generate_requests(migrations, inventory)
    assert first == generate_requests(migrations, inventory)
    assert len(first) == len({(r.method, r.target, r.body) for r in first}) == 4
