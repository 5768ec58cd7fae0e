"""The HTML storefront."""

from __future__ import annotations

import io
import re
import time
import uuid

import pytest

from sample_flask_app.db import get_db

PAGE_1 = [
    "A Brief History of Time",
    "Der Zauberberg",
    "Le Petit Prince",
    "SPQR",
    "The Guns of August",
]
PAGE_2 = ["The Left Hand of Darkness", "The Selfish Gene"]


def titles(resp):
    return re.findall(r'<a href="/shop/books/\d+">([^<]+)</a>', resp.text)


def test_book_list_first_page(client):
    resp = client.get("/shop/books/")
    assert resp.status_code == 200
    assert titles(resp) == PAGE_1
    assert "Page 1 of 2" in resp.text
    assert 'href="/shop/books/page/2"' in resp.text


def test_book_list_second_page(client):
    resp = client.get("/shop/books/page/2")
    assert resp.status_code == 200
    assert titles(resp) == PAGE_2
    assert 'href="/shop/books/"' in resp.text  # "Previous" uses the page=1 default rule


def test_book_list_page_one_redirects_to_canonical_url(client):
    resp = client.get("/shop/books/page/1")
    assert resp.status_code == 308
    assert resp.headers["Location"].endswith("/shop/books/")


def test_book_list_page_out_of_range(client):
    assert client.get("/shop/books/page/3").status_code == 404
    assert client.get("/shop/books/page/two").status_code == 404
    assert client.get("/shop/books/page/-1").status_code == 404


def test_book_list_search_and_sort(client):
    assert titles(client.get("/shop/books/?q=the")) == [
        "The Guns of August",
        "The Left Hand of Darkness",
        "The Selfish Gene",
    ]
    assert titles(client.get("/shop/books/?q=mann")) == ["Der Zauberberg"]
    by_price = titles(client.get("/shop/books/?sort=price"))
    assert by_price == [
        "Le Petit Prince",
        "The Left Hand of Darkness",
        "The Selfish Gene",
        "Der Zauberberg",
        "A Brief History of Time",
    ]
    assert titles(client.get("/shop/books/?q=zzz")) == []
    assert client.get("/shop/books/?sort=isbn").status_code == 400


def test_category_any_converter(client):
    resp = client.get("/shop/category/history")
    assert resp.status_code == 200
    assert "<h1>History</h1>" in resp.text
    assert titles(resp) == ["SPQR", "The Guns of August"]
    assert client.get("/shop/category/poetry").status_code == 404


def test_books_under_float_converter(client):
    resp = client.get("/shop/books/under/10.0")
    assert resp.status_code == 200
    assert "Under 10.00" in resp.text
    assert titles(resp) == ["Le Petit Prince", "The Left Hand of Darkness"]
    assert client.get("/shop/books/under/10").status_code == 404  # float needs a dot
    assert client.get("/shop/books/under/cheap").status_code == 404


def test_book_detail(client):
    resp = client.get("/shop/books/3")
    assert resp.status_code == 200
    assert "<h1>Le Petit Prince</h1>" in resp.text
    assert "ISBN 9782070612758" in resp.text
    assert "10 in stock" in resp.text
    assert "Out of stock" in client.get("/shop/books/6").text


def test_book_detail_missing(client):
    resp = client.get("/shop/books/999")
    assert resp.status_code == 404
    assert "Book 999 doesn&#39;t exist." in resp.text


def test_cover_missing_is_404(client):
    assert client.get("/shop/books/1/cover").status_code == 404
    assert client.get("/shop/books/999/cover").status_code == 404


def test_cover_served_after_upload(client, auth):
    auth.login_admin()
    png = b"\x89PNG\r\n\x1a\nfake-image"
    resp = client.post("/api/admin/books/1/cover", data={"file": (io.BytesIO(png), "c.png")})
    assert resp.status_code == 201
    resp = client.get("/shop/books/1/cover")
    body = resp.data
    resp.close()  # send_file() holds the file open until the response is closed
    assert resp.status_code == 200
    assert resp.headers["Content-Type"] == "image/png"
    assert body == png
    assert '<img src="/shop/books/1/cover"' in client.get("/shop/books/1").text


def test_catalogue_csv_streams_one_line_per_book(client):
    resp = client.get("/shop/catalogue.csv")
    assert resp.status_code == 200
    assert resp.headers["Content-Type"].startswith("text/csv")
    assert "catalogue.csv" in resp.headers["Content-Disposition"]
    lines = resp.text.splitlines()
    assert lines[0] == "isbn,title,author,price,stock"
    assert lines[1] == "9780441478125,The Left Hand of Darkness,Ursula K. Le Guin,9.99,5"
    assert len(lines) == 8


def test_catalogue_csv_delay(client):
    start = time.perf_counter()
    body = client.get("/shop/catalogue.csv?delay=0.05").text
    assert time.perf_counter() - start >= 7 * 0.05
    assert len(body.splitlines()) == 8


