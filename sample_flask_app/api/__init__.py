"""The JSON API: ``/api/ping`` plus the versioned and admin child blueprints."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify
from werkzeug.exceptions import HTTPException

from .admin import bp as admin_bp
from .v1 import bp as v1_bp

bp = Blueprint("api", __name__, url_prefix="/api")


@bp.get("/ping")
def ping() -> dict[str, bool]:
    return {"pong": True}


@bp.errorhandler(HTTPException)
def http_error(error: HTTPException) -> tuple[Response, int]:
    """Errors raised inside API views are JSON, not Werkzeug's HTML pages."""
    return jsonify(error=error.name, description=error.description), error.code or 500


bp.register_blueprint(v1_bp)
bp.register_blueprint(admin_bp, url_prefix="/admin")
