"""Three sample_flask_app endpoints implemented natively, as a team would write them.

Used by the verify tests and by ``make demo``. Two are faithful; the third,
``api.v1.search_books``, has the mistakes a first port typically makes, on purpose:

* ``q`` is a required FastAPI query parameter, so a missing ``q`` is a 422 (Flask
  answered 400 with its JSON error), and ``limit: int`` rejects ``limit=abc`` with a
  422 where Flask's ``request.args.get("limit", 10, type=int)`` fell back to 10;
* the response forgets the ``query`` field.

The faithful ones reproduce what is easy to miss: Flask's lenient ``type=int`` (a bad
value means the default), the first of repeated query values, the JSON error body of
the ``api`` blueprint's error handler, and ``Vary: Cookie`` (the app's
``before_app_request`` hook reads the session on every request, so Flask adds it).
Legacy state is reached through the hybrid's Flask app, so each verify side uses its
own database.

``writes`` holds one state-changing route (``DELETE /api/v1/books/<id>``, admin only),
for the isolation tests; ``make demo`` does not mount it.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from flask import Flask, session
from werkzeug.exceptions import Forbidden, Unauthorized

from adapters import legacy_context
from sample_flask_app.api.v1 import book_to_dict
from sample_flask_app.db import get_db

router = APIRouter()
writes = APIRouter()


def flask_app(request: Request) -> Flask:
    app: Flask = request.app.flask_app
    return app


def first_int(request: Request, key: str, default: int) -> int:
    """``request.args.get(key, default, type=int)``: first value, default if not an int."""
    values = request.query_params.getlist(key)
    try:
        return int(values[0]) if values else default
    except ValueError:
        return default


def api_json(body: Any, status: int = 200) -> JSONResponse:
    return JSONResponse(body, status_code=status, headers={"Vary": "Cookie"})


def api_error(status: int, description: str) -> JSONResponse:
    return api_json({"error": HTTPStatus(status).phrase, "description": description}, status)


@router.get("/api/v1/books", name="api.v1.books")
def list_books(request: Request) -> JSONResponse:
    page = first_int(request, "page", 1)
    per_page = min(first_int(request, "per_page", 20), 100)
    categories = request.query_params.getlist("category")
    category = categories[0] if categories else None
    if page < 1 or per_page < 1:
        return api_error(400, "page and per_page must be positive.")
    where, params = ("WHERE category = ?", [category]) if category else ("", [])
    with legacy_context(flask_app(request), request):
        db = get_db()
        total = db.execute(f"SELECT COUNT(*) FROM book {where}", params).fetchone()[0]
        rows = db.execute(
            f"SELECT * FROM book {where} ORDER BY id LIMIT ? OFFSET ?",
            [*params, per_page, (page - 1) * per_page],
        ).fetchall()
        books = [book_to_dict(r) for r in rows]
    return api_json({"books": books, "page": page, "per_page": per_page, "total": total})


@router.get("/api/v1/books/{book_id:int}", name="api.v1.book")
def get_book(request: Request, book_id: int) -> JSONResponse:
    with legacy_context(flask_app(request), request):
        row = get_db().execute("SELECT * FROM book WHERE id = ?", (book_id,)).fetchone()
        if row is None:
            return api_error(404, f"Book {book_id} doesn't exist.")
        return api_json(book_to_dict(row))


@router.get("/api/v1/search", name="api.v1.search_books")
def search(request: Request, q: str, limit: int = 10) -> JSONResponse:
    # Deliberately unfaithful (see the module docstring).
    with legacy_context(flask_app(request), request):
        rows = get_db().execute(
            "SELECT * FROM book WHERE title LIKE ? OR author LIKE ? ORDER BY title LIMIT ?",
            (f"%{q}%", f"%{q}%", max(limit, 1)),
        )
        results = [book_to_dict(r) for r in rows]
    return api_json({"results": results})


@writes.delete("/api/v1/books/{book_id:int}", name="api.v1.book")
def delete_book(request: Request, book_id: int) -> Response:
    with legacy_context(flask_app(request), request):
        db = get_db()
        user_id = session.get("user_id")
        user = db.execute("SELECT is_admin FROM user WHERE id = ?", (user_id,)).fetchone()
        if user is None:
            return api_error(401, Unauthorized.description or "")
        if not user["is_admin"]:
            return api_error(403, Forbidden.description or "")
        if db.execute("SELECT 1 FROM book WHERE id = ?", (book_id,)).fetchone() is None:
            return api_error(404, f"Book {book_id} doesn't exist.")
        db.execute("DELETE FROM book WHERE id = ?", (book_id,))
        db.commit()
    # Flask's `return "", 204` keeps its default media type.
    return Response(
        status_code=204, media_type="text/html; charset=utf-8", headers={"Vary": "Cookie"}
    )
