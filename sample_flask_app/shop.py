"""The HTML storefront: catalogue, cart, orders."""

from __future__ import annotations

import csv
import io
import math
import os
import sqlite3
import time
import uuid
from collections.abc import Iterator

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    send_file,
    session,
    url_for,
)

from .db import get_db
from .decorators import login_required
from .errors import OutOfStock

bp = Blueprint("shop", __name__)

SORT_COLUMNS = {"title": "title", "author": "author", "price": "price"}
HELP_TOPICS = {
    "shipping": "We ship worldwide within 3 working days.",
    "returns": "Books can be returned within 30 days.",
    "returns/damaged": "Damaged books are replaced free of charge.",
}


def get_book_or_404(book_id: int) -> sqlite3.Row:
    book = get_db().execute("SELECT * FROM book WHERE id = ?", (book_id,)).fetchone()
    if book is None:
        abort(404, description=f"Book {book_id} doesn't exist.")
    return book


@bp.route("/books/", defaults={"page": 1})
@bp.route("/books/page/<int:page>")
def book_list(page: int) -> str:
    per_page = current_app.config["BOOKS_PER_PAGE"]
    q = request.args.get("q", "").strip()
    sort = request.args.get("sort", "title")
    if sort not in SORT_COLUMNS:
        abort(400)
    where, params = ("WHERE title LIKE ? OR author LIKE ?", [f"%{q}%"] * 2) if q else ("", [])
    db = get_db()
    total = db.execute(f"SELECT COUNT(*) FROM book {where}", params).fetchone()[0]
    pages = max(1, math.ceil(total / per_page))
    if page > pages:
        abort(404)
    books = db.execute(
        f"SELECT * FROM book {where} ORDER BY {SORT_COLUMNS[sort]}, id LIMIT ? OFFSET ?",
        [*params, per_page, (page - 1) * per_page],
    ).fetchall()
    return render_template(
        "shop/books.html", books=books, page=page, pages=pages, q=q, sort=sort, heading="Books"
    )


@bp.get("/category/<any(fiction, science, history):category>")
def category(category: str) -> str:
    books = (
        get_db()
        .execute("SELECT * FROM book WHERE category = ? ORDER BY title", (category,))
        .fetchall()
    )
    return render_template("shop/books.html", books=books, heading=category.title())


@bp.get("/books/under/<float:max_price>")
def books_under(max_price: float) -> str:
    books = (
        get_db()
        .execute("SELECT * FROM book WHERE price < ? ORDER BY price", (max_price,))
        .fetchall()
    )
    return render_template("shop/books.html", books=books, heading=f"Under {max_price:.2f}")


@bp.get("/books/<int:book_id>")
def book_detail(book_id: int) -> str:
    return render_template("shop/book.html", book=get_book_or_404(book_id))


@bp.get("/books/<int:book_id>/cover")
def book_cover(book_id: int) -> Response:
    book = get_book_or_404(book_id)
    if not book["cover"]:
        abort(404)
    return send_file(os.path.join(current_app.config["UPLOAD_FOLDER"], book["cover"]), max_age=60)


@bp.get("/catalogue.csv")
def catalogue_csv() -> Response:
    """Stream the catalogue, one CSV line per chunk; ``?delay=`` sleeps between lines."""
    delay = request.args.get("delay", 0.0, type=float)
    delay = min(delay, 1.0) if delay > 0 else 0.0
    rows = get_db().execute("SELECT isbn, title, author, price, stock FROM book ORDER BY id")
    rows = rows.fetchall()  # read now: the connection is closed before the body is sent

    def generate() -> Iterator[str]:
        yield "isbn,title,author,price,stock\r\n"
        for row in rows:
            if delay:
                time.sleep(delay)
            line = io.StringIO()
            csv.writer(line).writerow(tuple(row))
            yield line.getvalue()

    return Response(
        generate(),
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=catalogue.csv"},
    )