@pytest.mark.parametrize(
    ("query", "expected"), [("delay=5", [1.0] * 7), ("delay=nan", []), ("delay=x", [])]
)
def test_catalogue_csv_delay_is_capped(client, monkeypatch, query, expected):
    sleeps = []
    monkeypatch.setattr("sample_flask_app.shop.time.sleep", sleeps.append)
    assert len(client.get(f"/shop/catalogue.csv?{query}").text.splitlines()) == 8
    assert sleeps == expected


def test_help_path_converter(client):
    resp = client.get("/shop/help/returns/damaged")
    assert resp.status_code == 200
    assert "Damaged books are replaced free of charge." in resp.text
    assert "worldwide" in client.get("/shop/help/shipping").text
    assert client.get("/shop/help/returns/lost").status_code == 404


def test_cart_requires_login(client):
    for method, url in [
        ("get", "/shop/cart"),
        ("post", "/shop/cart/add/1"),
        ("post", "/shop/cart/checkout"),
        ("post", "/shop/cart/remove/1"),
    ]:
        resp = getattr(client, method)(url)
        assert resp.status_code == 302
        assert "/auth/login?next=" in resp.headers["Location"]


def test_cart_add_and_remove(client, auth):
    auth.login()
    assert "Your cart is empty." in client.get("/shop/cart").text
    resp = client.post("/shop/cart/add/3", data={"quantity": "2"})
    assert resp.status_code == 302
    assert resp.headers["Location"].endswith("/shop/cart")
    client.post("/shop/cart/add/1")
    page = client.get("/shop/cart").text
    assert "Added Le Petit Prince to your cart." in page
    assert "<td>Le Petit Prince</td><td>2</td>" in page
    assert 'Total: <span class="price">24.49</span>' in page
    client.post("/shop/cart/remove/3")
    page = client.get("/shop/cart").text
    assert "Le Petit Prince" not in page
    assert "9.99" in page


def test_cart_add_validation(client, auth):
    auth.login()
    assert client.post("/shop/cart/add/999").status_code == 404
    assert client.post("/shop/cart/add/1", data={"quantity": "0"}).status_code == 400


def checkout(client, auth, cart):
    auth.login()
    for book_id, quantity in cart.items():
        client.post(f"/shop/cart/add/{book_id}", data={"quantity": str(quantity)})
    return client.post("/shop/cart/checkout")


def test_checkout_creates_order(client, auth, app):
    resp = checkout(client, auth, {3: 2, 7: 1})
    assert resp.status_code == 302
    match = re.search(r"/shop/orders/([0-9a-f-]{36})$", resp.headers["Location"])
    assert match
    order_id = match.group(1)
    page = client.get(f"/shop/orders/{order_id}").text
    assert "Thank you for your order!" in page
    assert "2 x Le Petit Prince @ 7.25" in page
    assert 'Total: <span class="price">31.25</span>' in page
    assert "Your cart is empty." in client.get("/shop/cart").text
    with app.app_context():
        stock = get_db().execute("SELECT stock FROM book WHERE id = 3").fetchone()[0]
    assert stock == 8


def test_invoice_download(client, auth):
    order_url = checkout(client, auth, {1: 1}).headers["Location"]
    order_id = order_url.rsplit("/", 1)[1]
    resp = client.get(f"/shop/orders/{order_id}/invoice.txt")
    assert resp.status_code == 200
    assert resp.headers["Content-Type"].startswith("text/plain")
    assert f"invoice-{order_id}.txt" in resp.headers["Content-Disposition"]
    assert resp.text.splitlines() == [
        f"Invoice {order_id}",
        "Customer: bob",
        "",
        "1 x The Left Hand of Darkness @ 9.99",
        "",
        "Total: 9.99",
    ]


def test_checkout_out_of_stock(client, auth):
    resp = checkout(client, auth, {5: 2})
    assert resp.status_code == 409
    assert "Sorry, only 1 copies of &#39;Der Zauberberg&#39; are left." in resp.text
    assert "<td>Der Zauberberg</td><td>2</td>" in client.get("/shop/cart").text


def test_checkout_empty_cart(client, auth):
    auth.login()
    resp = client.post("/shop/cart/checkout")
    assert resp.headers["Location"].endswith("/shop/cart")
    assert "Your cart is empty." in client.get("/shop/cart").text


def test_orders_are_private(client, auth):
    order_url = checkout(client, auth, {1: 1}).headers["Location"]
    auth.logout()
    auth.login_admin()
    assert client.get(order_url).status_code == 404
    assert client.get(order_url + "/invoice.txt").status_code == 404


def test_order_uuid_converter(client, auth):
    auth.login()
    assert client.get(f"/shop/orders/{uuid.uuid4()}").status_code == 404
    resp = client.get("/shop/orders/not-a-uuid")
    assert resp.status_code == 404
    assert "Page not found" in resp.text
