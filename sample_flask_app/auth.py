"""Session-based registration, login and logout."""

from __future__ import annotations

from flask import (
    Blueprint,
    flash,
    g,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from werkzeug.security import check_password_hash, generate_password_hash
from werkzeug.wrappers import Response

from .db import get_db

bp = Blueprint("auth", __name__, url_prefix="/auth")

REMEMBER_COOKIE = "last_username"


@bp.before_app_request
def load_logged_in_user() -> None:
    user_id = session.get("user_id")
    if user_id is None:
        g.user = None
    else:
        g.user = (
            get_db()
            .execute("SELECT id, username, is_admin FROM user WHERE id = ?", (user_id,))
            .fetchone()
        )


@bp.route("/register", methods=("GET", "POST"))
def register() -> str | Response | tuple[str, int]:
    if request.method == "POST":
        username = request.form["username"].strip()
        password = request.form["password"]
        error = None
        if not username:
            error = "Username is required."
        elif len(password) < 6:
            error = "Password must be at least 6 characters."
        if error is None:
            db = get_db()
            try:
                db.execute(
                    "INSERT INTO user (username, password) VALUES (?, ?)",
                    (username, generate_password_hash(password)),
                )
                db.commit()
            except db.IntegrityError:
                error = f"User {username} is already registered."
            else:
                flash("Account created, please log in.")
                return redirect(url_for("auth.login"))
        flash(error)
        return render_template("auth/register.html"), 400
    return render_template("auth/register.html")


@bp.route("/login", methods=["GET", "POST"])
def login() -> str | Response | tuple[str, int]:
    if request.method == "POST":
        username = request.form["username"]
        password = request.form["password"]
        user = get_db().execute("SELECT * FROM user WHERE username = ?", (username,)).fetchone()
        if user is None or not check_password_hash(user["password"], password):
            flash("Incorrect username or password.")
            return render_template("auth/login.html", username=username), 401

        session.clear()
        session["user_id"] = user["id"]
        target = request.args.get("next", "")
        if not target.startswith("/") or target.startswith("//"):
            target = url_for("shop.book_list")
        response = make_response(redirect(target))
        response.set_cookie(
            REMEMBER_COOKIE, username, max_age=30 * 24 * 3600, httponly=True, samesite="Lax"
        )
        return response

    return render_template("auth/login.html", username=request.cookies.get(REMEMBER_COOKIE, ""))


def logout() -> Response:
    session.clear()
    flash("You have been logged out.")
    return redirect(url_for("shop.book_list"))


bp.add_url_rule("/logout", view_func=logout, methods=["POST"])