@bp.get("/help/<path:topic>")
def help_page(topic: str) -> str:
    if topic not in HELP_TOPICS:
        abort(404)
    return render_template("shop/help.html", topic=topic, text=HELP_TOPICS[topic])


def cart_items() -> tuple[list[tuple[sqlite3.Row, int]], float]:
    items = []
    for book_id, quantity in session.get("cart", {}).items():
        book = get_db().execute("SELECT * FROM book WHERE id = ?", (int(book_id),)).fetchone()
        if book is not None:
            items.append((book, quantity))
    return items, round(sum(book["price"] * qty for book, qty in items), 2)


@bp.get("/cart")
@login_required
def cart() -> str:
    items, total = cart_items()
    return render_template("shop/cart.html", items=items, total=total)


@bp.post("/cart/add/<int:book_id>")
@login_required
def add_to_cart(book_id: int) -> Response:
    book = get_book_or_404(book_id)
    quantity = request.form.get("quantity", 1, type=int)
    if quantity < 1:
        abort(400)
    cart = session.setdefault("cart", {})
    cart[str(book_id)] = cart.get(str(book_id), 0) + quantity
    session.modified = True
    flash(f"Added {book['title']} to your cart.")
    return redirect(url_for("shop.cart"))


@bp.post("/cart/remove/<int:book_id>")
@login_required
def remove_from_cart(book_id: int) -> Response:
    session.get("cart", {}).pop(str(book_id), None)
    session.modified = True
    return redirect(url_for("shop.cart"))


@bp.post("/cart/checkout")
@login_required
def checkout() -> Response:
    items, total = cart_items()
    if not items:
        flash("Your cart is empty.")
        return redirect(url_for("shop.cart"))
    for book, quantity in items:
        if book["stock"] < quantity:
            raise OutOfStock(book["title"], book["stock"])
    order_id = uuid.uuid4()
    db = get_db()
    with db:
        cur = db.execute(
            "INSERT INTO orders (public_id, user_id, total) VALUES (?, ?, ?)",
            (str(order_id), g.user["id"], total),
        )
        db.executemany(
            "INSERT INTO order_item (order_id, book_id, quantity, price) VALUES (?, ?, ?, ?)",
            [(cur.lastrowid, book["id"], qty, book["price"]) for book, qty in items],
        )
        db.executemany(
            "UPDATE book SET stock = stock - ? WHERE id = ?",
            [(qty, book["id"]) for book, qty in items],
        )
    session.pop("cart", None)
    flash("Thank you for your order!")
    return redirect(url_for("shop.order_detail", order_id=order_id))


def get_order_or_404(order_id: uuid.UUID) -> tuple[sqlite3.Row, list[sqlite3.Row]]:
    db = get_db()
    order = db.execute(
        "SELECT * FROM orders WHERE public_id = ? AND user_id = ?", (str(order_id), g.user["id"])
    ).fetchone()
    if order is None:
        abort(404)
    items = db.execute(
        "SELECT i.quantity, i.price, b.title FROM order_item i JOIN book b ON b.id = i.book_id"
        " WHERE i.order_id = ? ORDER BY b.title",
        (order["id"],),
    ).fetchall()
    return order, items


@bp.get("/orders/<uuid:order_id>")
@login_required
def order_detail(order_id: uuid.UUID) -> str:
    order, items = get_order_or_404(order_id)
    return render_template("shop/order.html", order=order, items=items)


@bp.get("/orders/<uuid:order_id>/invoice.txt")
@login_required
def invoice(order_id: uuid.UUID) -> Response:
    order, items = get_order_or_404(order_id)
    lines = [f"Invoice {order['public_id']}", f"Customer: {g.user['username']}", ""]
    lines += [f"{i['quantity']} x {i['title']} @ {i['price']:.2f}" for i in items]
    lines += ["", f"Total: {order['total']:.2f}", ""]
    return send_file(
        io.BytesIO("\n".join(lines).encode()),
        mimetype="text/plain",
        as_attachment=True,
        download_name=f"invoice-{order_id}.txt",
    )
