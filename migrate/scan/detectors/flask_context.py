"""Flask's context globals a view touches: `g` attributes, `session` keys,
`current_app`, flask_login's `current_user`, `flash`, `url_for`, the `request`
attributes `request_data` leaves alone (`request.method`, `.path`, ...),
`has_request_context`, `after_this_request` and `copy_current_request_context`.

FastAPI side: no request-local globals. `g` becomes `request.state` or a
dependency, `session` needs Starlette's SessionMiddleware (`request.session`),
`current_app` becomes `request.app` or a settings dependency, `current_user` a
`Depends(get_current_user)`, `url_for` becomes `request.url_for` (route names
differ), `flash` has no equivalent, `request.method` reads Starlette's `Request`.

    g.user = load_user()          # g.user, write
    if session.get("cart"):       # session key 'cart', read
        flash("Saved", "info")    # flash, category 'info'

`Names` and `emit_as` are shared with the other detectors of this package.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import libcst as cst

from migrate.scan.detectors import Context, Detector, literal
from migrate.scan.detectors.request_data import SOURCES, WHOLE

G, SESSION, APP, REQUEST = "flask.g", "flask.session", "flask.current_app", "flask.request"
USERS = frozenset(
    {"flask_login.current_user", "flask_login.utils.current_user", "flask_security.current_user"}
)
REQUEST_DATA = SOURCES | WHOLE | {"get_json"}  # request_data's facts
G_METHODS = {"get": "read", "pop": "write", "setdefault": "write"}
SESSION_METHODS = {
    **G_METHODS,
    **dict.fromkeys(("clear", "update", "popitem"), "write"),
    **dict.fromkeys(("keys", "values", "items"), "read"),
}
ATTR_BUILTINS = {"getattr": "read", "hasattr": "read", "setattr": "write", "delattr": "write"}
HELPERS = {  # flask function -> what it needs
    "flask.flash": "a message stored in the session (no FastAPI equivalent)",
    "flask.url_for": "URL building from the app's url_map (request.url_for)",
    "flask.has_request_context": "a check for a request context",
    "flask.has_app_context": "a check for an app context",
    "flask.after_this_request": "a per-request after hook (a middleware or BackgroundTasks)",
    "flask.copy_current_request_context": "the request context copied into a thread",
}


def _targets(node: cst.BaseExpression) -> Iterator[cst.BaseExpression]:
    """The single targets of an assignment target (`a, (b, *c)` -> a, b, c)."""
    if isinstance(node, cst.Tuple | cst.List):
        for element in node.elements:
            yield from _targets(element.value)
    elif isinstance(node, cst.StarredElement):
        yield from _targets(node.value)
    else:
        yield node


def _bind(node: cst.BaseExpression, names: set[str]) -> None:
    names.update(t.value for t in _targets(node) if isinstance(t, cst.Name))


def _walk(statements: Sequence[cst.CSTNode], names: set[str], declared: set[str]) -> None:
    """Names bound by statements, without descending into expressions (cheap)."""
    for stmt in statements:
        if isinstance(stmt, cst.FunctionDef | cst.ClassDef):
            names.add(stmt.name.value)
            continue  # their bodies are other scopes
        if isinstance(stmt, cst.Global | cst.Nonlocal):
            declared.update(n.name.value for n in stmt.names)
        elif isinstance(stmt, cst.Assign):
            for target in stmt.targets:
                _bind(target.target, names)
        elif isinstance(stmt, cst.AnnAssign | cst.AugAssign | cst.For):
            _bind(stmt.target, names)
        elif isinstance(stmt, cst.With):
            for item in stmt.items:
                if item.asname is not None:
                    _bind(item.asname.name, names)
        elif isinstance(stmt, cst.ExceptHandler | cst.ExceptStarHandler) and stmt.name:
            _bind(stmt.name.name, names)
        for attr in ("body", "orelse", "handlers", "finalbody", "cases"):
            child = getattr(stmt, attr, None)
            if isinstance(child, Sequence):
                _walk(child, names, declared)
            elif isinstance(child, cst.CSTNode):
                _walk([child], names, declared)


def bound_names(func: cst.FunctionDef) -> frozenset[str]:
    """Parameters and names the function's statements bind (an import inside
    the function is in `ctx.aliases` already; comprehensions are scopes of
    their own, see `Names.enter`; walrus targets are not looked for)."""
    params = func.params
    names = {p.name.value for p in (*params.posonly_params, *params.params, *params.kwonly_params)}
    for star in (params.star_arg, params.star_kwarg):
        if isinstance(star, cst.Param):
            names.add(star.name.value)
    declared: set[str] = set()
    _walk([func.body], names, declared)
    return frozenset(names - declared)


class Names:
    """What a name means where the visit is: only an imported name resolves,
    and not where a parameter or local binding of an enclosing function (or
    comprehension) shadows it. A detector calls `enter`/`leave` from its own
    `visit_FunctionDef`/`leave_FunctionDef` (and comprehension visits if it
    cares: `[g.name for g in groups]`)."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.stack: list[cst.FunctionDef | frozenset[str]] = []
        self._bound: dict[int, frozenset[str]] = {}

    def enter(self, node: cst.FunctionDef | cst.BaseComp) -> None:
        if isinstance(node, cst.FunctionDef):
            self.stack.append(node)
            return
        names: set[str] = set()
        comp: cst.CompFor | None = node.for_in
        while comp is not None:
            _bind(comp.target, names)
            comp = comp.inner_for_in
        self.stack.append(frozenset(names))

    def leave(self) -> None:
        self.stack.pop()

    def local(self, name: str) -> bool:
        for scope in self.stack:
            if isinstance(scope, cst.FunctionDef):
                if id(scope) not in self._bound:  # computed only when a name needs it
                    self._bound[id(scope)] = bound_names(scope)
                scope = self._bound[id(scope)]
            if name in scope:
                return True
        return False

    def resolve(self, node: cst.BaseExpression) -> str | None:
        """`ctx.dotted(node)` when its head is an import the function does not shadow."""
        head = node
        while isinstance(head, cst.Attribute):
            head = head.value
        if not isinstance(head, cst.Name) or head.value not in self.ctx.aliases:
            return None
        return None if self.local(head.value) else self.ctx.dotted(node)

    def builtin(self, node: cst.BaseExpression) -> str | None:
        """The name of a builtin called as such (not imported, not shadowed)."""
        if not isinstance(node, cst.Name) or node.value in self.ctx.aliases:
            return None
        return None if self.local(node.value) else node.value


