"""Flask extensions a codebase imports, and what each becomes on the FastAPI side.

The table is data: one `Extension` per project, keyed in `EXTENSIONS` by every
module name it is imported as. `extensions_used` matches a file's imports by
module prefix, so `flask_sqlalchemy.model` counts as Flask-SQLAlchemy.

    extensions_used(["flask_login", "flask_sqlalchemy.model"])
    # -> [Extension("Flask-Login", ...), Extension("Flask-SQLAlchemy", ...)]
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Extension:
    name: str  # the project's display name
    modules: tuple[str, ...]  # import names
    does: str
    fastapi: str  # the equivalent on the FastAPI side, or the strategy


_TABLE = (
    Extension(
        "Flask-SQLAlchemy",
        ("flask_sqlalchemy",),
        "SQLAlchemy bound to the app: db.Model, db.session scoped to the app context, Model.query.",
        "Plain SQLAlchemy 2.0 with a session-per-request dependency (Depends(get_session)); "
        "Model.query becomes select(); AsyncSession only with an async driver.",
    ),
    Extension(
        "Flask-Login",
        ("flask_login",),
        "Session-cookie login: current_user, login_user, @login_required, user_loader.",
        "A get_current_user dependency over a session cookie (SessionMiddleware) or a token "
        "(OAuth2PasswordBearer); fastapi-users if you want the flows ready-made.",
    ),
    Extension(
        "Flask-WTF",
        ("flask_wtf",),
        "WTForms integration: form classes, validation, CSRF tokens, file fields.",
        "Pydantic models fed by Form(...) parameters (UploadFile for files); CSRF protection "
        "needs a middleware of its own, FastAPI has none.",
    ),
    Extension(
        "Flask-CORS",
        ("flask_cors",),
        "CORS headers for the app or per route.",
        "fastapi.middleware.cors.CORSMiddleware (built in; app-wide, per-route needs a "
        "sub-application).",
    ),
    Extension(
        "Flask-Limiter",
        ("flask_limiter",),
        "Rate limits per route or app, backed by the `limits` library.",
        "slowapi (the same `limits` backend and decorator style; the route takes a "
        "`request: Request` parameter).",
    ),
    Extension(
        "Flask-Caching",
        ("flask_caching",),
        "View and function caching (@cache.cached, @cache.memoize) on Redis, Memcached, ...",
        "fastapi-cache2 (@cache decorator, Redis/Memcached/in-memory backends), or explicit "
        "caching with redis.asyncio.",
    ),
    Extension(
        "Flask-Migrate",
        ("flask_migrate",),
        "Alembic migrations run through `flask db`.",
        "Alembic itself (`alembic upgrade head`); the existing migrations folder carries over "
        "once env.py gets the metadata without the Flask app.",
    ),
    Extension(
        "Flask-RESTful",
        ("flask_restful",),
        "Resource classes with get/post/... methods, reqparse, marshal_with fields.",
        "An APIRouter with one route per method; reqparse becomes typed parameters or a "
        "Pydantic body, marshal_with a response_model.",
    ),
    Extension(
        "Flask-RESTX",
        ("flask_restx", "flask_restplus"),
        "Resource classes grouped in namespaces, api.model schemas, Swagger UI.",
        "An APIRouter per namespace, Pydantic models for api.model/fields; OpenAPI and the "
        "docs UI are built in.",
    ),
    Extension(
        "Flask-JWT-Extended",
        ("flask_jwt_extended",),
        "JWT access/refresh tokens: @jwt_required, get_jwt_identity, token in headers or cookies.",
        "An HTTPBearer/OAuth2PasswordBearer dependency decoding with PyJWT (or Authlib); "
        "refresh, blocklist and cookie CSRF are yours to rebuild.",
    ),
    Extension(
        "Flask-SocketIO",
        ("flask_socketio",),
        "Socket.IO server on the Flask app: @socketio.on handlers, rooms, emit.",
        "python-socketio's AsyncServer wrapped in socketio.ASGIApp and mounted beside FastAPI; "
        "handlers become `async def` taking a sid, clients stay as they are.",
    ),
    Extension(
        "flask-sock",
        ("flask_sock",),
        "Plain WebSocket routes (@sock.route) on Werkzeug.",
        "@app.websocket routes taking a WebSocket (await receive_text()/send_text()).",
    ),
    Extension(
        "Flask-Babel",
        ("flask_babel", "flask_babelex"),
        "Translations and locale formatting via Babel: gettext, locale selector.",
        "Babel directly, with a locale dependency (Accept-Language) and the Jinja2 i18n "
        "extension; the .po/.mo catalogs carry over.",
    ),
    Extension(
        "Flask-Mail",
        ("flask_mail",),
        "SMTP email: Message, mail.send, settings from app config.",
        "fastapi-mail or aiosmtplib, or the same smtplib code run in BackgroundTasks.",
    ),
    Extension(
        "Flask-Admin",
        ("flask_admin",),
        "Generated admin CRUD views over models.",
        "SQLAdmin or starlette-admin; or keep Flask-Admin mounted as a WSGI app (a2wsgi) "
        "until last.",
    ),
    Extension(
        "Flask-AppBuilder",
        ("flask_appbuilder",),
        "A whole application framework: security, CRUD views, menus, REST API.",
        "No equivalent: keep it mounted as a WSGI app behind FastAPI and move its API views "
        "one by one.",
    ),
    Extension(
        "Flask-Session",
        ("flask_session",),
        "Server-side sessions (Redis, filesystem, SQLAlchemy, ...) behind a session-id cookie.",
        "Starlette's SessionMiddleware is a signed cookie only; server-side storage needs a "
        "store keyed by a session-id cookie (e.g. starsessions). Stored sessions do not carry "
        "over.",
    ),
    Extension(
        "Flask-Marshmallow",
        ("flask_marshmallow",),
        "marshmallow schemas bound to the app, SQLAlchemy auto-schemas.",
        "Pydantic models (from_attributes=True for ORM objects); marshmallow still works by "
        "hand but FastAPI validates and documents Pydantic only.",
    ),
    Extension(
        "Flask-Smorest",
        ("flask_smorest",),
        "REST APIs with marshmallow: @blp.arguments, @blp.response, OpenAPI.",
        "An APIRouter with Pydantic query/body models and response_model; OpenAPI is built in.",
    ),
    Extension(
        "flasgger",
        ("flasgger",),
        "Swagger UI and specs from docstrings or YAML files.",
        "Built in: /docs and /openapi.json come from the type hints; the YAML specs go away.",
    ),
    Extension(
        "Flask-Talisman",
        ("flask_talisman",),
        "HTTPS redirect and security headers (CSP, HSTS, ...).",
        "HTTPSRedirectMiddleware (Starlette, built in) plus a small middleware setting the "
        "headers, or the `secure` package.",
    ),
    Extension(
        "Flask-Compress",
        ("flask_compress",),
        "gzip/brotli/zstd response compression.",
        "GZipMiddleware (built in); brotli through brotli-asgi.",
    ),
    Extension(
        "Flask-Bcrypt",
        ("flask_bcrypt",),
        "bcrypt password hashing bound to app config.",
        "bcrypt (or passlib/pwdlib) called directly; the stored hashes stay valid.",
    ),
    Extension(
        "Flask-Principal",
        ("flask_principal",),
        "Identities and permissions (Needs) checked per request.",
        "Permission dependencies (Depends(require_role('admin'))) or OAuth2 scopes with "
        "Security(..., scopes=[...]).",
    ),
    Extension(
        "Flask-Security-Too",
        ("flask_security",),
        "Full auth on Flask-Login/Principal: registration, roles, 2FA, tokens, confirmations.",
        "fastapi-users for registration/login/OAuth; roles, 2FA and the rest rebuilt as "
        "dependencies. The largest auth move.",
    ),
    Extension(
        "Flask-Dance",
        ("flask_dance",),
        "OAuth consumer blueprints (GitHub, Google, ...).",
        "Authlib's Starlette client (authlib.integrations.starlette_client.OAuth), which needs "
        "SessionMiddleware.",
    ),
    Extension(
        "Flask-DebugToolbar",
        ("flask_debugtoolbar",),
        "In-page debug panel for development.",
        "fastapi-debug-toolbar, or drop it (development only).",
    ),
    Extension(
        "Flask-Assets",
        ("flask_assets",),
        "webassets bundling and minifying of CSS/JS at runtime.",
        "Build the bundles ahead of time (webassets CLI, esbuild, ...) and serve them with "
        "StaticFiles.",
    ),
    Extension(
        "Flask-Moment",
        ("flask_moment",),
        "moment.js date rendering helpers in Jinja templates.",
        "Include moment.js (or day.js) in the templates yourself; there is no server side.",
    ),
    Extension(
        "Flask-Bootstrap",
        ("flask_bootstrap",),
        "Bootstrap base templates and form-rendering macros.",
        "Copy the base templates/macros into the Jinja2Templates directory and load Bootstrap "
        "from static files or a CDN.",
    ),
    Extension(
        "Flask-APScheduler",
        ("flask_apscheduler",),
        "APScheduler jobs configured from the app, with an optional REST API.",
        "APScheduler directly (AsyncIOScheduler) started and stopped in the lifespan handler.",
    ),
    Extension(
        "Flask-Executor",
        ("flask_executor",),
        "concurrent.futures executors that carry the app and request context.",
        "BackgroundTasks for fire-and-forget, run_in_threadpool/anyio for blocking work, or a "
        "task queue (Celery, RQ, arq); pass values, not the request context.",
    ),
    Extension(
        "Flask-Redis",
        ("flask_redis",),
        "A redis-py client configured from the app.",
        "redis.asyncio.Redis created in the lifespan handler and handed out by a dependency.",
    ),
    Extension(
        "Flask-PyMongo",
        ("flask_pymongo",),
        "A PyMongo client configured from the app, plus helpers (send_file, find_one_or_404).",
        "Motor (async MongoDB driver) created in the lifespan handler and handed out by a "
        "dependency; find_one_or_404 becomes an explicit HTTPException.",
    ),
)
EXTENSIONS: dict[str, Extension] = {module: ext for ext in _TABLE for module in ext.modules}


def extensions_used(imports: Iterable[str]) -> list[Extension]:
    """The extensions among dotted module names, once each, sorted by name."""
    found: dict[str, Extension] = {}
    for dotted in imports:
        parts = dotted.split(".")
        for end in range(len(parts), 0, -1):  # the longest known prefix
            ext = EXTENSIONS.get(".".join(parts[:end]))
            if ext is not None:
                found[ext.name] = ext
                break
    return sorted(found.values(), key=lambda ext: ext.name.casefold())
