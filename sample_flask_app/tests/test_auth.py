"""Registration, login/logout and the login_required decorator."""

from __future__ import annotations

from sample_flask_app.db import get_db


def test_register_form(client):
    resp = client.get("/auth/register")
    assert resp.status_code == 200
    assert b"<h1>Register</h1>" in resp.data


def test_register_creates_user(client, app):
    resp = client.post("/auth/register", data={"username": "carol", "password": "carol-pw"})
    assert resp.status_code == 302
    assert resp.headers["Location"].endswith("/auth/login")
    with app.app_context():
        row = get_db().execute("SELECT * FROM user WHERE username = 'carol'").fetchone()
        assert row is not None
        assert row["is_admin"] == 0


def test_registered_user_can_log_in(client, auth):
    client.post("/auth/register", data={"username": "carol", "password": "carol-pw"})
    assert auth.login("carol", "carol-pw").status_code == 302
    assert b"Signed in as <strong>carol</strong>" in client.get("/shop/books/").data


def test_register_validation(client):
    cases = [
        ({"username": "", "password": "secret1"}, b"Username is required."),
        ({"username": "x", "password": "123"}, b"at least 6 characters"),
        ({"username": "bob", "password": "secret1"}, b"User bob is already registered."),
    ]
    for data, message in cases:
        resp = client.post("/auth/register", data=data)
        assert resp.status_code == 400
        assert message in resp.data


def test_register_missing_field_is_bad_request(client):
    assert client.post("/auth/register", data={"username": "dave"}).status_code == 400


def test_login_form(client):
    resp = client.get("/auth/login")
    assert resp.status_code == 200
    assert b'name="username" value=""' in resp.data


def test_login_sets_session_and_redirects(client, auth):
    resp = auth.login()
    assert resp.status_code == 302
    assert resp.headers["Location"].endswith("/shop/books/")
    assert client.get("/shop/cart").status_code == 200
    assert b"Signed in as <strong>bob</strong>" in client.get("/shop/books/").data


def test_login_remembers_username_cookie(client, auth):
    resp = auth.login()
    assert "last_username=bob" in resp.headers["Set-Cookie"]
    auth.logout()
    assert b'name="username" value="bob"' in client.get("/auth/login").data


def test_login_rejects_bad_credentials(client, auth):
    for username, password in [("bob", "wrong"), ("nobody", "bob-secret")]:
        resp = auth.login(username, password)
        assert resp.status_code == 401
        assert b"Incorrect username or password." in resp.data
    assert client.get("/shop/cart").status_code == 302


def test_login_follows_safe_next(client):
    resp = client.get("/shop/cart")
    assert resp.status_code == 302
    assert resp.headers["Location"].endswith("/auth/login?next=/shop/cart")
    resp = client.post(
        "/auth/login?next=/shop/cart", data={"username": "bob", "password": "bob-secret"}
    )
    assert resp.headers["Location"] == "/shop/cart"


def test_login_ignores_external_next(client):
    resp = client.post(
        "/auth/login?next=//evil.example/", data={"username": "bob", "password": "bob-secret"}
    )
    assert resp.headers["Location"].endswith("/shop/books/")


def test_logout(client, auth):
    auth.login()
    resp = auth.logout()
    assert resp.status_code == 302
    assert resp.headers["Location"].endswith("/shop/books/")
    page = client.get("/shop/books/").data
    assert b"You have been logged out." in page
    assert b"Signed in as" not in page
    assert client.get("/shop/cart").status_code == 302


def test_logout_requires_post(client):
    assert client.get("/auth/logout").status_code == 405
