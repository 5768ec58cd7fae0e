from __future__ import annotations

import pytest
from detector_run import facts, lines


@pytest.mark.parametrize(
    "source",
    (
        pytest.param(
            """\
            def view():
                g = {}
                g["user"] = 1
                return g.get("user")
            """,
            id="g as a local variable, flask not imported",
        ),
        pytest.param(
            """\
            from flask import g, session

            def view(g, session):
                g.user = 1
                session["x"] = 2
                return session.get("x")
            """,
            id="g and session shadowed by parameters",
        ),
        pytest.param(
            """\
            from flask import g, current_app

            def view():
                users = [g.name for g in groups]
                for current_app in apps:
                    current_app.config["X"]
            """,
            id="comprehension and loop targets",
        ),
        pytest.param(
            """\
            from flask import request, g

            g.boot = True

            def view():
                return request.args.get("page"), request.get_json(), request.json
            """,
            id="module level and request data left to request_data",
        ),
    ),
)
def test_noop(source: str) -> None:
    assert facts(source, "flask_context") == []


@pytest.mark.parametrize(
    ("source", "expected"),
    (
        pytest.param(
            """\
            from flask import g

            def view():
                g.user = load()
                g.count += 1
                name = g.user.name
                del g.tmp
            """,
            [
                ("view", "g.user", {"attr": "user", "access": "write"}),
                ("view", "g.count", {"attr": "count", "access": "write"}),
                ("view", "g.user", {"attr": "user", "access": "read"}),
                ("view", "g.tmp", {"attr": "tmp", "access": "write"}),
            ],
            id="g attributes written and read",
        ),
        pytest.param(
            """\
            import flask

            def view():
                db = flask.g.get("db")
                flask.g.pop("db", None)
                getattr(flask.g, "user", None)
                setattr(flask.g, "user", u)
                if "lang" not in flask.g:
                    pass
                getattr(flask.g, name)
            """,
            [
                ("view", "g.db", {"attr": "db", "access": "read"}),
                ("view", "g.db", {"attr": "db", "access": "write"}),
                ("view", "g.user", {"attr": "user", "access": "read"}),
                ("view", "g.user", {"attr": "user", "access": "write"}),
                ("view", "g.lang", {"attr": "lang", "access": "read"}),
                ("view", "g.*", {"access": "read"}),
            ],
            id="g through get, pop, getattr, setattr, in, and a computed name",
        ),
        pytest.param(
            """\
            from flask import session

            def view():
                session["user_id"] = user.id
                uid = session["user_id"]
                cart = session.get("cart", [])
                session.pop("cart", None)
                if "seen" in session:
                    session.clear()
                session.permanent = True
            """,
            [
                ("view", "session", {"key": "user_id", "access": "write"}),
                ("view", "session", {"key": "user_id", "access": "read"}),
                ("view", "session", {"key": "cart", "access": "read"}),
                ("view", "session", {"key": "cart", "access": "write"}),
                ("view", "session", {"key": "seen", "access": "read"}),
                ("view", "session", {"access": "write"}),
                ("view", "session", {"attr": "permanent", "access": "write"}),
            ],
            id="session keys",
        ),
        pytest.param(
            """\
            from flask import current_app as app_

            def view():
                app_.logger.info("hi")
                secret = app_.config["SECRET_KEY"]
                debug = app_.config.get("DEBUG")
                send(app_)
            """,
            [
                ("view", "current_app", {"attr": "logger"}),
                ("view", "current_app", {"attr": "config", "key": "SECRET_KEY"}),
                ("view", "current_app", {"attr": "config", "key": "DEBUG"}),
                ("view", "current_app", {}),
            ],
            id="current_app attributes, config keys and the proxy passed on",
        ),
        pytest.param(
            """\
            from flask_login import current_user

            def view():
                if not current_user.is_authenticated:
                    return None
                post = Post(author=current_user)
            """,
            [
                ("view", "current_user", {"attr": "is_authenticated"}),
                ("view", "current_user", {}),
            ],
            id="flask_login current_user",
        ),
        pytest.param(
            """\
            from flask import flash, url_for, redirect

            def view():
                flash("Saved", "success")
                flash(message)
                return redirect(url_for("main.index"))
            """,
            [
                ("view", "flash", {"category": "success"}),
                ("view", "flash", {"category": "message"}),
                ("view", "url_for", {"endpoint": "main.index"}),
            ],
            id="flash and url_for",
        ),
        pytest.param(
            """\
            from flask import request

            def view():
                if request.method == "POST":
                    return request.path, request.user_agent.string, request.args
            """,
            [
                ("view", "request.method", {"attr": "method"}),
                ("view", "request.path", {"attr": "path"}),
                ("view", "request.user_agent", {"attr": "user_agent"}),
            ],
            id="request attributes beyond request data",
        ),
        pytest.param(
            """\
            from flask import copy_current_request_context, has_request_context

            def view():
                @copy_current_request_context
                def work():
                    pass
                threading.Thread(target=work).start()

            def log():
                if has_request_context():
                    pass
            """,
            [
                ("view", "copy_current_request_context", {}),
                ("log", "has_request_context", {}),
            ],
            id="copy_current_request_context is the view's, not the thread's",
        ),
    ),
)
def test_facts(source: str, expected: list[object]) -> None:
    assert facts(source, "flask_context") == expected


def test_a_nested_function_sees_the_outer_shadowing() -> None:
    source = """\
    from flask import g

    def view(g):
        def inner():
            return g.user
        return inner()
    """
    assert facts(source, "flask_context") == []


def test_global_declaration_does_not_shadow() -> None:
    source = """\
    from flask import session

    def reset():
        global session
        session.clear()
    """
    assert facts(source, "flask_context") == [("reset", "session", {"access": "write"})]


def test_lines() -> None:
    source = """\
    from flask import g, session

    def view():
        g.user = (
            session["uid"]
        )
        return g.user
    """
    assert lines(source, "flask_context") == [
        ("view", "g.user", 4),
        ("view", "session", 4),
        ("view", "g.user", 7),
    ]