def emit_as(
    ctx: Context, function: str, line: int, kind: str, name: str, detail: str, **data: Any
) -> None:
    """`ctx.emit` for a fact that belongs to another function than the one
    being visited (a handler registered by name, the view around a thread)."""
    functions, current = ctx.functions, ctx.line
    ctx.functions, ctx.line = ([function] if function else []), line
    try:
        ctx.emit(kind, name, detail, **data)
    finally:
        ctx.functions, ctx.line = functions, current


def _key(node: cst.BaseExpression | None) -> Any:
    value = literal(node)
    return value if isinstance(value, str) else ...


class FlaskContext(Detector):
    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self.names = Names(ctx)
        self.done: set[int] = set()  # nodes already reported through their parent

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.names.enter(node)

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self.names.leave()

    def visit_ListComp(self, node: cst.BaseComp) -> None:
        self.names.enter(node)

    def leave_ListComp(self, original_node: cst.BaseComp) -> None:
        self.names.leave()

    visit_SetComp = visit_DictComp = visit_GeneratorExp = visit_ListComp
    leave_SetComp = leave_DictComp = leave_GeneratorExp = leave_ListComp

    def _g(self, attr: Any, access: str) -> None:
        if attr is ...:
            self.ctx.emit("context", "g.*", f"g, a computed attribute ({access})", access=access)
        else:
            self.ctx.emit("context", f"g.{attr}", f"g.{attr} ({access})", attr=attr, access=access)

    def _session(self, access: str, key: Any = ..., attr: str | None = None) -> None:
        data: dict[str, Any] = {"access": access}
        what = "the session"
        if attr is not None:
            data["attr"], what = attr, f"session.{attr}"
        elif key is not ...:
            data["key"], what = key, f"session key {key!r}"
        self.ctx.emit("context", "session", f"{what} ({access})", **data)

    def _uses(self, name: str, attr: str | None, key: Any = ...) -> None:
        data: dict[str, Any] = {}
        detail = f"{name} passed on as a value"
        if attr is not None:
            data["attr"], detail = attr, f"{name}.{attr}"
        if key is not ...:
            data["key"], detail = key, f"{detail}[{key!r}]"
        self.ctx.emit("context", name, detail, **data)

    def _write(self, target: cst.BaseExpression) -> None:
        for node in _targets(target):
            if isinstance(node, cst.Attribute):
                owner = self.names.resolve(node.value)
                if owner == G:
                    self._g(node.attr.value, "write")
                elif owner == SESSION:
                    self._session("write", attr=node.attr.value)
                else:
                    continue
                self.done.add(id(node))
            elif isinstance(node, cst.Subscript) and self.names.resolve(node.value) == SESSION:
                self._session("write", _key(_index(node)))
                self.done.add(id(node))

    def visit_Assign(self, node: cst.Assign) -> None:
        if self.ctx.functions:
            for target in node.targets:
                self._write(target.target)
            self._bare(node.value)

    def visit_AugAssign(self, node: cst.AugAssign | cst.AnnAssign | cst.Del) -> None:
        if self.ctx.functions:
            self._write(node.target)

    visit_AnnAssign = visit_Del = visit_AugAssign

    def visit_Return(self, node: cst.Return) -> None:
        if node.value is not None:
            self._bare(node.value)

    def _bare(self, node: cst.BaseExpression) -> None:
        """`current_user` / `current_app` handed on as a value."""
        if isinstance(node, cst.Name) and self.ctx.functions:
            dotted = self.names.resolve(node)
            if dotted in USERS or dotted == APP:
                self._uses("current_user" if dotted in USERS else "current_app", None)

    def visit_Decorator(self, node: cst.Decorator) -> None:
        # The decorated inner function runs in a thread; the fact is the view's.
        dotted = self.names.resolve(node.decorator)
        if dotted == "flask.copy_current_request_context":
            outer = self.ctx.functions[-2] if len(self.ctx.functions) > 1 else ""
            emit_as(self.ctx, outer, self.ctx.line, "context", dotted[6:], HELPERS[dotted])

    def visit_Call(self, node: cst.Call) -> None:
        if not self.ctx.functions:
            return
        args = [a.value for a in node.args if a.keyword is None and not a.star]
        func = node.func
        for arg in node.args:
            self._bare(arg.value)
        dotted = self.names.resolve(func)
        if dotted in HELPERS:
            data: dict[str, Any] = {}
            if dotted == "flask.url_for" and _key(args[0] if args else None) is not ...:
                data["endpoint"] = literal(args[0])
            if dotted == "flask.flash":
                kwargs = {a.keyword.value: a.value for a in node.args if a.keyword}
                category = _key(args[1] if len(args) > 1 else kwargs.get("category"))
                data["category"] = "message" if category is ... else category
            detail = f"{self.ctx.code(node, 40)}: {HELPERS[dotted]}"
            self.ctx.emit("context", dotted[6:], detail, **data)
        elif isinstance(func, cst.Attribute) and dotted is not None:
            method, owner = func.attr.value, dotted.rsplit(".", 1)[0]
            key = _key(args[0] if args else None)
            if owner == G and method in G_METHODS:
                self._g(key, G_METHODS[method])
            elif owner == SESSION and method in SESSION_METHODS:
                self._session(SESSION_METHODS[method], key)
            elif owner == f"{APP}.config" and method == "get":
                self._uses("current_app", "config", key)
                self.done.add(id(func.value))
            else:
                return
            self.done.add(id(func))
        elif len(args) > 1 and self.names.resolve(args[0]) == G:
            access = ATTR_BUILTINS.get(self.names.builtin(func) or "")
            if access is not None:
                self._g(_key(args[1]), access)

    def visit_Comparison(self, node: cst.Comparison) -> None:
        if len(node.comparisons) != 1 or not self.ctx.functions:
            return
        target = node.comparisons[0]
        if isinstance(target.operator, cst.In | cst.NotIn):
            owner = self.names.resolve(target.comparator)
            if owner == G:
                self._g(_key(node.left), "read")
            elif owner == SESSION:
                self._session("read", _key(node.left))

    def visit_Subscript(self, node: cst.Subscript) -> None:
        if id(node) in self.done or not self.ctx.functions:
            return
        owner = self.names.resolve(node.value)
        if owner == SESSION:
            self._session("read", _key(_index(node)))
        elif owner == f"{APP}.config":
            self._uses("current_app", "config", _key(_index(node)))
            self.done.add(id(node.value))

    def visit_Attribute(self, node: cst.Attribute) -> None:
        if id(node) in self.done or not self.ctx.functions:
            return
        owner, attr = self.names.resolve(node.value), node.attr.value
        if owner == G:
            self._g(attr, "read")
        elif owner == SESSION:
            self._session("read", attr=attr)
        elif owner == APP:
            self._uses("current_app", attr)
        elif owner in USERS:
            self._uses("current_user", attr)
        elif owner == REQUEST and attr not in REQUEST_DATA:
            self.ctx.emit("context", f"request.{attr}", f"request.{attr}", attr=attr)


def _index(node: cst.Subscript) -> cst.BaseExpression | None:
    if len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Index):
        return node.slice[0].slice.value
    return None
