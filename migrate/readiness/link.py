"""Attach readiness facts to each route: what its view does, what the helpers it
calls do (followed through the scanned code, across modules, three calls
deep), which hooks run around it (resolved by its blueprint chain, as Flask
does: app hooks, `*_app_*` hooks of any blueprint, and the hooks of every
blueprint the route's blueprint is nested in), and which decorators wrap it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from typing import Any

from migrate import model
from migrate.scan import ir
from migrate.scan.interp import MISSING, Env, Interpreter, ModuleRT
from migrate.scan.objects import AppObj, BlueprintObj, HookDecl
from migrate.scan.values import ClassV, FuncV, ViewV

MAX_DEPTH = 3
# detector output that only the link step reads (JSON passed into helpers)
INTERNAL_KINDS = frozenset({"json-arg", "param-key"})


def _walk(body: tuple[ir.Stmt, ...]) -> Iterator[ir.Import | ir.ImportFrom]:
    for stmt in body:
        if isinstance(stmt, ir.Import | ir.ImportFrom):
            yield stmt
        elif isinstance(stmt, ir.Block | ir.For):
            yield from _walk(stmt.body)
        elif isinstance(stmt, ir.If):
            yield from _walk(stmt.body)
            yield from _walk(stmt.orelse)


def _facts_under(rt: ModuleRT, qualname: str) -> Iterator[model.Fact]:
    """Facts of a function and of the functions nested in it (closures, wrappers)."""
    for key, facts in rt.code.facts.items():
        if key == qualname or key.startswith(qualname + "."):
            yield from (f for f in facts if f.kind not in INTERNAL_KINDS)


def _json_into(caller: ModuleRT, qualname: str, callee: str, helper: FuncV) -> set[str]:
    """Parameters of `helper` that receive the JSON body in `caller`'s call to it."""
    names = [p.name for p in helper.fdef.params if p.kind in ("normal", "kwonly")]
    if helper.fdef.params and helper.owner is not None:
        names = names[1:]  # self
    out: set[str] = set()
    for fact in caller.code.facts.get(qualname, ()):
        data = dict(fact.data)
        if fact.kind != "json-arg" or data.get("callee") != callee:
            continue
        index, keyword = data.get("index"), data.get("keyword")
        if isinstance(index, int) and index < len(names):
            out.add(names[index])
        elif isinstance(keyword, str):
            out.add(keyword)
    return out


def _body_keys(helper: FuncV, params: set[str], via: tuple[str, ...]) -> list[model.Fact]:
    """A helper's key reads on a parameter holding the JSON body, as request.json facts."""
    out = []
    for fact in helper.module.code.facts.get(helper.fdef.qualname, ()):
        data = dict(fact.data)
        if fact.kind != "param-key" or data.get("param") not in params:
            continue
        key, required = data.get("key"), bool(data.get("required"))
        detail = f"key {key!r}, " + ("required" if required else f"default {data.get('default')!r}")
        fields = {"source": "json", "key": key, "required": required, "many": False}
        if "default" in data:
            fields["default"] = data["default"]
        out.append(
            model.Fact(
                "request",
                "request.json",
                detail,
                fact.file,
                fact.line,
                tuple(sorted(fields.items())),
                via,
                fact.function,
            )
        )
    return out


def _calls_under(rt: ModuleRT, qualname: str) -> Iterator[str]:
    for key, calls in rt.code.calls.items():
        if key == qualname or key.startswith(qualname + "."):
            for name, _line in calls:
                yield name


def _already_detected(rt: ModuleRT) -> None:
    """`ensure` for modules lowered with their facts (libcst's full parse)."""


