from __future__ import annotations

import pytest
from detector_run import facts, lines


@pytest.mark.parametrize(
    "source",
    (
        pytest.param(
            """\
            def jsonify(value):
                return value

            def view():
                return jsonify({"a": 1})
            """,
            id="a local function named jsonify",
        ),
        pytest.param(
            """\
            from flask import jsonify

            def view(jsonify):
                return jsonify({"a": 1})
            """,
            id="flask's jsonify shadowed by a parameter",
        ),
        pytest.param(
            """\
            from flask import abort, render_template

            def split(pair):
                return pair[0], pair[1]

            render_template("module level.html")
            """,
            id="a plain tuple and module-level code",
        ),
    ),
)
def test_noop(source: str) -> None:
    assert facts(source, "responses") == []


@pytest.mark.parametrize(
    ("source", "expected"),
    (
        pytest.param(
            """\
            from flask import jsonify as j

            def view():
                return j({"id": 1, "title": t, **rest}), 201
            """,
            [
                ("view", "tuple", {"status": 201, "headers": False}),
                ("view", "jsonify", {"keys": ("id", "title")}),
            ],
            id="aliased jsonify of a dict literal with a status",
        ),
        pytest.param(
            """\
            import flask

            def view():
                return flask.jsonify(ok=True, count=n)
            """,
            [("view", "jsonify", {"keys": ("ok", "count")})],
            id="flask.jsonify with keywords",
        ),
        pytest.param(
            """\
            from http import HTTPStatus

            def view():
                return {"a": 1, "b": 2}, HTTPStatus.CREATED, {"X-Id": "1"}
            """,
            [
                ("view", "tuple", {"status": 201, "headers": True}),
                ("view", "dict", {"keys": ("a", "b")}),
            ],
            id="dict literal in a 3-tuple with an HTTPStatus",
        ),
        pytest.param(
            """\
            def view():
                return [item.to_dict() for item in items]
            """,
            [("view", "list", {})],
            id="list comprehension",
        ),
        pytest.param(
            """\
            from flask import make_response, Response

            def view():
                resp = make_response(body, 202)
                return Response("a,b", mimetype="text/csv", status=200)
            """,
            [
                ("view", "make_response", {"status": 202}),
                ("view", "Response", {"mimetype": "text/csv", "status": 200}),
            ],
            id="make_response and Response",
        ),
        pytest.param(
            """\
            from werkzeug.wrappers import Response

            def view():
                return Response("x")
            """,
            [("view", "Response", {})],
            id="werkzeug Response",
        ),
        pytest.param(
            """\
            from flask import Response
            import json

            def view():
                return Response(json.dumps({}), mimetype="application/json")
            """,
            [("view", "Response", {"mimetype": "application/json"})],
            id="Response around a call that does not yield",
        ),
        pytest.param(
            """\
            from flask import render_template

            def view():
                return render_template("posts/index.html", posts=posts)
            """,
            [("view", "render_template", {"template": "posts/index.html"})],
            id="render_template",
        ),
        pytest.param(
            """\
            from flask import redirect, url_for

            def view():
                if a:
                    return redirect(url_for("auth.login"))
                return redirect("/elsewhere", code=301)
            """,
            [
                ("view", "redirect", {"endpoint": "auth.login"}),
                ("view", "redirect", {"location": "/elsewhere", "status": 301}),
            ],
            id="redirect to an endpoint and to a location",
        ),
        pytest.param(
            """\
            from flask import send_file, send_from_directory

            def view():
                if a:
                    return send_file(path, mimetype="application/pdf", as_attachment=True)
                return send_from_directory("uploads", name)
            """,
            [
                ("view", "send_file", {"mimetype": "application/pdf", "as_attachment": True}),
                ("view", "send_from_directory", {}),
            ],
            id="send_file and send_from_directory",
        ),
        pytest.param(
            """\
            from flask import abort
            from werkzeug.exceptions import abort as wabort
            import http

            def view():
                abort(404)
                wabort(http.HTTPStatus.FORBIDDEN)
                abort(code)
            """,
            [
                ("view", "abort", {"status": 404}),
                ("view", "abort", {"status": 403}),
                ("view", "abort", {}),
            ],
            id="abort with literal, HTTPStatus and computed codes",
        ),
        pytest.param(
            """\
            from flask import Response, stream_with_context

            def view():
                def generate():
                    yield "a"
                    yield "b"
                return Response(stream_with_context(generate()))
            """,
            [
                ("view.<locals>.generate", "stream", {}),
                ("view", "Response", {}),
                ("view", "stream", {}),
            ],
            id="stream_with_context",
        ),
        pytest.param(
            """\
            from flask import Response

            def view():
                return Response(rows(), mimetype="text/csv")

            def rows():
                yield from range(3)
            """,
            [
                ("view", "Response", {"mimetype": "text/csv"}),
                ("view", "stream", {"generator": "rows"}),
                ("rows", "stream", {}),
            ],
            id="Response around a generator defined later",
        ),
        pytest.param(
            """\
            from flask import Response

            def view():
                return Response(events(), mimetype="text/event-stream")
            """,
            [
                ("view", "stream", {}),
                ("view", "Response", {"mimetype": "text/event-stream"}),
            ],
            id="server-sent events",
        ),
        pytest.param(
            """\
            def view():
                return (line for line in open("log"))
            """,
            [("view", "stream", {})],
            id="a returned generator expression",
        ),
    ),
)
def test_facts(source: str, expected: list[object]) -> None:
    assert facts(source, "responses") == expected


def test_yield_counts_once_per_function() -> None:
    source = """\
    def view():
        yield "a"
        yield "b"
    """
    assert facts(source, "responses") == [("view", "stream", {})]


def test_lines() -> None:
    source = """\
    from flask import jsonify, abort

    def view():
        abort(400)
        return (
            jsonify(a=1),
            201,
        )
    """
    assert lines(source, "responses") == [
        ("view", "abort", 4),
        ("view", "tuple", 5),
        ("view", "jsonify", 5),
    ]
