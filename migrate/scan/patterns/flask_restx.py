"""Flask-RESTX (and its ancestor Flask-RESTPlus): `Api(app_or_blueprint, prefix=...,
doc=...)`, `Namespace(name, path=...)`, `api.add_namespace(ns, path=...)`,
`api.namespace(...)`, `@ns.route(*urls)` / `@api.route(*urls)` on `Resource`
classes, `ns.add_resource(...)`, and the routes RESTX adds itself: the Swagger
spec (`specs`), the docs page (`doc`), the API root (`root`) and the
`restx_doc` static blueprint.

    api = Api(app, prefix="/api")
    ns = api.namespace("cats")               # path /cats
    @ns.route("/<id>")                       # /api/cats/<id>, endpoint cats_cat
    class Cat(Resource): ...
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from migrate.scan import library
from migrate.scan.interp import Interpreter
from migrate.scan.objects import AppObj, BlueprintObj, FlaskObj, Registration, RuleDecl
from migrate.scan.patterns.flask_core import allocate, bind
from migrate.scan.values import BuiltinFn, ClassV, Site, Unknown, ViewV

library.ALIASES.update({"flask_restplus": "flask_restx"})
library.ANCESTORS.update({"flask_restx.Resource": "flask.views.MethodView"})

API_PARAMS = (
    "app",
    "version",
    "title",
    "description",
    "terms_url",
    "license",
    "license_url",
    "contact",
    "contact_url",
    "contact_email",
    "authorizations",
    "security",
    "doc",
    "default_id",
    "default",
    "default_label",
    "validate",
    "tags",
    "prefix",
)
NAMESPACE_PARAMS = (
    "name",
    "description",
    "path",
    "decorators",
    "validate",
    "authorizations",
    "ordered",
)
_FIRST_CAP = re.compile("(.)([A-Z][a-z]+)")
_ALL_CAP = re.compile("([a-z0-9])([A-Z])")


def camel_to_dash(value: str) -> str:
    return _ALL_CAP.sub(r"\1_\2", _FIRST_CAP.sub(r"\1_\2", value)).lower()


@dataclass(eq=False)
class Namespace(FlaskObj):
    name: Any = None
    path_arg: Any = None
    resources: list[tuple[Any, tuple[Any, ...], dict[str, Any], Site]] = field(default_factory=list)
    apis: list[RestxApi] = field(default_factory=list)

    @property
    def path(self) -> Any:
        if isinstance(self.path_arg, str) and self.path_arg:
            return self.path_arg.rstrip("/")
        if isinstance(self.name, str):
            return ("/" + self.name).rstrip("/")
        return Unknown("namespace name not known statically")


@dataclass(eq=False)
class RestxApi(FlaskObj):
    target: Any = None
    prefix: Any = ""
    doc: Any = "/"
    default_ns: Namespace | None = None
    ns_paths: dict[int, Any] = field(default_factory=dict)
    namespaces: list[Namespace] = field(default_factory=list)
    pending: list[tuple[Any, Any, tuple[Any, ...], dict[str, Any], Site]] = field(
        default_factory=list
    )
    endpoints: set[str] = field(default_factory=set)


def _join(*parts: Any) -> Any:
    for part in parts:
        if not isinstance(part, str):
            return part if isinstance(part, Unknown) else Unknown("url part not known statically")
    return "".join(p for p in parts if p)


def default_endpoint(api: RestxApi, resource: Any, ns: Namespace) -> Any:
    if not isinstance(resource, ClassV):
        return Unknown("resource class not resolved")
    endpoint = camel_to_dash(resource.cdef.name)
    if ns is not api.default_ns:
        if not isinstance(ns.name, str):
            return Unknown("namespace name not known statically")
        endpoint = f"{ns.name}_{endpoint}"
    if endpoint in api.endpoints:
        suffix = 2
        while f"{endpoint}_{suffix}" in api.endpoints:
            suffix += 1
        endpoint = f"{endpoint}_{suffix}"
    return endpoint


def register_resource(
    api: RestxApi,
    ns: Namespace,
    resource: Any,
    urls: tuple[Any, ...],
    kwargs: dict[str, Any],
    site: Site,
) -> None:
    options = dict(kwargs)
    endpoint = options.pop("endpoint", None) or default_endpoint(api, resource, ns)
    if isinstance(endpoint, str):
        api.endpoints.add(endpoint)
    if api.target is None:
        api.pending.append((resource, endpoint, urls, options, site))
    else:
        register_view(api, resource, endpoint, urls, options, site)


def register_view(
    api: RestxApi,
    resource: Any,
    endpoint: Any,
    urls: tuple[Any, ...],
    options: dict[str, Any],
    site: Site,
    deferred_bp: bool = True,
) -> None:
    options = {k: v for k, v in options.items() if not k.startswith("resource_class_")}
    methods = options.pop("methods", None)
    options.pop("doc", None)
    view = ViewV(resource, endpoint, site.line)
    target = api.target
    for url in urls:
        if isinstance(target, BlueprintObj) and deferred_bp:
            prefix = api.prefix if isinstance(api.prefix, str) else ""
            decl = RuleDecl(
                url,
                endpoint,
                view,
                methods,
                options,
                site,
                kind="resource",
                concat_parts=("bae", prefix),
            )
        else:
            decl = RuleDecl(
                _join(api.prefix, url), endpoint, view, methods, options, site, kind="resource"
            )
        decl.in_loop = site.loops[-1] if site.loops else None
        target.rules.append(decl)


def ns_urls(api: RestxApi, ns: Namespace, urls: tuple[Any, ...]) -> tuple[Any, ...]:
    path = api.ns_paths.get(id(ns)) or ns.path
    return tuple(_join(path, url) for url in urls)


def add_namespace(api: RestxApi, ns: Any, path: Any, site: Site) -> None:
    if not isinstance(ns, Namespace):
        return
    if ns not in api.namespaces:
        api.namespaces.append(ns)
        if api not in ns.apis:
            ns.apis.append(api)
        if path is not None:
            api.ns_paths[id(ns)] = path
    for resource, urls, kwargs, at in ns.resources:
        register_resource(api, ns, resource, ns_urls(api, ns, urls), kwargs, at)


def ns_add_resource(
    ns: Namespace, resource: Any, urls: tuple[Any, ...], kwargs: dict[str, Any], site: Site
) -> None:
    ns.resources.append((resource, urls, kwargs, site))
    for api in ns.apis:
        register_resource(api, ns, resource, ns_urls(api, ns, urls), kwargs, site)


def init_app(interp: Interpreter, api: RestxApi, target: Any, site: Site) -> None:
    if not isinstance(target, AppObj | BlueprintObj):
        interp.finding(
            "unresolved-receiver",
            "Flask-RESTX Api bound to an app or blueprint the scan cannot resolve",
            site.file,
            site.line,
        )
        return
    # specs and docs are added before the Api knows it sits on a blueprint
    api.target = target
    specs = _join(api.prefix, "/swagger.json")
    target.rules.append(RuleDecl(specs, "specs", None, None, {}, site, kind="docs"))
    if api.doc:
        target.rules.append(RuleDecl(api.doc, "doc", None, None, {}, site, kind="docs"))
    root = api.prefix if api.prefix else "/"
    target.rules.append(RuleDecl(root, "root", None, None, {}, site, kind="docs"))
    for resource, endpoint, urls, options, at in api.pending:
        register_view(api, resource, endpoint, urls, options, at)
    api.pending.clear()
    if isinstance(target, AppObj):
        _register_apidoc(interp, target, site)
    else:
        target.restx_apidoc = True  # type: ignore[attr-defined]


def _register_apidoc(interp: Interpreter, app: AppObj, site: Site) -> None:
    from migrate.scan.objects import BlueprintObj as Bp

    if any(getattr(r.child, "label", "") == "restx_doc" for r in app.registrations):
        return
    apidoc = Bp(
        Site("<flask_restx>", 0),
        None,
        label="restx_doc",
        name="restx_doc",
        static_folder="static",
        static_url_path="/swaggerui",
    )
    app.registrations.append(Registration(apidoc, {}, site))


@library.before_resolve
def attach_apidoc(interp: Interpreter) -> None:
    """Blueprints carrying a RESTX Api register the `restx_doc` blueprint on their app."""
    for obj in interp.objects:
        if isinstance(obj, AppObj):
            stack = list(obj.registrations)
            while stack:
                reg = stack.pop()
                if getattr(reg.child, "restx_apidoc", False):
                    _register_apidoc(interp, obj, reg.site)
                    break
                stack.extend(reg.child.registrations)


@library.constructor("flask_restx.Api")
def make_api(
    interp: Interpreter, args: list[Any], kwargs: dict[str, Any], site: Site, cls: ClassV | None
) -> Any:
    api, new = allocate(interp, RestxApi, args, kwargs, site, cls)
    if new:
        options = bind(API_PARAMS, args, kwargs)
        api.prefix = options.get("prefix", "")
        api.doc = options.get("doc", "/")
        default = options.get("default", "default")
        ns = Namespace(site, None, name=default, path_arg="/")
        api.default_ns = ns
        add_namespace(api, ns, None, site)
        if options.get("app") is not None:
            init_app(interp, api, options["app"], site)
    return api


@library.constructor("flask_restx.Namespace")
def make_namespace(
    interp: Interpreter, args: list[Any], kwargs: dict[str, Any], site: Site, cls: ClassV | None
) -> Any:
    ns, new = allocate(interp, Namespace, args, kwargs, site, cls)
    if new:
        options = bind(NAMESPACE_PARAMS, args, kwargs)
        ns.name = options.get("name", Unknown("namespace without a name"))
        ns.path_arg = options.get("path")
    return ns


def _route(ns: Namespace) -> BuiltinFn:
    def route(args: list[Any], kwargs: dict[str, Any], site: Site) -> Any:
        def apply(a: list[Any], k: dict[str, Any], s: Site) -> Any:
            cls = a[0] if a else None
            ns_add_resource(ns, cls, tuple(args), dict(kwargs), site)
            return cls

        return BuiltinFn(apply, "route")

    return BuiltinFn(route, "route")


def _add_resource(ns: Namespace) -> BuiltinFn:
    def add(args: list[Any], kwargs: dict[str, Any], site: Site) -> Any:
        if args:
            ns_add_resource(ns, args[0], tuple(args[1:]), dict(kwargs), site)
        return None

    return BuiltinFn(add, "add_resource")


@library.attributes(Namespace)
def namespace_attr(interp: Interpreter, ns: Any, name: str, _site: Site) -> Any:
    if name == "route":
        return _route(ns)
    if name == "add_resource":
        return _add_resource(ns)
    return Unknown(f"attribute `{name}` of a Flask-RESTX Namespace")


@library.attributes(RestxApi)
def api_attr(interp: Interpreter, api: Any, name: str, _site: Site) -> Any:
    if name in ("route", "add_resource") and api.default_ns is not None:
        return _route(api.default_ns) if name == "route" else _add_resource(api.default_ns)
    if name == "add_namespace":

        def add(args: list[Any], kwargs: dict[str, Any], site: Site) -> Any:
            values = bind(("ns", "path"), args, kwargs)
            add_namespace(api, values.get("ns"), values.get("path"), site)
            return None

        return BuiltinFn(add, "add_namespace")
    if name == "namespace":

        def namespace(args: list[Any], kwargs: dict[str, Any], site: Site) -> Any:
            ns = make_namespace(interp, args, kwargs, site, None)
            add_namespace(api, ns, None, site)
            return ns

        return BuiltinFn(namespace, "namespace")
    if name == "init_app":

        def init(args: list[Any], kwargs: dict[str, Any], site: Site) -> Any:
            init_app(interp, api, args[0] if args else kwargs.get("app"), site)
            return None

        return BuiltinFn(init, "init_app")
    return Unknown(f"attribute `{name}` of a Flask-RESTX Api")