class Linker:
    def __init__(
        self,
        interp: Interpreter,
        module_of: dict[str, str],
        ensure: Callable[[ModuleRT], None] = _already_detected,
    ) -> None:
        self.interp = interp
        self.module_of = module_of
        self.ensure = ensure  # gives a module its detector facts before they are read
        # id(fdef) -> the import statements in its body (`local_import`, asked once
        # per name a function calls: walking the body each time was a tenth of a
        # cold scan's readiness link on Indico + CKAN)
        self.imports: dict[int, tuple[ir.Import | ir.ImportFrom, ...]] = {}

    def label(self, fn: FuncV) -> str:
        module = self.module_of.get(fn.module.code.path, fn.module.name)
        return f"{module}.{fn.fdef.qualname}"

    def resolve(
        self, rt: ModuleRT, cls: ClassV | None, dotted: str, caller: FuncV | None = None
    ) -> FuncV | None:
        parts = dotted.split(".")
        try:
            if parts[0] in ("self", "cls") and cls is not None and len(parts) > 1:
                value = self.interp.class_attr(cls, parts[1])
                rest = parts[2:]
            else:
                value = rt.env.vars.get(parts[0], MISSING)
                if caller is not None:
                    value = self.local_import(caller, parts[0], value)
                rest = parts[1:]
            for part in rest:
                if value is MISSING:
                    return None
                value = self.interp.getattr(value, part)
        except Exception:  # a defect in following must not cost the route
            return None
        return value.view if isinstance(value, FuncV) else None

    def local_import(self, fn: FuncV, name: str, default: Any) -> Any:
        """A name bound by an import inside the function (to dodge circular imports)."""
        imports = self.imports.get(id(fn.fdef))
        if imports is None:
            imports = self.imports[id(fn.fdef)] = tuple(_walk(fn.fdef.body))
        for stmt in imports:
            bound = (
                stmt.asname or stmt.module.split(".", 1)[0]
                if isinstance(stmt, ir.Import)
                else next((a or n for n, a in stmt.names if (a or n) == name), None)
            )
            if bound == name:
                scratch = Env({}, None, fn.module, fn.fdef.qualname)
                self.interp.exec_stmt(stmt, scratch)
                return scratch.vars.get(name, default)
        return default

    def function_facts(
        self, fn: FuncV, cls: ClassV | None, via: tuple[str, ...], seen: set[int]
    ) -> list[model.Fact]:
        """Facts of `fn` and, with their call chain, of the scanned helpers it calls."""
        if id(fn.fdef) in seen:
            return []
        seen.add(id(fn.fdef))
        rt = fn.module
        self.ensure(rt)
        out = [
            dataclasses.replace(f, via=via) if via else f
            for f in _facts_under(rt, fn.fdef.qualname)
        ]
        if len(via) >= MAX_DEPTH:
            return out
        owner = fn.owner if fn.owner is not None else cls
        for name in dict.fromkeys(_calls_under(rt, fn.fdef.qualname)):
            helper = self.resolve(rt, owner, name, fn)
            if helper is None:
                continue
            chain = (*via, self.label(helper))
            params = _json_into(rt, fn.fdef.qualname, name, helper)
            if params:
                self.ensure(helper.module)
                out.extend(_body_keys(helper, params, chain))
            if id(helper.fdef) not in seen:
                out.extend(self.function_facts(helper, owner, chain, seen))
        return out

    def view_facts(self, view: Any) -> list[model.Fact]:
        seen: set[int] = set()
        if isinstance(view, FuncV):
            return self.function_facts(view.view, None, (), seen)
        if isinstance(view, ViewV) and isinstance(view.cls, ClassV):
            out: list[model.Fact] = []
            for cls in self.class_chain(view.cls):
                for member in cls.attrs.values():
                    if isinstance(member, FuncV):
                        # a helper's facts name the handler first in their chain, so
                        # each HTTP method keeps its own
                        handler = member.view
                        label = self.label(handler)
                        for fact in self.function_facts(handler, view.cls, (), set()):
                            if fact.via:
                                fact = dataclasses.replace(fact, via=(label, *fact.via))
                            out.append(fact)
            return out
        return []

    def class_chain(self, cls: ClassV, depth: int = 0) -> Iterator[ClassV]:
        yield cls
        if depth < 8:
            for base in cls.bases:
                if isinstance(base, ClassV):
                    yield from self.class_chain(base, depth + 1)

    def decorators(self, view: Any) -> list[model.Decorator]:
        pairs: list[tuple[str, Any, str]] = []
        if isinstance(view, FuncV):
            pairs = [(text, value, "") for text, value in view.decorators]
        elif isinstance(view, ViewV) and isinstance(view.cls, ClassV):
            listed = self.interp.class_attr(view.cls, "decorators")
            if isinstance(listed, list | tuple):
                pairs = [(_name(v), v, "") for v in listed]
            for cls in self.class_chain(view.cls):
                for key, member in cls.attrs.items():
                    if isinstance(member, FuncV):
                        pairs.extend((text, value, key) for text, value in member.decorators)
        out = []
        for text, value, method in pairs:
            if isinstance(value, FuncV):
                fn = value.view
                top = fn.fdef.qualname.split(".<locals>")[0]
                top_fn = fn.module.env.vars.get(top)
                # a line of fn's own file (the name may be rebound by a later import)
                line = fn.fdef.line
                if isinstance(top_fn, FuncV) and top_fn.module is fn.module:
                    line = top_fn.fdef.line
                self.ensure(fn.module)
                facts = tuple(_facts_under(fn.module, top))
                out.append(model.Decorator(text, fn.module.code.path, line, facts, method))
            else:
                out.append(model.Decorator(text, "", 0, (), method))
        return out

    def hooks(self, app: AppObj, chain: tuple[BlueprintObj, ...]) -> list[model.Hook]:
        decls: list[tuple[HookDecl, str]] = [(h, "app") for h in app.hooks]
        for bp in self.all_blueprints(app):
            decls.extend((h, _bp_name(bp)) for h in bp.hooks if h.app_wide)
        for bp in chain:
            decls.extend((h, _bp_name(bp)) for h in bp.hooks if not h.app_wide)
        out = []
        for decl, scope in decls:
            fn = decl.func.view if isinstance(decl.func, FuncV) else None
            name = decl.kind + (f"({decl.detail})" if decl.detail else "")
            if fn is None:
                out.append(
                    model.Hook(name, scope, _name(decl.func), decl.site.file, decl.site.line)
                )
                continue
            facts = tuple(self.function_facts(fn, None, (), set()))
            out.append(
                model.Hook(name, scope, self.label(fn), fn.module.code.path, fn.fdef.line, facts)
            )
        return out

    def all_blueprints(self, app: AppObj) -> list[BlueprintObj]:
        out: list[BlueprintObj] = []
        stack = [r.child for r in app.registrations]
        while stack and len(out) < 10_000:
            bp = stack.pop()
            if bp not in out:
                out.append(bp)
                stack.extend(r.child for r in bp.registrations)
        return out


