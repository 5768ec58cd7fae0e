"""Hand-built inventories for the renderer tests: no scan involved, so each
test states exactly the facts, hooks, scores and reasons it renders."""

from __future__ import annotations

from typing import Any

from migrate.model import (
    App,
    Blueprint,
    Decorator,
    Fact,
    FileError,
    Finding,
    Hook,
    Inventory,
    Location,
    Param,
    Reason,
    Route,
    View,
)

APP = "shop:create_app()"
OTHER_APP = "tools:app"


def fact(
    kind: str,
    name: str,
    file: str,
    line: int,
    detail: str = "",
    via: tuple[str, ...] = (),
    **data: Any,
) -> Fact:
    return Fact(kind, name, detail, file, line, tuple(sorted(data.items())), via)


def route(
    rule: str,
    endpoint: str,
    *,
    methods: tuple[str, ...] = ("GET",),
    app: str = APP,
    blueprint: str | None = None,
    score: int = 0,
    reasons: tuple[Reason, ...] = (),
    facts: tuple[Fact, ...] = (),
    hooks: tuple[Hook, ...] = (),
    decorators: tuple[Decorator, ...] = (),
    kind: str = "view",
    file: str = "views.py",
    line: int = 10,
) -> Route:
    view = None if kind == "static" else View(endpoint.rsplit(".", 1)[-1], file, line, "shop.views")
    return Route(
        rule=rule,
        methods=methods,
        endpoint=endpoint,
        app=app,
        blueprint=blueprint,
        view=view,
        kind=kind,
        source=Location(file, line - 1),
        facts=facts,
        hooks=hooks,
        decorators=decorators,
        score=score,
        reasons=reasons,
    )


LOAD_USER = Hook(
    "before_request",
    "app",
    "shop.auth.load_user",
    "auth.py",
    20,
    (fact("context", "g.user", "auth.py", 22, "g.user (write)", access="write"),),
)
SHOP_HOOK = Hook("before_request", "shop", "shop.views.open_cart", "views.py", 5)
LOGIN_REQUIRED = Decorator(
    "login_required",
    "decorators.py",
    8,
    (fact("context", "g.user", "decorators.py", 11, "g.user (read)", access="read"),),
)


def sample_routes() -> list[Route]:
    return [
        route("/static/<path:filename>", "static", kind="static"),
        route(
            "/api/v1/items",
            "api.v1.items",
            blueprint="api.v1",
            file="api/v1.py",
            line=30,
            facts=(fact("response", "jsonify", "api/v1.py", 33, "jsonify -> return the value"),),
            hooks=(LOAD_USER,),
            score=1,
            reasons=(Reason(1, "returns JSON", "api/v1.py", 33),),
        ),
        route(
            "/api/v1/items",
            "api.v1.create_item",
            methods=("POST",),
            blueprint="api.v1",
            file="api/v1.py",
            line=40,
            facts=(
                fact(
                    "request", "request.json", "api/v1.py", 42, "key 'name' (required)", key="name"
                ),
                fact("context", "g.user", "api/v1.py", 44, "g.user (write)", access="write"),
            ),
            hooks=(LOAD_USER,),
            score=5,
            reasons=(
                Reason(3, "uses request-global g: g.user", "api/v1.py", 44),
                Reason(2, "before_request hook of app: shop.auth.load_user", "auth.py", 20),
            ),
        ),
        route(
            "/shop/cart",
            "shop.cart",
            blueprint="shop",
            file="views.py",
            line=50,
            facts=(
                fact(
                    "context", "session", "views.py", 52, "session key 'cart' (read)", access="read"
                ),
                fact(
                    "blocking",
                    "requests.get",
                    "helpers.py",
                    12,
                    "HTTP call",
                    via=("shop.helpers.prices", "shop.helpers.fetch"),
                ),
            ),
            hooks=(LOAD_USER, SHOP_HOOK),
            decorators=(LOGIN_REQUIRED,),
            score=9,
            reasons=(
                Reason(3, "auth decorator login_required", "decorators.py", 8),
                Reason(3, "uses the Flask session: session", "views.py", 52),
                Reason(
                    2,
                    "blocking call: requests.get (via shop.helpers.prices -> shop.helpers.fetch)",
                    "helpers.py",
                    12,
                ),
                Reason(1, "before_request hook of shop: shop.views.open_cart", "views.py", 5),
            ),
        ),
        route(
            "/ws",
            "ws",
            file="ws.py",
            line=7,
            facts=(fact("websocket", "sock.route", "ws.py", 6, "flask-sock handler"),),
            score=14,
            reasons=(
                Reason(5, "WebSocket handler (no WSGI bridge can carry it)", "ws.py", 6),
                Reason(3, "uses request-global g: g.conn", "ws.py", 9),
                Reason(3, "uses the Flask session: session", "ws.py", 10),
                Reason(3, "third reason, never in the table", "ws.py", 11),
            ),
        ),
        route("/ping", "ping", app=OTHER_APP, file="tools.py", line=4),
    ]


def sample_inventory(routes: list[Route] | None = None, **overrides: Any) -> Inventory:
    values: dict[str, Any] = {
        "root": "proj",
        "files_scanned": 7,
        "apps": (App(APP, "__init__.py", 22, factory="create_app"), App(OTHER_APP, "tools.py", 1)),
        "blueprints": (
            Blueprint("api", "api/__init__.py", 3, "/api", registered_as=("api",)),
            Blueprint("v1", "api/v1.py", 10, "/v1", registered_as=("api.v1",)),
            Blueprint("shop", "views.py", 2, "/shop", registered_as=("shop",)),
        ),
        "routes": tuple(sample_routes() if routes is None else routes),
        "findings": (
            Finding("dynamic-rule", "rule built from a runtime value", "app.py", 29, "warning"),
            Finding("route-in-loop", "loop over literal values unrolled", "app.py", 40, "info"),
            Finding("internal-error", "scanner defect", "broken.py", 0, "error"),
        ),
        "errors": (FileError("legacy/py2.py", 0, "syntax error: Missing parentheses"),),
    }
    values.update(overrides)
    return Inventory(**values)


def params_route() -> Route:
    base = route("/items/<int:item_id>", "items.detail", blueprint=None)
    return Route(**{**base.__dict__, "params": (Param("item_id", "int"),)})
