"""Flask-RESTful: `Api(app_or_blueprint, prefix=...)`, `api.add_resource(Res, *urls,
endpoint=...)`, the `@api.resource(*urls)` class decorator and `api.init_app(app)`.

The endpoint defaults to the resource class name in lower case; the methods are
the HTTP methods the `Resource` (a `MethodView`) defines. On a blueprint,
Flask-RESTful builds the rule by concatenating the registration prefix, the
Api prefix and the url (no slash joining) and names the endpoint after the
blueprint's own name:

    api = Api(app, prefix="/api")
    api.add_resource(Todo, "/todos/<id>")    # /api/todos/<id>, endpoint "todo"
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from migrate.scan import library
from migrate.scan.interp import Interpreter
from migrate.scan.objects import AppObj, BlueprintObj, FlaskObj, RuleDecl
from migrate.scan.patterns.flask_core import allocate, bind
from migrate.scan.values import BuiltinFn, ClassV, Site, Unknown, ViewV

library.ALIASES.update(
    {"flask.ext.restful": "flask_restful", "flask_restful.Resource": "flask_restful.Resource"}
)
library.ANCESTORS.update({"flask_restful.Resource": "flask.views.MethodView"})

API_PARAMS = (
    "app",
    "prefix",
    "default_mediatype",
    "decorators",
    "catch_all_404s",
    "serve_challenge_on_401",
    "url_part_order",
    "errors",
)


@dataclass(eq=False)
class RestfulApi(FlaskObj):
    target: Any = None
    prefix: Any = ""
    url_part_order: Any = "bae"
    pending: list[tuple[Any, tuple[Any, ...], dict[str, Any], Site]] = field(default_factory=list)


def class_name(resource: Any) -> Any:
    if isinstance(resource, ClassV):
        return resource.cdef.name
    return Unknown("resource class not resolved")


def register(
    api: RestfulApi, resource: Any, urls: tuple[Any, ...], kwargs: dict[str, Any], site: Site
) -> None:
    options = dict(kwargs)
    endpoint = options.pop("endpoint", None)
    if endpoint is None:
        name = class_name(resource)
        endpoint = name.lower() if isinstance(name, str) else name
    for key in ("resource_class_args", "resource_class_kwargs"):
        options.pop(key, None)
    methods = options.pop("methods", None)
    view = ViewV(resource, endpoint, site.line)
    target = api.target
    prefix = api.prefix if isinstance(api.prefix, str) else api.prefix
    for url in urls:
        if isinstance(target, BlueprintObj):
            order = api.url_part_order if isinstance(api.url_part_order, str) else "bae"
            if not isinstance(prefix, str):
                url = prefix
            decl = RuleDecl(
                url,
                endpoint,
                view,
                methods,
                options,
                site,
                kind="resource",
                concat_parts=(order, prefix if isinstance(prefix, str) else ""),
            )
        else:
            rule = prefix + url if isinstance(prefix, str) and isinstance(url, str) else url
            if isinstance(prefix, Unknown):
                rule = prefix
            decl = RuleDecl(rule, endpoint, view, methods, options, site, kind="resource")
        decl.in_loop = site.loops[-1] if site.loops else None
        target.rules.append(decl)


def init_app(api: RestfulApi, target: Any, site: Site, interp: Interpreter) -> None:
    if not isinstance(target, AppObj | BlueprintObj):
        interp.finding(
            "unresolved-receiver",
            "Flask-RESTful Api bound to an app or blueprint the scan cannot resolve",
            site.file,
            site.line,
        )
        return
    api.target = target
    for resource, urls, kwargs, at in api.pending:
        register(api, resource, urls, kwargs, at)
    api.pending.clear()


@library.constructor("flask_restful.Api")
def make_api(
    interp: Interpreter, args: list[Any], kwargs: dict[str, Any], site: Site, cls: ClassV | None
) -> Any:
    api, new = allocate(interp, RestfulApi, args, kwargs, site, cls)
    if new:
        options = bind(API_PARAMS, args, kwargs)
        api.prefix = options.get("prefix", "")
        api.url_part_order = options.get("url_part_order", "bae")
        if options.get("app") is not None:
            init_app(api, options["app"], site, interp)
    return api


@library.attributes(RestfulApi)
def api_attr(interp: Interpreter, api: Any, name: str, _site: Site) -> Any:
    if name == "add_resource":

        def add_resource(args: list[Any], kwargs: dict[str, Any], site: Site) -> Any:
            resource = args[0] if args else kwargs.pop("resource", None)
            urls = tuple(args[1:])
            if api.target is None:
                api.pending.append((resource, urls, dict(kwargs), site))
            else:
                register(api, resource, urls, dict(kwargs), site)
            return None

        return BuiltinFn(add_resource, "add_resource")
    if name == "resource":

        def resource(args: list[Any], kwargs: dict[str, Any], site: Site) -> Any:
            def apply(a: list[Any], k: dict[str, Any], s: Site) -> Any:
                cls = a[0] if a else None
                if api.target is None:
                    api.pending.append((cls, tuple(args), dict(kwargs), site))
                else:
                    register(api, cls, tuple(args), dict(kwargs), site)
                return cls

            return BuiltinFn(apply, "resource")

        return BuiltinFn(resource, "resource")
    if name == "init_app":

        def init(args: list[Any], kwargs: dict[str, Any], site: Site) -> Any:
            init_app(api, args[0] if args else kwargs.get("app"), site, interp)
            return None

        return BuiltinFn(init, "init_app")
    return Unknown(f"attribute `{name}` of a Flask-RESTful Api")
