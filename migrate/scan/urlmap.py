"""Replay Flask's registration logic on the interpreter's objects.

This is `Flask.add_url_rule`, `Blueprint.register` and
`BlueprintSetupState.add_url_rule` (Flask 2.2 to 3.x) restated over static
values: prefixes are joined exactly as Flask joins them, nested blueprint
names and prefixes compose the same way, `name=` registrations rename, and the
endpoint is `view.__name__` unless given. A value the scan could not know
turns the rule into a `Finding` at the line that registered it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from migrate import model
from migrate.scan import library
from migrate.scan.interp import MISSING, Interpreter
from migrate.scan.objects import AppObj, BlueprintObj, FlaskObj, RuleDecl
from migrate.scan.values import ClassV, DictV, ExternalV, FuncV, Unknown, ViewV, shown

HTTP_METHOD_FUNCS = ("get", "post", "head", "options", "delete", "put", "trace", "patch")
_PARAM = re.compile(
    r"<(?:(?P<converter>[a-zA-Z_][a-zA-Z0-9_]*)(?:\((?P<args>.*?)\))?:)?"
    r"(?P<name>[a-zA-Z_][a-zA-Z0-9_]*)>"
)
MAX_NESTING = 16
# Blueprint methods whose override changes the rules a registration adds
_REGISTRATION_HOOKS = ("make_setup_state", "register")


class Unresolved(Exception):
    """A value needed to compute a rule is not known statically."""

    def __init__(self, what: str, value: Any) -> None:
        reason = value.reason if isinstance(value, Unknown) else shown(value)
        super().__init__(f"{what} is not known statically ({reason})")


@dataclass
class SetupState:
    """Flask's `BlueprintSetupState`, for one registration of one blueprint."""

    app: AppObj
    blueprint: BlueprintObj | None
    name: str = ""
    name_prefix: str = ""
    url_prefix: str | None = None
    subdomain: str | None = None
    url_defaults: dict[str, Any] = field(default_factory=dict)
    chain: tuple[BlueprintObj, ...] = ()  # registering blueprints, outermost first

    @property
    def full_name(self) -> str:
        return f"{self.name_prefix}.{self.name}".lstrip(".")


