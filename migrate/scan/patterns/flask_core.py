"""Flask itself: `Flask`, `Blueprint`, `route` and its shortcuts, `add_url_rule`,
`register_blueprint`, `endpoint`, class-based views (`View.as_view`), custom
converters on `app.url_map.converters`, and `functools.wraps` (which decides the
endpoint name of a decorated view).

    bp = Blueprint("shop", __name__, url_prefix="/shop")

    @bp.get("/books/<int:book_id>")      # rule /shop/books/<int:book_id>
    def book(book_id): ...               # endpoint shop.book, methods GET
"""

from __future__ import annotations

from typing import Any

from migrate.scan import library
from migrate.scan.interp import Interpreter, _key
from migrate.scan.objects import (
    AppObj,
    BlueprintObj,
    ConvertersV,
    FlaskObj,
    HookDecl,
    Registration,
    RuleDecl,
    UrlMapV,
)
from migrate.scan.values import BuiltinFn, ClassV, DictV, ExternalV, FuncV, Site, Unknown, ViewV

library.ALIASES.update(
    {
        "flask.app.Flask": "flask.Flask",
        "flask.blueprints.Blueprint": "flask.Blueprint",
        "flask.sansio.app.App": "flask.Flask",
        "flask.sansio.blueprints.Blueprint": "flask.Blueprint",
        "flask.views.MethodView": "flask.views.MethodView",
    }
)
library.ANCESTORS.update({"flask.views.MethodView": "flask.views.View"})

FLASK_PARAMS = (
    "import_name",
    "static_url_path",
    "static_folder",
    "static_host",
    "host_matching",
    "subdomain_matching",
    "template_folder",
    "instance_path",
    "instance_relative_config",
    "root_path",
)
BLUEPRINT_PARAMS = (
    "name",
    "import_name",
    "static_folder",
    "static_url_path",
    "template_folder",
    "url_prefix",
    "subdomain",
    "url_defaults",
    "root_path",
    "cli_group",
)
HTTP_SHORTCUTS = ("get", "post", "put", "patch", "delete")
# hook name -> (kind it is reported as, applies app-wide when registered on a blueprint)
HOOKS = {
    "before_request": ("before_request", False),
    "after_request": ("after_request", False),
    "teardown_request": ("teardown_request", False),
    "context_processor": ("context_processor", False),
    "url_value_preprocessor": ("url_value_preprocessor", False),
    "url_defaults": ("url_defaults", False),
    "before_app_request": ("before_request", True),
    "after_app_request": ("after_request", True),
    "teardown_app_request": ("teardown_request", True),
    "app_context_processor": ("context_processor", True),
    "app_url_value_preprocessor": ("url_value_preprocessor", True),
    "app_url_defaults": ("url_defaults", True),
    "teardown_appcontext": ("teardown_appcontext", True),
    "before_first_request": ("before_first_request", True),
}
ERROR_HANDLERS = {"errorhandler": False, "app_errorhandler": True}


def bind(names: tuple[str, ...], args: list[Any], kwargs: dict[str, Any]) -> dict[str, Any]:
    bound = dict(zip(names, args, strict=False))
    bound.update(kwargs)
    return bound


def allocate(
    interp: Interpreter,
    kind: type[FlaskObj],
    args: list[Any],
    kwargs: dict[str, Any],
    site: Site,
    cls: ClassV | None,
) -> tuple[Any, bool]:
    """The object created at `site` with these arguments; True if it is new."""
    held: list[Any] = [cls]  # objects whose ids are part of the key, nested ones too
    key = (
        kind.__name__,
        site.file,
        site.line,
        id(cls),
        tuple(_key(a, held) for a in args),
        tuple(sorted((k, _key(v, held)) for k, v in kwargs.items())),
    )
    if key in interp.heap:
        return interp.heap[key], False
    interp.keep.append(held)
    obj = kind(site, cls)
    interp.heap[key] = obj
    interp.objects.append(obj)
    return obj, True


def configure_app(app: AppObj, args: list[Any], kwargs: dict[str, Any]) -> None:
    options = bind(FLASK_PARAMS, args, kwargs)
    app.static_folder = options.get("static_folder", "static")
    app.static_url_path = options.get("static_url_path")
    app.static_rule_path = app.effective_static_url_path()


def configure_blueprint(bp: BlueprintObj, args: list[Any], kwargs: dict[str, Any]) -> None:
    options = bind(BLUEPRINT_PARAMS, args, kwargs)
    bp.name = options.get("name", Unknown("blueprint without a name"))
    bp.url_prefix = options.get("url_prefix")
    bp.subdomain = options.get("subdomain")
    bp.url_defaults = options.get("url_defaults")
    bp.static_folder = options.get("static_folder")
    bp.static_url_path = options.get("static_url_path")


