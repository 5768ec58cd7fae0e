"""Small legacy apps and migrated routers the adapter tests run for real.

Also imported by server subprocesses (uvicorn CLI, Daphne, Granian, `migrate serve`)
with this folder on ``PYTHONPATH``; the zero-argument factories are for them.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import tempfile
import threading
import time
from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from flask import (
    Flask,
    current_app,
    g,
    jsonify,
    redirect,
    request,
    session,
    stream_with_context,
    url_for,
)
from flask.sessions import SessionMixin

from adapters import SessionBridge, hybrid, legacy_context, legacy_context_dependency


def make_legacy_app(database: str | None = None, **config: Any) -> Flask:
    """A Flask app with what the hybrid must preserve: errors, redirects, sessions,
    streaming, uploads, teardown hooks and a SQLite helper on ``flask.g``."""
    app = Flask("legacy_under_test")
    app.config.update(SECRET_KEY="legacy-secret", GREETING="hello from flask config", **config)
    app.config["DATABASE"] = database or os.path.join(tempfile.mkdtemp(), "legacy.sqlite")
    state: dict[str, Any] = {
        "teardowns": [],
        "db_closed": 0,
        "release": threading.Event(),
        "stream_finished": threading.Event(),
        "endless_closed": threading.Event(),
        "endless_chunks": 0,
    }
    app.extensions["test_state"] = state

    with sqlite3.connect(app.config["DATABASE"]) as db:
        db.execute("CREATE TABLE IF NOT EXISTS book (title TEXT)")
        db.execute("DELETE FROM book")
        db.executemany("INSERT INTO book VALUES (?)", [("Dune",), ("Emma",)])

    @app.teardown_request
    def record_teardown(error: BaseException | None) -> None:
        state["teardowns"].append(request.path)

    @app.teardown_appcontext
    def close_db(error: BaseException | None) -> None:
        db = g.pop("db", None)
        if db is not None:
            db.close()  # raises if closed on another thread than the one that opened it
            state["db_closed"] += 1

    @app.get("/ping")
    def ping() -> Any:
        return "pong", 200, {"Content-Type": "text/plain; charset=utf-8", "X-Legacy": "yes"}

    @app.route("/items", methods=["GET", "POST"])
    def items() -> str:
        return f"flask items {request.method}"

    @app.get("/items/<int:item_id>")
    def item(item_id: int) -> Any:
        return jsonify(id=item_id, side="flask")

    @app.get("/go")
    def go() -> Any:
        return redirect(url_for("target"))

    @app.get("/target")
    def target() -> str:
        return "target reached"

    @app.get("/urls")
    def urls() -> Any:
        return jsonify(
            url_for=url_for("target"),
            external=url_for("target", _external=True),
            script_name=request.script_root,
            path=request.path,
        )

    @app.get("/environ")
    def environ() -> Any:
        keys = [
            "REMOTE_ADDR",
            "wsgi.url_scheme",
            "SCRIPT_NAME",
            "PATH_INFO",
            "HTTP_X_FORWARDED_FOR",
            "HTTP_X_FORWARDED_PROTO",
            "HTTP_X_FORWARDED_HOST",
        ]
        return jsonify({key: request.environ.get(key) for key in keys})

    @app.post("/login")
    def login() -> Any:
        session["user"] = request.form["user"]
        return jsonify(logged_in=session["user"])

    @app.get("/whoami")
    def whoami() -> Any:
        return jsonify(user=session.get("user"), theme=session.get("theme"))

    @app.get("/boom")
    def boom() -> str:
        raise RuntimeError("legacy view failed")

    @app.get("/slow")
    def slow() -> str:
        seconds = request.args.get("seconds", 0.2, type=float)
        time.sleep(seconds)
        return f"slept {seconds}"

    @app.get("/stream")
    def stream() -> Any:
        def generate() -> Any:
            yield "first\n"
            released = state["release"].wait(5)
            yield "second\n" if released else "timed out\n"
            state["stream_finished"].set()

        return app.response_class(generate(), mimetype="text/plain")

    @app.get("/timed-stream")
    def timed_stream() -> Any:
        def generate() -> Any:
            for n in range(3):
                yield f"line {n}\n"
                time.sleep(0.4)

        return app.response_class(generate(), mimetype="text/plain")

    @app.get("/endless")
    def endless() -> Any:
        @stream_with_context
        def generate() -> Any:
            try:
                for _ in range(3000):  # bounded (~30 s) so a failing test cannot hang
                    state["endless_chunks"] += 1
                    yield "x" * 1024 + "\n"
                    time.sleep(0.01)
            finally:
                state["endless_closed"].set()

        return app.response_class(generate(), mimetype="text/plain")

    @app.post("/upload")
    def upload() -> Any:
        digest, size = hashlib.sha256(), 0
        pause = request.args.get("pause", 0.0, type=float)
        while chunk := request.stream.read(64 * 1024):
            digest.update(chunk)
            size += len(chunk)
            if pause:
                time.sleep(pause)
        return jsonify(size=size, sha256=digest.hexdigest())

    return app


def get_db() -> sqlite3.Connection:
    """The legacy app's request-scoped connection helper (``flask.g``)."""
    if "db" not in g:
        g.db = sqlite3.connect(current_app.config["DATABASE"])
    db: sqlite3.Connection = g.db
    return db