@dataclass
class Resolver:
    interp: Interpreter
    module_of: dict[str, str]  # file -> dotted module name
    routes: list[model.Route] = field(default_factory=list)
    # aligned with `routes`: the view value, the app, the blueprint chain
    origins: list[tuple[Any, AppObj, tuple[BlueprintObj, ...]]] = field(default_factory=list)
    registered: dict[int, set[str]] = field(default_factory=dict)  # id(bp) -> full names

    def finding(
        self, code: str, message: str, file: str, line: int, severity: str = "warning"
    ) -> None:
        self.interp.finding(code, message, file, line, severity)

    # --------------------------------------------------------------- apps

    def resolve_app(self, app: AppObj) -> None:
        app_id = self.app_id(app)
        root = SetupState(app, None)
        static = app.static_rule_path
        if static is not None and not isinstance(static, Unknown):
            self.emit(
                app_id,
                root,
                f"{static}/<path:filename>",
                "static",
                None,
                ["GET"],
                {},
                None,
                kind="static",
                source=app.site,
            )
        for decl in app.rules:
            self.add_decl(app_id, root, decl, app)
        for reg in app.registrations:
            self.register(app_id, app, reg.child, dict(reg.options), reg.site, depth=0, chain=())

    def custom_registration(self, bp: BlueprintObj) -> None:
        """A Blueprint subclass that overrides how it registers (Indico's `!` rules go
        through its own `make_setup_state`): its rules here are Flask's defaults."""
        todo, seen = [bp.cls], 0
        while todo and seen < MAX_NESTING * 4:  # every scanned class of its MRO
            cls = todo.pop(0)
            seen += 1
            if not isinstance(cls, ClassV):
                continue
            todo.extend(cls.bases)
            for name in _REGISTRATION_HOOKS:
                method = cls.attrs.get(name)
                if isinstance(method, FuncV):
                    self.finding(
                        "custom-registration",
                        f"`{method.fdef.qualname}` overrides Flask's blueprint registration; "
                        f"the rules listed for blueprint {shown(bp.name)} (and the others of "
                        "its class) are those Flask's own would make, which the override "
                        "may change",
                        method.module.code.path,
                        method.fdef.line,
                    )
                    return

    def app_id(self, app: AppObj) -> str:
        module = self.module_of.get(app.site.file, app.site.file)
        if app.factory:
            return f"{module}:{app.factory.split('.<locals>')[0]}()"
        return f"{module}:{app.label or 'app'}"

    # ---------------------------------------------------------- blueprints

    def register(
        self,
        app_id: str,
        app: AppObj,
        bp: BlueprintObj,
        options: dict[str, Any],
        site: Any,
        depth: int,
        chain: tuple[BlueprintObj, ...],
    ) -> None:
        """Flask's `Blueprint.register(app, options)`."""
        if depth > MAX_NESTING:
            return
        try:
            state = self.setup_state(app, bp, options)
        except Unresolved as exc:
            self.finding(
                "unresolved-blueprint", f"blueprint registration: {exc}", site.file, site.line
            )
            return
        state.chain = (*chain, bp)
        self.registered.setdefault(id(bp), set()).add(state.full_name)
        self.custom_registration(bp)
        static = bp.effective_static_url_path() if bp.static_folder is not None else None
        if isinstance(static, str):
            decl = RuleDecl(
                f"{static}/<path:filename>", "static", None, ["GET"], {}, bp.site, kind="static"
            )
            self.add_decl(app_id, state, decl, bp)
        for decl in bp.rules:
            self.add_decl(app_id, state, decl, bp)
        for reg in bp.registrations:
            self.register(
                app_id,
                app,
                reg.child,
                self.nested_options(state, reg.child, reg.options),
                reg.site,
                depth + 1,
                state.chain,
            )

    def setup_state(self, app: AppObj, bp: BlueprintObj, options: dict[str, Any]) -> SetupState:
        name = options.get("name", bp.name)
        url_prefix = options.get("url_prefix")
        if url_prefix is None:
            url_prefix = bp.url_prefix
        subdomain = options.get("subdomain")
        if subdomain is None:
            subdomain = bp.subdomain
        defaults = _mapping(bp.url_defaults) | _mapping(options.get("url_defaults"))
        for what, value in (
            ("blueprint name", name),
            ("url_prefix", url_prefix),
            ("subdomain", subdomain),
        ):
            if value is not None and not isinstance(value, str):
                raise Unresolved(what, value)
        return SetupState(
            app, bp, name, options.get("name_prefix", ""), url_prefix, subdomain, defaults
        )

    def nested_options(
        self, state: SetupState, child: BlueprintObj, options: dict[str, Any]
    ) -> dict[str, Any]:
        """The options a parent blueprint passes on to a child (Flask's loop)."""
        opts = dict(options)
        child_prefix = opts.get("url_prefix")
        child_subdomain = opts.get("subdomain")
        if child_subdomain is None:
            child_subdomain = child.subdomain
        if state.subdomain is not None and isinstance(child_subdomain, str):
            opts["subdomain"] = child_subdomain + "." + state.subdomain
        elif child_subdomain is not None:
            opts["subdomain"] = child_subdomain
        elif state.subdomain is not None:
            opts["subdomain"] = state.subdomain
        if child_prefix is None:
            child_prefix = child.url_prefix
        if state.url_prefix is not None and isinstance(child_prefix, str):
            opts["url_prefix"] = state.url_prefix.rstrip("/") + "/" + child_prefix.lstrip("/")
        elif child_prefix is not None:
            opts["url_prefix"] = child_prefix
        elif state.url_prefix is not None:
            opts["url_prefix"] = state.url_prefix
        opts["name_prefix"] = state.full_name
        return opts

    # --------------------------------------------------------------- rules

    def add_decl(self, app_id: str, state: SetupState, decl: RuleDecl, owner: FlaskObj) -> None:
        try:
            rule = self.rule_for(state, decl)
            endpoint = self.endpoint_for(decl, owner)
            methods = self.methods_for(decl)
        except Unresolved as exc:
            self.finding(
                "dynamic-rule",
                f"route not added to the inventory: {exc}",
                decl.site.file,
                decl.site.line,
            )
            return
        if decl.concat_parts is not None and state.blueprint is not None:
            full_endpoint = f"{state.blueprint.name}.{endpoint}"
        elif state.blueprint is not None:
            full_endpoint = f"{state.full_name}.{endpoint}"
        else:
            full_endpoint = endpoint
        options = dict(decl.options)
        defaults = options.pop("defaults", None)
        if state.blueprint is not None:
            defaults = (
                state.url_defaults | _mapping(defaults)
                if (defaults or state.url_defaults)
                else None
            )
        view = decl.view if decl.view is not None else owner.endpoint_views.get(decl.endpoint)
        self.emit(
            app_id,
            state,
            rule,
            full_endpoint,
            view,
            methods,
            options,
            defaults,
            kind=decl.kind,
            source=decl.site,
        )
        if decl.in_loop:
            self.finding(
                "route-in-loop",
                f"route {rule!r} is registered in a loop the scan unrolled over literal values",
                decl.in_loop[0],
                decl.in_loop[1],
                "info",
            )

    def rule_for(self, state: SetupState, decl: RuleDecl) -> str:
        rule = decl.rule
        if not isinstance(rule, str):
            raise Unresolved("the rule", rule)
        if decl.concat_parts is not None:
            order, api_prefix = decl.concat_parts
            parts = {"b": state.url_prefix if state.blueprint else "", "a": api_prefix, "e": rule}
            return "".join(parts[k] or "" for k in order if parts.get(k))
        if state.blueprint is None or state.url_prefix is None:
            return rule
        if rule:
            return "/".join((state.url_prefix.rstrip("/"), rule.lstrip("/")))
        return state.url_prefix

    def endpoint_for(self, decl: RuleDecl, owner: FlaskObj) -> str:
        if decl.endpoint is not None:
            if not isinstance(decl.endpoint, str):
                raise Unresolved("the endpoint", decl.endpoint)
            return decl.endpoint
        name = view_name(decl.view)
        if not isinstance(name, str):
            raise Unresolved("the view function's name", name)
        return name

    def methods_for(self, decl: RuleDecl) -> list[str]:
        methods = decl.methods
        if methods is None:
            methods = self.view_methods(decl.view)
        if methods is None:
            return ["GET"]
        if isinstance(methods, list | tuple | set) and all(isinstance(m, str) for m in methods):
            return sorted({m.upper() for m in methods})
        raise Unresolved("the methods", methods)

    def view_methods(self, view: Any) -> Any:
        if isinstance(view, FuncV):
            methods = view.methods
            return self.view_methods(methods) if isinstance(methods, ViewV) else methods
        if isinstance(view, ViewV):
            return self.class_methods(view.cls)
        return None

    def class_methods(self, cls: Any, depth: int = 0) -> Any:
        """`View.methods` as Flask computes it in `MethodView.__init_subclass__`."""
        if not isinstance(cls, ClassV) or depth > MAX_NESTING:
            return None
        if "methods" in cls.attrs:
            return cls.attrs["methods"]
        if not self.interp.is_a(cls, "flask.views.MethodView"):
            inherited = [self.class_methods(b, depth + 1) for b in cls.bases]
            return next((m for m in inherited if m is not None), None)
        methods: set[str] = set()
        for base in cls.bases:
            inherited = self.class_methods(base, depth + 1)
            if isinstance(inherited, list | tuple | set):
                methods.update(m.upper() for m in inherited if isinstance(m, str))
        for key in HTTP_METHOD_FUNCS:
            if self.interp.class_attr(cls, key) is not MISSING:
                methods.add(key.upper())
        return sorted(methods) or None

    # ---------------------------------------------------------------- emit

    def emit(
        self,
        app_id: str,
        state: SetupState,
        rule: str,
        endpoint: str,
        view: Any,
        methods: list[str],
        options: dict[str, Any],
        defaults: Any,
        *,
        kind: str,
        source: Any,
    ) -> None:
        strict = options.get("strict_slashes")
        subdomain = options.get("subdomain", state.subdomain)
        if isinstance(view, ViewV):
            kind = "resource" if kind == "resource" else "method_view"
        self.routes.append(
            model.Route(
                rule=rule,
                methods=tuple(methods),
                endpoint=endpoint,
                app=app_id,
                blueprint=state.full_name or None,
                view=self.view_fact(view),
                params=parse_params(rule),
                strict_slashes=strict if isinstance(strict, bool) else None,
                subdomain=subdomain if isinstance(subdomain, str) else None,
                defaults=tuple(sorted((str(k), v) for k, v in _mapping(defaults).items())),
                kind=kind,
                source=model.Location(source.file, source.line) if source is not None else None,
            )
        )
        self.origins.append((view, state.app, state.chain))

    def view_fact(self, view: Any) -> model.View | None:
        if isinstance(view, FuncV):
            fn = view.view
            module = self.module_of.get(fn.module.code.path, "")
            return model.View(
                fn.fdef.qualname, fn.module.code.path, fn.fdef.line, module, fn.fdef.doc
            )
        if isinstance(view, ViewV) and isinstance(view.cls, ClassV):
            cls = view.cls
            module = self.module_of.get(cls.module.code.path, "")
            return model.View(
                cls.cdef.qualname, cls.module.code.path, cls.cdef.line, module, cls.cdef.doc
            )
        return None


