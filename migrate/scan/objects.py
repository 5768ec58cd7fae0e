"""Models of the Flask objects the interpreter builds: apps, blueprints, rules.

These mirror what Flask itself records at import time (`Flask`, `Blueprint`,
the deferred `add_url_rule` calls of a blueprint, `register_blueprint`
options). `urlmap.py` later replays them exactly as Flask's
`Blueprint.register` does to obtain the rules of each app's `url_map`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from migrate.scan.values import ClassV, Site


@dataclass(eq=False)
class RuleDecl:
    """One `add_url_rule` call (direct, through `route`, or a library's)."""

    rule: Any
    endpoint: Any  # str | None | Unknown
    view: Any  # FuncV | ViewV | Unknown | None
    methods: Any  # list | None | Unknown
    options: dict[str, Any]
    site: Site
    kind: str = "view"
    # flask-restful on a blueprint builds the rule by concatenation, not join
    concat_parts: tuple[str, str] | None = None  # (url_part_order, api prefix)
    in_loop: tuple[str, int] | None = None  # line of the enclosing unrolled loop, if any


@dataclass(eq=False)
class HookDecl:
    """`@bp.before_request`, `app.errorhandler(404)(f)`, ...: `app_wide` for the
    `*_app_*` forms of a blueprint, which apply to every route of the app."""

    kind: str
    func: Any
    site: Site
    app_wide: bool
    detail: str = ""  # the error code or exception of an errorhandler


@dataclass(eq=False)
class Registration:
    child: BlueprintObj
    options: dict[str, Any]
    site: Site


@dataclass(eq=False)
class FlaskObj:
    site: Site
    cls: ClassV | None = None
    label: str = ""  # the variable it was first bound to
    rules: list[RuleDecl] = field(default_factory=list)
    registrations: list[Registration] = field(default_factory=list)
    static_folder: Any = None
    static_url_path: Any = None
    endpoint_views: dict[Any, Any] = field(default_factory=dict)  # `@app.endpoint("x")`
    hooks: list[HookDecl] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)  # attributes user code set

    def effective_static_url_path(self) -> Any:
        if self.static_url_path is not None:
            return self.static_url_path
        if isinstance(self.static_folder, str):
            base = self.static_folder.rstrip("/").rsplit("/", 1)[-1]
            return f"/{base}".rstrip("/")
        return self.static_folder  # None or Unknown


@dataclass(eq=False)
class AppObj(FlaskObj):
    factory: str = ""  # qualname of the function that created it, if any
    module: str = ""
    converters: dict[str, Any] = field(default_factory=dict)
    # Flask adds the static rule in its constructor: later changes to
    # `app.static_url_path` do not move it
    static_rule_path: Any = "/static"

    def __post_init__(self) -> None:
        self.static_folder = "static"


@dataclass(eq=False)
class BlueprintObj(FlaskObj):
    name: Any = None
    url_prefix: Any = None
    subdomain: Any = None
    url_defaults: Any = None
    module: str = ""


@dataclass(eq=False)
class UrlMapV:
    app: AppObj


@dataclass(eq=False)
class ConvertersV:
    app: AppObj

    def setitem(self, key: Any, value: Any) -> None:
        self.app.converters[key] = value
