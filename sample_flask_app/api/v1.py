"""Version 1 of the books API."""

from __future__ import annotations

import sqlite3
from typing import Any

from flask import Blueprint, Response, abort, jsonify, request, url_for
from flask.views import MethodView

from ..converters import is_valid_isbn13
from ..db import get_db
from ..decorators import admin_required

bp = Blueprint("v1", __name__, url_prefix="/v1")

CATEGORIES = ("fiction", "science", "history")
FIELDS = ("isbn", "title", "author", "category", "language", "price", "stock")
REQUIRED = ("isbn", "title", "author", "price")
DEFAULTS: dict[str, Any] = {"category": "fiction", "language": "en", "stock": 0}


def book_to_dict(row: sqlite3.Row) -> dict[str, Any]:
    book = {key: row[key] for key in ("id", *FIELDS)}
    book["cover_url"] = url_for("shop.book_cover", book_id=row["id"]) if row["cover"] else None
    return book


def get_book_or_404(book_id: int) -> sqlite3.Row:
    row = get_db().execute("SELECT * FROM book WHERE id = ?", (book_id,)).fetchone()
    if row is None:
        abort(404, description=f"Book {book_id} doesn't exist.")
    return row


def validate(data: Any, *, partial: bool) -> dict[str, Any]:
    """Check a JSON book payload; aborts with 400 on the first problem."""
    if not isinstance(data, dict):
        abort(400, description="Expected a JSON object.")
    if unknown := sorted(set(data) - set(FIELDS)):
        abort(400, description=f"Unknown fields: {', '.join(unknown)}.")
    if not partial and (missing := [key for key in REQUIRED if key not in data]):
        abort(400, description=f"Missing fields: {', '.join(missing)}.")
    if "isbn" in data and not is_valid_isbn13(str(data["isbn"])):
        abort(400, description="Invalid ISBN-13.")
    price = data.get("price", 0)
    if isinstance(price, bool) or not isinstance(price, (int, float)) or price < 0:
        abort(400, description="Price must be a non-negative number.")
    stock = data.get("stock", 0)
    if isinstance(stock, bool) or not isinstance(stock, int) or stock < 0:
        abort(400, description="Stock must be a non-negative integer.")
    if data.get("category", "fiction") not in CATEGORIES:
        abort(400, description=f"Category must be one of {', '.join(CATEGORIES)}.")
    return data


def save_book(book_id: int | None, data: dict[str, Any]) -> int:
    db = get_db()
    try:
        if book_id is None:
            cur = db.execute(
                f"INSERT INTO book ({', '.join(data)}) VALUES ({', '.join('?' * len(data))})",
                list(data.values()),
            )
            book_id = cur.lastrowid
        elif data:
            assignments = ", ".join(f"{key} = ?" for key in data)
            db.execute(f"UPDATE book SET {assignments} WHERE id = ?", [*data.values(), book_id])
        db.commit()
    except sqlite3.IntegrityError:
        abort(409, description="A book with this ISBN already exists.")
    assert book_id is not None
    return book_id


class BookListAPI(MethodView):
    init_every_request = False

    def get(self) -> Response:
        page = request.args.get("page", 1, type=int)
        per_page = min(request.args.get("per_page", 20, type=int), 100)
        category = request.args.get("category")
        if page < 1 or per_page < 1:
            abort(400, description="page and per_page must be positive.")
        where, params = ("WHERE category = ?", [category]) if category else ("", [])
        db = get_db()
        total = db.execute(f"SELECT COUNT(*) FROM book {where}", params).fetchone()[0]
        rows = db.execute(
            f"SELECT * FROM book {where} ORDER BY id LIMIT ? OFFSET ?",
            [*params, per_page, (page - 1) * per_page],
        ).fetchall()
        return jsonify(
            books=[book_to_dict(r) for r in rows], page=page, per_page=per_page, total=total
        )

    @admin_required
    def post(self) -> tuple[Response, int, dict[str, str]]:
        data = {**DEFAULTS, **validate(request.get_json(), partial=False)}
        book_id = save_book(None, data)
        location = url_for("api.v1.book", book_id=book_id)
        return jsonify(book_to_dict(get_book_or_404(book_id))), 201, {"Location": location}


class BookAPI(MethodView):
    init_every_request = False

    def get(self, book_id: int) -> dict[str, Any]:
        return book_to_dict(get_book_or_404(book_id))

    @admin_required
    def put(self, book_id: int) -> dict[str, Any]:
        get_book_or_404(book_id)
        save_book(book_id, {**DEFAULTS, **validate(request.json, partial=False)})
        return book_to_dict(get_book_or_404(book_id))

    @admin_required
    def patch(self, book_id: int) -> dict[str, Any]:
        get_book_or_404(book_id)
        data = request.get_json(silent=True)
        if data is None:
            abort(400, description="Request body must be JSON.")
        save_book(book_id, validate(data, partial=True))
        return book_to_dict(get_book_or_404(book_id))

    @admin_required
    def delete(self, book_id: int) -> tuple[str, int]:
        get_book_or_404(book_id)
        db = get_db()
        try:
            db.execute("DELETE FROM book WHERE id = ?", (book_id,))
            db.commit()
        except sqlite3.IntegrityError:
            abort(409, description="Book has been ordered and can't be deleted.")
        return "", 204


bp.add_url_rule("/books", view_func=BookListAPI.as_view("books"))
bp.add_url_rule("/books/<int:book_id>", view_func=BookAPI.as_view("book"))


@bp.get("/books/isbn/<isbn:isbn>")
def book_by_isbn(isbn: str) -> dict[str, Any]:
    row = get_db().execute("SELECT * FROM book WHERE isbn = ?", (isbn,)).fetchone()
    if row is None:
        abort(404, description=f"No book with ISBN {isbn}.")
    return book_to_dict(row)


@bp.get("/books/lang/<string(length=2):lang>")
def books_by_language(lang: str) -> dict[str, Any]:
    rows = get_db().execute("SELECT * FROM book WHERE language = ? ORDER BY title", (lang.lower(),))
    return {"language": lang.lower(), "books": [book_to_dict(r) for r in rows]}


@bp.route("/search", methods=["GET"], endpoint="search_books")
def search() -> dict[str, Any]:
    q = request.args.get("q", "").strip()
    limit = request.args.get("limit", 10, type=int)
    if not q:
        abort(400, description="Query parameter 'q' is required.")
    rows = get_db().execute(
        "SELECT * FROM book WHERE title LIKE ? OR author LIKE ? ORDER BY title LIMIT ?",
        (f"%{q}%", f"%{q}%", max(limit, 1)),
    )
    return {"query": q, "results": [book_to_dict(r) for r in rows]}