def view_name(view: Any) -> Any:
    if isinstance(view, FuncV):
        return view.name
    if isinstance(view, ViewV):
        return view.name
    if isinstance(view, ExternalV):
        return view.qualname.rsplit(".", 1)[-1]
    if view is None:
        return Unknown("no view function and no endpoint")
    return view


def parse_params(rule: str) -> tuple[model.Param, ...]:
    return tuple(
        model.Param(m["name"], m["converter"] or "string", m["args"] or "")
        for m in _PARAM.finditer(rule)
    )


def _mapping(value: Any) -> dict[str, Any]:
    if isinstance(value, DictV):
        return {str(k): _plain(v) for k, v in value.items.items()}
    if isinstance(value, dict):
        return dict(value)
    return {}


def _plain(value: Any) -> Any:
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return "<dynamic>"


def resolve(interp: Interpreter, module_of: dict[str, str]) -> tuple[list[model.Route], Resolver]:
    for hook in library.BEFORE_RESOLVE:
        hook(interp)
    resolver = Resolver(interp, module_of)
    for obj in interp.objects:
        if isinstance(obj, AppObj):
            resolver.resolve_app(obj)
    for obj in interp.objects:
        if isinstance(obj, BlueprintObj) and id(obj) not in resolver.registered and obj.rules:
            name = obj.name if isinstance(obj.name, str) else "?"
            resolver.finding(
                "unregistered-blueprint",
                f"blueprint {name!r} has {len(obj.rules)} route(s) but no scanned code "
                "registers it on an app",
                obj.site.file,
                obj.site.line,
                "info",
            )
    return resolver.routes, resolver
