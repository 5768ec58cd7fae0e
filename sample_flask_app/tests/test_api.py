"""The JSON API: /api/ping, /api/v1 and /api/admin."""

from __future__ import annotations

import io

import pytest

NEW_BOOK = {
    "isbn": "9780262033848",
    "title": "Introduction to Algorithms",
    "author": "Cormen et al.",
    "category": "science",
    "price": 89.5,
    "stock": 2,
}


def test_ping(client):
    resp = client.get("/api/ping")
    assert resp.status_code == 200
    assert resp.get_json() == {"pong": True}
    assert client.post("/api/ping").status_code == 405


def test_list_books_paginated(client):
    data = client.get("/api/v1/books?page=2&per_page=3").get_json()
    assert data["page"] == 2
    assert data["per_page"] == 3
    assert data["total"] == 7
    assert [b["id"] for b in data["books"]] == [4, 5, 6]
    first = client.get("/api/v1/books").get_json()
    assert len(first["books"]) == 7
    assert first["books"][0] == {
        "id": 1,
        "isbn": "9780441478125",
        "title": "The Left Hand of Darkness",
        "author": "Ursula K. Le Guin",
        "category": "fiction",
        "language": "en",
        "price": 9.99,
        "stock": 5,
        "cover_url": None,
    }


def test_list_books_filters_and_bad_args(client):
    data = client.get("/api/v1/books?category=history").get_json()
    assert [b["title"] for b in data["books"]] == ["The Guns of August", "SPQR"]
    assert data["total"] == 2
    resp = client.get("/api/v1/books?page=0")
    assert resp.status_code == 400
    assert resp.get_json()["description"] == "page and per_page must be positive."
    assert client.get("/api/v1/books?page=abc").get_json()["page"] == 1


def test_get_book(client):
    resp = client.get("/api/v1/books/2")
    assert resp.status_code == 200
    assert resp.get_json()["title"] == "A Brief History of Time"


def test_get_book_missing_is_json_404(client):
    resp = client.get("/api/v1/books/999")
    assert resp.status_code == 404
    assert resp.get_json() == {"error": "Not Found", "description": "Book 999 doesn't exist."}


@pytest.mark.parametrize("isbn", ["9782070612758", "978-2-07-061275-8"])
def test_book_by_isbn(client, isbn):
    resp = client.get(f"/api/v1/books/isbn/{isbn}")
    assert resp.status_code == 200
    assert resp.get_json()["title"] == "Le Petit Prince"


def test_book_by_isbn_rejects_bad_input(client):
    assert client.get("/api/v1/books/isbn/9782070612759").status_code == 404  # checksum
    assert client.get("/api/v1/books/isbn/12345").status_code == 404
    resp = client.get("/api/v1/books/isbn/9780262033848")  # valid, but not in stock
    assert resp.status_code == 404
    assert resp.get_json()["description"] == "No book with ISBN 9780262033848."


def test_books_by_language(client):
    data = client.get("/api/v1/books/lang/FR").get_json()
    assert data["language"] == "fr"
    assert [b["title"] for b in data["books"]] == ["Le Petit Prince"]
    assert client.get("/api/v1/books/lang/eng").status_code == 404
    assert client.get("/api/v1/books/lang/e").status_code == 404


def test_search_endpoint(client):
    data = client.get("/api/v1/search?q=gene").get_json()
    assert data["query"] == "gene"
    assert [b["title"] for b in data["results"]] == ["The Selfish Gene"]
    assert len(client.get("/api/v1/search?q=e&limit=2").get_json()["results"]) == 2
    resp = client.get("/api/v1/search")
    assert resp.status_code == 400
    assert resp.get_json()["error"] == "Bad Request"


def test_write_requires_login(client):
    resp = client.post("/api/v1/books", json=NEW_BOOK)
    assert resp.status_code == 401
    assert resp.get_json()["error"] == "Unauthorized"
    assert client.delete("/api/v1/books/1").status_code == 401


def test_write_requires_admin(client, auth):
    auth.login()
    resp = client.post("/api/v1/books", json=NEW_BOOK)
    assert resp.status_code == 403
    assert resp.get_json()["error"] == "Forbidden"
    assert client.get("/api/admin/stats").status_code == 403


def test_create_book(client, auth):
    auth.login_admin()
    resp = client.post("/api/v1/books", json=NEW_BOOK)
    assert resp.status_code == 201
    book = resp.get_json()
    assert book["id"] == 8
    assert book["language"] == "en"
    assert resp.headers["Location"].endswith("/api/v1/books/8")
    assert client.get("/api/v1/books/8").get_json()["title"] == NEW_BOOK["title"]
    resp = client.post("/api/v1/books", json=NEW_BOOK)
    assert resp.status_code == 409


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ([1, 2], "Expected a JSON object."),
        ({**NEW_BOOK, "colour": "red"}, "Unknown fields: colour."),
        ({"title": "x"}, "Missing fields: isbn, author, price."),
        ({**NEW_BOOK, "isbn": "9780262033849"}, "Invalid ISBN-13."),
        ({**NEW_BOOK, "price": "cheap"}, "Price must be a non-negative number."),
        ({**NEW_BOOK, "stock": -1}, "Stock must be a non-negative integer."),
        ({**NEW_BOOK, "category": "poetry"}, "Category must be one of fiction, science, history."),
    ],
)
def test_create_book_validation(client, auth, payload, message):
    auth.login_admin()
    resp = client.post("/api/v1/books", json=payload)
    assert resp.status_code == 400
    assert resp.get_json()["description"] == message