def _bp_name(bp: BlueprintObj) -> str:
    return bp.name if isinstance(bp.name, str) else "?"


def _name(value: Any) -> str:
    if isinstance(value, FuncV):
        return value.view.fdef.qualname
    if isinstance(value, ClassV):
        return value.cdef.qualname
    qualname = getattr(value, "qualname", None)
    return qualname if isinstance(qualname, str) else "?"


def link(
    interp: Interpreter,
    module_of: dict[str, str],
    routes: list[model.Route],
    origins: list[tuple[Any, AppObj, tuple[BlueprintObj, ...]]],
    ensure: Callable[[ModuleRT], None] = _already_detected,
) -> list[model.Route]:
    linker = Linker(interp, module_of, ensure)
    out = []
    hooks_cache: dict[tuple[int, ...], tuple[model.Hook, ...]] = {}
    for route, (view, app, chain) in zip(routes, origins, strict=True):
        if route.kind == "static":
            out.append(route)
            continue
        key = (id(app), *(id(bp) for bp in chain))
        if key not in hooks_cache:
            hooks_cache[key] = tuple(linker.hooks(app, chain))
        out.append(
            dataclasses.replace(
                route,
                facts=tuple(linker.view_facts(view)),
                hooks=hooks_cache[key],
                decorators=tuple(linker.decorators(view)),
            )
        )
    return out
