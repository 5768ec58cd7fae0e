"""The normalisation rules of migrate.verify.compare, one by one (both directions)."""

from __future__ import annotations

import json

import pytest

from migrate.verify.compare import CapturedResponse, CompareOptions, compare


def json_response(body, status=200, content_type="application/json", **headers):
    pairs = [
        ("content-type", content_type),
        *((k.replace("_", "-"), v) for k, v in headers.items()),
    ]
    return CapturedResponse(status, tuple(pairs), json.dumps(body).encode())


def where(legacy, native, options=None):
    return [d.where for d in compare(legacy, native, options).differences]


def test_identical_json_whatever_the_key_order_and_spacing():
    legacy = CapturedResponse(
        200, (("content-type", "application/json"),), b'{"a": 1, "b": [1, 2]}'
    )
    native = CapturedResponse(200, (("content-type", "application/json"),), b'{"b":[1,2],"a":1}')
    result = compare(legacy, native)
    assert result.identical
    assert result.diff == ""


def test_status_difference_is_reported():
    assert where(json_response({}, 400), json_response({}, 422)) == ["status"]


@pytest.mark.parametrize(
    ("legacy", "native", "equal"),
    [
        pytest.param({"price": 18}, {"price": 18.0}, True, id="int-equals-integral-float"),
        pytest.param({"n": True}, {"n": 1}, False, id="true-is-not-1"),
        pytest.param({"n": None}, {}, False, id="null-is-not-missing"),
        pytest.param([1, 2], [2, 1], False, id="array-order-matters"),
        pytest.param({"n": "1"}, {"n": 1}, False, id="string-is-not-number"),
    ],
)
def test_json_values_compared_structurally(legacy, native, equal):
    assert compare(json_response(legacy), json_response(native)).identical is equal


def test_json_difference_names_the_path_and_both_values():
    legacy = json_response({"books": [{"id": 1, "title": "Dune"}], "query": "d"})
    native = json_response({"books": [{"id": 1, "title": "Emma"}]})
    differences = {d.where: (d.legacy, d.native) for d in compare(legacy, native).differences}
    assert differences == {
        "body $.books[0].title": ('"Dune"', '"Emma"'),
        "body $.query": ('"d"', "(missing)"),
    }


def test_unified_diff_of_normalised_json():
    diff = compare(json_response({"a": 1, "b": 2}), json_response({"b": 3, "a": 1})).diff
    assert diff.splitlines()[:2] == ["--- legacy", "+++ native"]
    assert '-  "b": 2' in diff and '+  "b": 3' in diff


@pytest.mark.parametrize(
    ("pattern", "identical"),
    [
        pytest.param("created", True, id="bare-name-any-depth"),
        pytest.param("items.*.created", True, id="dotted-path-with-star"),
        pytest.param("items.0.created", True, id="dotted-path-with-index"),
        pytest.param("created.items", False, id="dotted-path-is-anchored"),
        pytest.param("item", False, id="bare-name-is-exact"),
    ],
)
def test_ignore_fields(pattern, identical):
    legacy = json_response({"items": [{"id": 1, "created": "2024-01-01"}]})
    native = json_response({"items": [{"id": 1, "created": "2025-06-30"}]})
    options = CompareOptions(ignore_fields=(pattern,))
    assert compare(legacy, native, options).identical is identical


def test_ignored_field_may_be_missing_on_one_side():
    options = CompareOptions(ignore_fields=("request_id",))
    assert compare(
        json_response({"a": 1, "request_id": "x"}), json_response({"a": 1}), options
    ).identical


@pytest.mark.parametrize(
    ("legacy", "native", "equal"),
    [
        ("application/json", "application/json; charset=utf-8", True),
        ("application/problem+json", "application/problem+json; charset=UTF-8", True),
        ("text/html; charset=utf-8", "Text/HTML;charset=UTF-8", True),
        ("text/html; charset=utf-8", "text/html", False),
        (
            "text/plain; charset=utf-8; format=flowed",
            "text/plain; format=flowed; charset=utf-8",
            True,
        ),
        ("application/json", "text/plain", False),
    ],
)
def test_content_type_normalisation(legacy, native, equal):
    a = CapturedResponse(200, (("content-type", legacy),), b"")
    b = CapturedResponse(200, (("content-type", native),), b"")
    assert ("header content-type" not in where(a, b)) is equal


@pytest.mark.parametrize(
    ("legacy", "native", "equal"),
    [
        ("/shop/books/", "http://localhost/shop/books/", True),
        ("books/2", "/shop/books/2", True),  # relative to the request URL /shop/cart
        ("/shop/books/", "/shop/books", False),
    ],
)
def test_location_resolved_against_the_request_url(legacy, native, equal):
    a = CapturedResponse(302, (("location", legacy),))
    b = CapturedResponse(302, (("location", native),))
    result = compare(a, b, url="http://localhost/shop/cart")
    assert result.identical is equal


def test_set_cookie_compares_names_only():
    a = CapturedResponse(
        200, (("set-cookie", "session=abc; HttpOnly; Path=/"), ("set-cookie", "x=1"))
    )
    same_names = CapturedResponse(
        200, (("set-cookie", "x=2"), ("set-cookie", "session=zzz; Path=/"))
    )
    other = CapturedResponse(200, (("set-cookie", "session=abc; HttpOnly; Path=/"),))
    assert compare(a, same_names).identical
    assert where(a, other) == ["header set-cookie"]


def test_cache_headers_compare_tokens_or_presence():
    a = CapturedResponse(
        200, (("cache-control", "no-cache, Private"), ("vary", "Cookie"), ("etag", '"1"'))
    )
    b = CapturedResponse(
        200, (("cache-control", "private,no-cache"), ("vary", "cookie"), ("etag", '"2"'))
    )
    assert compare(a, b).identical
    c = CapturedResponse(200, (("cache-control", "no-cache, Private"), ("etag", '"1"')))
    assert where(a, c) == ["header vary"]


def test_headers_outside_the_set_are_ignored_unless_asked():
    a = CapturedResponse(200, (("x-request-id", "1"), ("date", "Mon")))
    b = CapturedResponse(200, (("x-request-id", "2"),))
    assert compare(a, b).identical
    options = CompareOptions().with_headers(add=["X-Request-ID"], drop=["vary"])
    assert where(a, b, options) == ["header x-request-id"]
    assert "vary" not in options.headers


def test_text_bodies_ignore_line_endings_and_trailing_whitespace():
    a = CapturedResponse(200, (("content-type", "text/plain"),), b"line 1\r\nline 2\r\n")
    b = CapturedResponse(200, (("content-type", "text/plain"),), b"line 1\nline 2")
    c = CapturedResponse(200, (("content-type", "text/plain"),), b"line 1\nline 3")
    assert compare(a, b).identical
    result = compare(a, c)
    assert [d.where for d in result.differences] == ["body"]
    assert "-line 2" in result.diff and "+line 3" in result.diff


def test_binary_bodies_compare_bytes_and_show_a_digest():
    a = CapturedResponse(200, (("content-type", "image/png"),), b"\x89PNG1")
    b = CapturedResponse(200, (("content-type", "image/png"),), b"\x89PNG2")
    assert compare(a, a).identical
    (difference,) = compare(a, b).differences
    assert difference.legacy.startswith("5 bytes, sha256 ")


def test_json_that_does_not_parse_is_compared_as_text():
    a = CapturedResponse(200, (("content-type", "application/json"),), b"{oops")
    b = CapturedResponse(200, (("content-type", "application/json"),), b"{oops}")
    assert where(a, b) == ["body"]