def test_create_book_needs_json(client, auth):
    auth.login_admin()
    resp = client.post("/api/v1/books", data="isbn=1")
    assert resp.status_code == 415
    assert resp.get_json()["error"] == "Unsupported Media Type"


def test_replace_book(client, auth):
    auth.login_admin()
    resp = client.put("/api/v1/books/1", json={**NEW_BOOK, "isbn": "9780441478125"})
    assert resp.status_code == 200
    book = client.get("/api/v1/books/1").get_json()
    assert book["title"] == "Introduction to Algorithms"
    assert book["category"] == "science"
    assert client.put("/api/v1/books/999", json=NEW_BOOK).status_code == 404
    assert client.put("/api/v1/books/1", json={"title": "x"}).status_code == 400


def test_patch_book(client, auth):
    auth.login_admin()
    resp = client.patch("/api/v1/books/2", json={"price": 9.5, "stock": 7})
    assert resp.status_code == 200
    assert (resp.get_json()["price"], resp.get_json()["stock"]) == (9.5, 7)
    assert client.get("/api/v1/books/2").get_json()["title"] == "A Brief History of Time"
    resp = client.patch("/api/v1/books/2", data="not json", content_type="text/plain")
    assert resp.status_code == 400
    assert resp.get_json()["description"] == "Request body must be JSON."


def test_delete_book(client, auth):
    auth.login_admin()
    resp = client.delete("/api/v1/books/4")
    assert resp.status_code == 204
    assert resp.data == b""
    assert client.get("/api/v1/books/4").status_code == 404
    assert client.delete("/api/v1/books/4").status_code == 404


def test_delete_ordered_book_conflicts(client, auth):
    auth.login_admin()
    client.post("/shop/cart/add/1")
    client.post("/shop/cart/checkout")
    resp = client.delete("/api/v1/books/1")
    assert resp.status_code == 409
    assert "ordered" in resp.get_json()["description"]


def test_book_item_methods(client):
    assert client.post("/api/v1/books/1", json={}).status_code == 405
    assert client.put("/api/v1/books", json={}).status_code == 405


def test_admin_stats(client, auth):
    auth.login_admin()
    client.post("/shop/cart/add/3", data={"quantity": "2"})
    client.post("/shop/cart/checkout")
    assert client.get("/api/admin/stats").get_json() == {
        "books": 7,
        "users": 2,
        "orders": 1,
        "revenue": 14.5,
    }


def test_admin_users(client, auth):
    auth.login_admin()
    assert client.get("/api/admin/users").get_json() == [
        {"id": 1, "username": "alice", "is_admin": True},
        {"id": 2, "username": "bob", "is_admin": False},
    ]
    resp = client.patch("/api/admin/users/2", json={"is_admin": True})
    assert resp.get_json() == {"id": 2, "is_admin": True}
    assert client.get("/api/admin/users").get_json()[1]["is_admin"] is True
    assert client.patch("/api/admin/users/2", json={"is_admin": "yes"}).status_code == 400
    assert client.patch("/api/admin/users/99", json={"is_admin": False}).status_code == 404


def test_admin_set_stock(client, auth):
    auth.login_admin()
    resp = client.put("/api/admin/books/6/stock", json={"stock": 12})
    assert resp.get_json() == {"id": 6, "stock": 12}
    assert client.get("/api/v1/books/6").get_json()["stock"] == 12
    assert client.put("/api/admin/books/6/stock", json={"stock": -2}).status_code == 400
    assert client.put("/api/admin/books/99/stock", json={"stock": 1}).status_code == 404


def test_upload_cover(client, auth, app, tmp_path):
    auth.login_admin()
    resp = client.post(
        "/api/admin/books/2/cover", data={"file": (io.BytesIO(b"GIF89a..."), "cover.GIF")}
    )
    assert resp.status_code == 201
    assert resp.get_json() == {"id": 2, "cover_url": "/shop/books/2/cover"}
    assert (tmp_path / "covers" / "2.gif").read_bytes() == b"GIF89a..."
    assert client.get("/api/v1/books/2").get_json()["cover_url"] == "/shop/books/2/cover"


def test_upload_cover_rejects_bad_input(client, auth):
    auth.login_admin()
    resp = client.post("/api/admin/books/2/cover", data={"file": (io.BytesIO(b"x"), "x.exe")})
    assert resp.status_code == 400
    assert resp.get_json()["description"].startswith("Cover must be one of")
    resp = client.post("/api/admin/books/2/cover", data={"other": "x"})
    assert resp.status_code == 400
    assert resp.get_json()["error"] == "Bad Request"
    resp = client.post("/api/admin/books/99/cover", data={"file": (io.BytesIO(b"x"), "x.png")})
    assert resp.status_code == 404


def test_delete_cover(client, auth, tmp_path):
    auth.login_admin()
    client.post("/api/admin/books/3/cover", data={"file": (io.BytesIO(b"img"), "x.jpg")})
    assert (tmp_path / "covers" / "3.jpg").exists()
    resp = client.delete("/api/admin/books/3/cover")
    assert resp.status_code == 204
    assert not (tmp_path / "covers" / "3.jpg").exists()
    assert client.get("/shop/books/3/cover").status_code == 404
    assert client.delete("/api/admin/books/3/cover").status_code == 404
