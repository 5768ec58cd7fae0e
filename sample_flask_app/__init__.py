"""A small bookshop: HTML storefront, session auth and a JSON API."""

from __future__ import annotations

import os
import uuid
from typing import Any

from flask import Flask, jsonify, redirect, render_template, request, url_for
from werkzeug.exceptions import NotFound
from werkzeug.wrappers import Response

from . import auth, db
from .api import bp as api_bp
from .converters import IsbnConverter
from .errors import OutOfStock
from .shop import bp as shop_bp


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Application factory; ``config`` is merged into ``app.config``."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(
        SECRET_KEY="dev",
        DATABASE=os.path.join(app.instance_path, "bookshop.sqlite"),
        BOOKS_PER_PAGE=5,
        MAX_CONTENT_LENGTH=2 * 1024 * 1024,
    )
    if config is None:
        app.config.from_pyfile("config.py", silent=True)
    else:
        app.config.update(config)
    # Uploaded covers live next to the database unless configured otherwise.
    app.config.setdefault(
        "UPLOAD_FOLDER", os.path.join(os.path.dirname(app.config["DATABASE"]), "covers")
    )

    # Converters must be registered before any rule that uses them.
    app.url_map.converters["isbn"] = IsbnConverter
    db.init_app(app)

    app.register_blueprint(auth.bp)
    app.register_blueprint(shop_bp, url_prefix="/shop")
    app.register_blueprint(api_bp)

    @app.route("/", methods=["GET"])
    def index() -> Response:
        return redirect(url_for("shop.book_list"))

    @app.get("/healthz")
    def healthz() -> tuple[str, int, dict[str, str]]:
        return "ok", 200, {"Content-Type": "text/plain; charset=utf-8"}

    @app.after_request
    def add_request_id(response: Response) -> Response:
        request_id = request.headers.get("X-Request-ID", "")[:64]
        response.headers["X-Request-ID"] = request_id or uuid.uuid4().hex
        return response

    @app.errorhandler(404)
    def not_found(error: NotFound) -> tuple[Any, int]:
        if request.path.startswith("/api/"):
            return jsonify(error="Not Found", description=error.description), 404
        return render_template("error.html", title="Page not found", message=error.description), 404

    @app.errorhandler(OutOfStock)
    def out_of_stock(error: OutOfStock) -> tuple[str, int]:
        return render_template("error.html", title="Out of stock", message=str(error)), 409

    return app
