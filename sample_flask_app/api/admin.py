"""Admin-only JSON endpoints (mounted at ``/api/admin``)."""

from __future__ import annotations

import os
from typing import Any

from flask import Blueprint, Response, abort, current_app, jsonify, request, url_for

from ..db import get_db
from ..decorators import admin_required

bp = Blueprint("admin", __name__)

COVER_EXTENSIONS = {".png", ".jpg", ".jpeg", ".gif"}


@bp.get("/stats")
@admin_required
def stats() -> Response:
    db = get_db()
    count = {
        table: db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
        for table in ("book", "user", "orders")
    }
    revenue = db.execute("SELECT COALESCE(SUM(total), 0) FROM orders").fetchone()[0]
    return jsonify(
        books=count["book"], users=count["user"], orders=count["orders"], revenue=revenue
    )


@bp.get("/users")
@admin_required
def list_users() -> Response:
    rows = get_db().execute("SELECT id, username, is_admin FROM user ORDER BY id")
    return jsonify([{**dict(r), "is_admin": bool(r["is_admin"])} for r in rows])


@bp.patch("/users/<int:user_id>")
@admin_required
def update_user(user_id: int) -> dict[str, Any]:
    data = request.get_json()
    if not isinstance(data, dict) or not isinstance(data.get("is_admin"), bool):
        abort(400, description="Expected {'is_admin': true|false}.")
    db = get_db()
    cur = db.execute("UPDATE user SET is_admin = ? WHERE id = ?", (data["is_admin"], user_id))
    db.commit()
    if cur.rowcount == 0:
        abort(404)
    return {"id": user_id, "is_admin": data["is_admin"]}


@bp.put("/books/<int:book_id>/stock")
@admin_required
def set_stock(book_id: int) -> dict[str, int]:
    stock = (request.get_json(silent=True) or {}).get("stock")
    if isinstance(stock, bool) or not isinstance(stock, int) or stock < 0:
        abort(400, description="Expected {'stock': <non-negative int>}.")
    db = get_db()
    cur = db.execute("UPDATE book SET stock = ? WHERE id = ?", (stock, book_id))
    db.commit()
    if cur.rowcount == 0:
        abort(404)
    return {"id": book_id, "stock": stock}


@bp.post("/books/<int:book_id>/cover")
@admin_required
def upload_cover(book_id: int) -> tuple[dict[str, Any], int]:
    file = request.files["file"]
    ext = os.path.splitext(file.filename or "")[1].lower()
    if ext not in COVER_EXTENSIONS:
        abort(400, description=f"Cover must be one of {', '.join(sorted(COVER_EXTENSIONS))}.")
    db = get_db()
    if db.execute("SELECT 1 FROM book WHERE id = ?", (book_id,)).fetchone() is None:
        abort(404)
    folder = current_app.config["UPLOAD_FOLDER"]
    os.makedirs(folder, exist_ok=True)
    filename = f"{book_id}{ext}"
    file.save(os.path.join(folder, filename))
    db.execute("UPDATE book SET cover = ? WHERE id = ?", (filename, book_id))
    db.commit()
    return {"id": book_id, "cover_url": url_for("shop.book_cover", book_id=book_id)}, 201


@bp.delete("/books/<int:book_id>/cover")
@admin_required
def delete_cover(book_id: int) -> tuple[str, int]:
    db = get_db()
    row = db.execute("SELECT cover FROM book WHERE id = ?", (book_id,)).fetchone()
    if row is None or row["cover"] is None:
        abort(404)
    path = os.path.join(current_app.config["UPLOAD_FOLDER"], row["cover"])
    if os.path.exists(path):
        os.remove(path)
    db.execute("UPDATE book SET cover = NULL WHERE id = ?", (book_id,))
    db.commit()
    return "", 204
