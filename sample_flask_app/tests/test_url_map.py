"""Pins the app's full route inventory: (rule, methods without HEAD/OPTIONS, endpoint)."""

from __future__ import annotations

EXPECTED = {
    ("/", ("GET",), "index"),
    ("/healthz", ("GET",), "healthz"),
    ("/static/<path:filename>", ("GET",), "static"),
    # auth
    ("/auth/register", ("GET", "POST"), "auth.register"),
    ("/auth/login", ("GET", "POST"), "auth.login"),
    ("/auth/logout", ("POST",), "auth.logout"),
    # shop
    ("/shop/books/", ("GET",), "shop.book_list"),
    ("/shop/books/page/<int:page>", ("GET",), "shop.book_list"),
    ("/shop/category/<any(fiction, science, history):category>", ("GET",), "shop.category"),
    ("/shop/books/under/<float:max_price>", ("GET",), "shop.books_under"),
    ("/shop/books/<int:book_id>", ("GET",), "shop.book_detail"),
    ("/shop/books/<int:book_id>/cover", ("GET",), "shop.book_cover"),
    ("/shop/catalogue.csv", ("GET",), "shop.catalogue_csv"),
    ("/shop/help/<path:topic>", ("GET",), "shop.help_page"),
    ("/shop/cart", ("GET",), "shop.cart"),
    ("/shop/cart/add/<int:book_id>", ("POST",), "shop.add_to_cart"),
    ("/shop/cart/remove/<int:book_id>", ("POST",), "shop.remove_from_cart"),
    ("/shop/cart/checkout", ("POST",), "shop.checkout"),
    ("/shop/orders/<uuid:order_id>", ("GET",), "shop.order_detail"),
    ("/shop/orders/<uuid:order_id>/invoice.txt", ("GET",), "shop.invoice"),
    # api, api.v1, api.admin
    ("/api/ping", ("GET",), "api.ping"),
    ("/api/v1/books", ("GET", "POST"), "api.v1.books"),
    ("/api/v1/books/<int:book_id>", ("DELETE", "GET", "PATCH", "PUT"), "api.v1.book"),
    ("/api/v1/books/isbn/<isbn:isbn>", ("GET",), "api.v1.book_by_isbn"),
    ("/api/v1/books/lang/<string(length=2):lang>", ("GET",), "api.v1.books_by_language"),
    ("/api/v1/search", ("GET",), "api.v1.search_books"),
    ("/api/admin/stats", ("GET",), "api.admin.stats"),
    ("/api/admin/users", ("GET",), "api.admin.list_users"),
    ("/api/admin/users/<int:user_id>", ("PATCH",), "api.admin.update_user"),
    ("/api/admin/books/<int:book_id>/stock", ("PUT",), "api.admin.set_stock"),
    ("/api/admin/books/<int:book_id>/cover", ("POST",), "api.admin.upload_cover"),
    ("/api/admin/books/<int:book_id>/cover", ("DELETE",), "api.admin.delete_cover"),
}


def inventory(app):
    return {
        (rule.rule, tuple(sorted(rule.methods - {"HEAD", "OPTIONS"})), rule.endpoint)
        for rule in app.url_map.iter_rules()
    }


def test_route_inventory(app):
    assert inventory(app) == EXPECTED


def test_rule_count(app):
    assert len(list(app.url_map.iter_rules())) == len(EXPECTED) == 32


def test_book_list_defaults(app):
    defaults = {r.rule: r.defaults or {} for r in app.url_map.iter_rules("shop.book_list")}
    assert defaults == {"/shop/books/": {"page": 1}, "/shop/books/page/<int:page>": {}}