def make_router(flask_app: Flask) -> APIRouter:
    """Routes 'migrated' out of ``flask_app``, using the session and context bridges."""
    router = APIRouter()
    legacy_session = SessionBridge(flask_app)
    # Depends() objects as defaults: string annotations (PEP 563) cannot name locals.
    read_session = Depends(legacy_session.read)
    in_flask = legacy_context_dependency(flask_app)

    @router.get("/items")
    async def items() -> dict[str, str]:
        return {"side": "native"}

    @router.get("/api/ping")
    async def native_ping() -> dict[str, bool]:
        return {"pong": True}

    @router.get("/api/me")
    async def me(session: SessionMixin = read_session) -> Any:
        return {"user": session.get("user")}

    @router.post("/api/theme")
    async def theme(response: Response, session: SessionMixin = read_session) -> dict[str, str]:
        session["theme"] = "dark"
        legacy_session.save(session, response)
        return {"theme": "dark"}

    @router.get("/api/books-sync")
    def books_sync() -> dict[str, Any]:
        with legacy_context(flask_app):
            titles = [row[0] for row in get_db().execute("SELECT title FROM book ORDER BY 1")]
            return {"titles": titles, "greeting": current_app.config["GREETING"]}

    @router.get("/api/books-async", dependencies=[Depends(in_flask)])
    async def books_async() -> dict[str, Any]:
        titles = [row[0] for row in get_db().execute("SELECT title FROM book ORDER BY 1")]
        return {"titles": titles, "path": request.path}

    @router.get("/api/urls")
    def urls(request: Request) -> dict[str, str]:
        with legacy_context(flask_app, request):
            return {"url_for": url_for("target"), "user": str(session.get("user"))}

    return router


def server_app() -> Any:
    """Factory for server subprocesses: legacy app plus its migrated router."""
    flask_app = make_legacy_app()
    return hybrid(flask_app, make_router(flask_app))


def upload_app() -> Any:
    """Factory for the memory test: the hybrid with uvicorn's default settings."""
    return hybrid(make_legacy_app())


def frozen_count_app(freeze_gc: bool = True) -> Any:
    """Factory for the GC test: a legacy route reports how many objects are frozen."""
    import gc

    legacy = Flask(__name__)
    legacy.add_url_rule("/frozen", "frozen", lambda: {"frozen": gc.get_freeze_count()})
    return hybrid(legacy, freeze_gc=freeze_gc)


def cli_legacy_app() -> Flask:
    """Zero-argument factory for ``migrate serve hybrid_apps:cli_legacy_app()``."""
    return make_legacy_app()


cli_router = APIRouter()


@cli_router.get("/api/ping")
async def cli_native_ping() -> dict[str, bool]:
    return {"pong": True}


not_a_router = 42


def unfrozen_count_app() -> Any:
    return frozen_count_app(freeze_gc=False)