@library.constructor("flask.Flask")
def make_app(
    interp: Interpreter, args: list[Any], kwargs: dict[str, Any], site: Site, cls: ClassV | None
) -> Any:
    app, new = allocate(interp, AppObj, args, kwargs, site, cls)
    if new:
        app.factory = site.function
        if cls is None or not interp.init_subclass(app, cls, args, kwargs, site):
            configure_app(app, args, kwargs)
    return app


@library.constructor("flask.Blueprint")
def make_blueprint(
    interp: Interpreter, args: list[Any], kwargs: dict[str, Any], site: Site, cls: ClassV | None
) -> Any:
    bp, new = allocate(interp, BlueprintObj, args, kwargs, site, cls)
    if new and (cls is None or not interp.init_subclass(bp, cls, args, kwargs, site)):
        configure_blueprint(bp, args, kwargs)
    return bp


@library.constructor("flask.Flask.__init__", "flask.Blueprint.__init__")
def explicit_init(
    interp: Interpreter, args: list[Any], kwargs: dict[str, Any], site: Site, cls: ClassV | None
) -> Any:
    if args and isinstance(args[0], AppObj):
        configure_app(args[0], args[1:], kwargs)
    elif args and isinstance(args[0], BlueprintObj):
        configure_blueprint(args[0], args[1:], kwargs)
    return None


@library.constructor("functools.wraps")
def wraps(
    interp: Interpreter, args: list[Any], kwargs: dict[str, Any], site: Site, cls: ClassV | None
) -> Any:
    wrapped = args[0] if args else kwargs.get("wrapped")

    def apply(a: list[Any], k: dict[str, Any], s: Site) -> Any:
        return copy_name(a[0] if a else None, wrapped)

    return BuiltinFn(apply, "functools.wraps")


@library.constructor("functools.update_wrapper")
def update_wrapper(
    interp: Interpreter, args: list[Any], kwargs: dict[str, Any], site: Site, cls: ClassV | None
) -> Any:
    wrapper = args[0] if args else kwargs.get("wrapper")
    wrapped = args[1] if len(args) > 1 else kwargs.get("wrapped")
    return copy_name(wrapper, wrapped)


def copy_name(wrapper: Any, wrapped: Any) -> Any:
    if isinstance(wrapper, FuncV):
        if isinstance(wrapped, FuncV):
            wrapper.name = wrapped.name
            wrapper.origin = wrapped.view
            wrapper.methods = wrapped.methods
        elif isinstance(wrapped, ViewV):
            wrapper.name = wrapped.name
            wrapper.origin = None
            wrapper.methods = wrapped
    return wrapper


@library.constructor("flask.views.View.as_view")
def as_view(
    interp: Interpreter, args: list[Any], kwargs: dict[str, Any], site: Site, cls: ClassV | None
) -> Any:
    name = args[0] if args else kwargs.get("name", Unknown("as_view without a name"))
    return ViewV(cls, name, site.line)


def add_rule(
    obj: FlaskObj, rule: Any, endpoint: Any, view: Any, options: dict[str, Any], site: Site
) -> None:
    options = dict(options)
    methods = options.pop("methods", None)
    options.pop("provide_automatic_options", None)
    obj.rules.append(
        RuleDecl(
            rule,
            endpoint,
            view,
            methods,
            options,
            site,
            in_loop=site.loops[-1] if site.loops else None,
        )
    )


def route_decorator(obj: FlaskObj, rule: Any, options: dict[str, Any], site: Site) -> BuiltinFn:
    def apply(args: list[Any], kwargs: dict[str, Any], s: Site) -> Any:
        view = args[0] if args else None
        opts = dict(options)
        endpoint = opts.pop("endpoint", None)
        add_rule(obj, rule, endpoint, view, opts, site)
        return view

    return BuiltinFn(apply, "route")


@library.attributes(FlaskObj)
def flask_object_attr(interp: Interpreter, obj: Any, name: str, _site: Site) -> Any:
    if name in obj.extra:
        return obj.extra[name]
    if name == "route":

        def route(args: list[Any], kwargs: dict[str, Any], site: Site) -> Any:
            rule = args[0] if args else kwargs.pop("rule", Unknown("route without a rule"))
            return route_decorator(obj, rule, kwargs, site)

        return BuiltinFn(route, "route")
    if name in HTTP_SHORTCUTS:

        def shortcut(args: list[Any], kwargs: dict[str, Any], site: Site) -> Any:
            rule = args[0] if args else kwargs.pop("rule", Unknown("route without a rule"))
            return route_decorator(obj, rule, {**kwargs, "methods": [name.upper()]}, site)

        return BuiltinFn(shortcut, name)
    if name == "add_url_rule":

        def add_url_rule(args: list[Any], kwargs: dict[str, Any], site: Site) -> Any:
            values = bind(
                ("rule", "endpoint", "view_func", "provide_automatic_options"), args, kwargs
            )
            rule = values.pop("rule", Unknown("add_url_rule without a rule"))
            endpoint = values.pop("endpoint", None)
            view = values.pop("view_func", None)
            add_rule(obj, rule, endpoint, view, values, site)
            return None

        return BuiltinFn(add_url_rule, "add_url_rule")
    if name == "register_blueprint":

        def register(args: list[Any], kwargs: dict[str, Any], site: Site) -> Any:
            child = args[0] if args else kwargs.pop("blueprint", None)
            if isinstance(child, BlueprintObj):
                obj.registrations.append(Registration(child, dict(kwargs), site))
            else:
                reason = child.reason if isinstance(child, Unknown) else "not a Blueprint"
                interp.finding(
                    "unresolved-blueprint",
                    f"register_blueprint() of a value the scan cannot resolve: {reason}",
                    site.file,
                    site.line,
                )
            return None

        return BuiltinFn(register, "register_blueprint")
    if name == "endpoint" and isinstance(obj, AppObj | BlueprintObj):

        def endpoint(args: list[Any], kwargs: dict[str, Any], site: Site) -> Any:
            endpoint_name = args[0] if args else kwargs.get("endpoint")

            def apply(a: list[Any], k: dict[str, Any], s: Site) -> Any:
                obj.endpoint_views[endpoint_name] = a[0] if a else None
                return a[0] if a else None

            return BuiltinFn(apply, "endpoint")

        return BuiltinFn(endpoint, "endpoint")
    if name in HOOKS:
        kind, on_app = HOOKS[name]

        def hook(args: list[Any], kwargs: dict[str, Any], site: Site) -> Any:
            func = args[0] if args else None
            obj.hooks.append(HookDecl(kind, func, site, on_app or isinstance(obj, AppObj)))
            return func

        return BuiltinFn(hook, name)
    if name in ERROR_HANDLERS or name == "register_error_handler":
        on_app = ERROR_HANDLERS.get(name, False) or isinstance(obj, AppObj)

        def errorhandler(args: list[Any], kwargs: dict[str, Any], site: Site) -> Any:
            code = args[0] if args else kwargs.get("code_or_exception")
            detail = str(code) if isinstance(code, int | str) else _label(code)
            if name == "register_error_handler":
                obj.hooks.append(
                    HookDecl(
                        "errorhandler", args[1] if len(args) > 1 else None, site, on_app, detail
                    )
                )
                return None

            def apply(a: list[Any], k: dict[str, Any], s: Site) -> Any:
                func = a[0] if a else None
                obj.hooks.append(HookDecl("errorhandler", func, site, on_app, detail))
                return func

            return BuiltinFn(apply, "errorhandler")

        return BuiltinFn(errorhandler, name)
    if name == "url_map" and isinstance(obj, AppObj):
        return UrlMapV(obj)
    if name == "__init__":

        def init(args: list[Any], kwargs: dict[str, Any], site: Site) -> Any:
            if isinstance(obj, AppObj):
                configure_app(obj, args, kwargs)
            elif isinstance(obj, BlueprintObj):
                configure_blueprint(obj, args, kwargs)
            return None

        return BuiltinFn(init, "__init__")
    if isinstance(obj, BlueprintObj) and name in ("name", "url_prefix", "subdomain"):
        return getattr(obj, name)
    return Unknown(f"attribute `{name}` of a Flask object")


def _label(value: Any) -> str:
    if isinstance(value, ClassV):
        return value.cdef.name
    if isinstance(value, ExternalV):
        return value.qualname.rsplit(".", 1)[-1]
    return "?"


@library.attributes(UrlMapV)
def url_map_attr(interp: Interpreter, obj: Any, name: str, _site: Site) -> Any:
    if name == "converters":
        return ConvertersV(obj.app)
    return Unknown(f"url_map.{name}")


@library.attributes(ConvertersV)
def converters_attr(interp: Interpreter, obj: Any, name: str, _site: Site) -> Any:
    if name == "update":

        def update(args: list[Any], kwargs: dict[str, Any], site: Site) -> Any:
            if args and isinstance(args[0], DictV):
                obj.app.converters.update(args[0].items)
            obj.app.converters.update(kwargs)
            return None

        return BuiltinFn(update, "converters.update")
    return Unknown(f"converters.{name}")
