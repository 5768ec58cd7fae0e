"""The link step: a small abstract interpreter over every scanned module.

Flask builds its URL map by running code: imports, factories, decorators,
helper functions, loops over blueprints. The scan never runs the user's code;
instead it *evaluates* the lowered form (`ir.py`) with values that stand for
what Python would hold (`values.py`) and models of Flask objects
(`objects.py`, driven by `patterns/`). Module bodies run once each, as imports
would run them; functions run when called, with their arguments bound; the
top-level functions nobody calls (app factories, `init_app(app)` helpers) run
last as entry points. Objects are identified by where they are created and
with what arguments, so calling a factory twice yields the same app.

What cannot be known becomes `Unknown`; `findings` records where such a value
reached a routing call.
"""

from __future__ import annotations

import builtins
import functools
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from migrate.model import Finding
from migrate.scan import ir, library
from migrate.scan.values import (
    BuiltinFn,
    ClassV,
    DictV,
    ExternalV,
    FuncV,
    InstanceV,
    ModuleV,
    SetV,
    Site,
    SuperV,
    Unknown,
)

MAX_DEPTH = 24
# where the scanned tree stands in the paths the link computes: `__file__` of the
# module in `pkg/views.py` is "/<root>/pkg/views.py" (`patterns/discovery.py`)
ROOT = "/<root>"
TOO_DEEP = "code nested too deeply to follow"  # the finding when Python's stack runs out
MAX_UNROLL = 256
ROUTING_NAMES = frozenset(
    {"route", "add_url_rule", "register_blueprint", "add_resource", "add_namespace"}
)


@dataclass(eq=False)
class ModuleRT:
    name: str
    code: ir.ModuleIR
    env: Env = field(init=False)
    state: str = "new"  # new | running | done
    # for `incremental`: when the body started and ended (the interpreter's module
    # count then), and whether any code found this module (imports, attributes)
    started: int = -1
    ended: int = -1
    reached: bool = False
    # some code read its namespace by a name it computed (`dir`, `inspect.getmembers`,
    # `getattr`): every module-level name may have been read
    listed: bool = False
    # read only by `inspect.getmembers` with a predicate that rejects constants
    # (`reflection.rejects_constants`): a constant added to it is not read
    sifted: bool = False
    stars: list[ModuleRT] = field(default_factory=list)  # modules it star-imported

    def __post_init__(self) -> None:
        self.env = Env({}, None, self, "")
        names = self.env.vars
        names["__name__"] = self.name
        names["__file__"] = f"{ROOT}/{self.code.path}"
        if self.code.is_package:
            names["__path__"] = [f"{ROOT}/{self.code.path}".rpartition("/")[0]]

    @property
    def package(self) -> str:
        return self.name if self.code.is_package else self.name.rpartition(".")[0]


@dataclass(eq=False)
class Env:
    vars: dict[str, Any]
    parent: Env | None
    module: ModuleRT
    function: str  # qualname of the running function, "" at module level
    returns: list[Any] = field(default_factory=list)
    loops: tuple[tuple[str, int], ...] = ()  # (file, line) of enclosing unrolled loops
    weak: bool = False  # inside a flattened branch: None/Unknown do not clobber
    shaky: set[str] | None = None  # names written in such a branch: their value is a guess

    def lookup(self, name: str) -> Any:
        env: Env | None = self
        while env is not None:
            if name in env.vars:
                return env.vars[name]
            env = env.parent
        if name in self.module.env.vars:
            return self.module.env.vars[name]
        return MISSING


MISSING = object()
# how a statement list ended: run to its end (0), or by a jump out of it
RETURN, BREAK, CONTINUE = 1, 2, 3
_SETTABLE = frozenset({"url_prefix", "subdomain", "name", "static_folder", "static_url_path"})
# methods that change their receiver (`weak_write`)
_MUTATORS = frozenset(
    {"list.append", "list.extend", "list.insert", "set.add", "set.update", "set.discard"}
    | {"dict.update", "dict.setdefault"}
)
_BUILTIN_TYPES: dict[str, Any] = {"dict": dict, "list": list, "tuple": tuple, "set": set}


class Interpreter:
    def __init__(self, modules: dict[str, ir.ModuleIR], files: Iterable[str] = ()) -> None:
        """`modules`: the module table; `files`: every file the scan reads, relative to
        its root (what a directory listing of the tree shows)."""
        library.load_patterns()
        self.files = tuple(files)
        by_code: dict[int, ModuleRT] = {}
        self.modules: dict[str, ModuleRT] = {}
        for name, code in modules.items():  # canonical names come first, aliases after
            if id(code) not in by_code:
                by_code[id(code)] = ModuleRT(name, code)
            self.modules[name] = by_code[id(code)]
        self.unique_modules = list(by_code.values())
        self.findings: list[Finding] = []
        self.heap: dict[tuple[Any, ...], Any] = {}  # allocation site + args -> object
        self.objects: list[Any] = []  # every Flask object created, in order
        self.memo: dict[tuple[Any, ...], Any] = {}
        self.keep: list[Any] = []  # objects whose ids appear in memo and heap keys
        self.made: list[FuncV | ClassV | InstanceV] = []  # what `release` unties
        # id(fdef) of every function that ran -> its file and definition
        self.called: dict[int, tuple[str, ir.FuncDef]] = {}
        self.stack: list[int] = []
        self.starts = 0  # module bodies started so far
        # ids of containers and objects changed in a branch the scan could not decide
        self.shaky: set[int] = set()
        self.test_names: dict[int, tuple[str, ...]] = {}  # id(test) -> the names it reads
        # (code, file, line) -> the findings made there, the first shown; the others
        # wait in case the first is refuted (`settle`)
        self._finding_keys: dict[tuple[str, str, int], list[Finding]] = {}
        # functions scanned code called (entry points aside), and for each unknown
        # argument an entry point got, the functions it stood for (`settle`)
        self.from_code: set[int] = set()
        self.entry_params: dict[tuple[str, str], set[int]] = {}
        # (file, line) of the routing calls (`ROUTING_NAMES`) that ran on a Flask model
        self.routed: set[tuple[str, int]] = set()
        # called after each module body (`Detections.speculate`)
        self.notice: Callable[[Interpreter], None] | None = None

    @functools.cached_property
    def by_path(self) -> dict[str, ModuleRT]:
        """The module in each file (relative path)."""
        return {rt.code.path: rt for rt in self.unique_modules}

    @functools.cached_property
    def submodules(self) -> dict[str, list[ModuleRT]]:
        """Package name -> the modules directly inside it."""
        out: dict[str, list[ModuleRT]] = {}
        for rt in self.unique_modules:
            package, dot, _ = rt.name.rpartition(".")
            if dot:
                out.setdefault(package, []).append(rt)
        return out

    def listed(self, mark: str = "listed") -> set[ModuleRT]:
        """The modules whose names code may have read by computed names: those listed,
        and every module whose names a star import copied into one of them (with
        `mark="sifted"`: those read only by a predicate that rejects constants). A
        sifted module that star-imported counts as listed: a name it copied in may
        have been bound by a computed name, and a constant could replace it."""
        out: set[ModuleRT] = set()
        if mark == "sifted":
            todo = [rt for rt in self.unique_modules if rt.sifted and not rt.stars]
        else:
            todo = [rt for rt in self.unique_modules if rt.listed or (rt.sifted and rt.stars)]
        while todo:
            rt = todo.pop()
            if rt not in out:
                out.add(rt)
                todo.extend(rt.stars)
        return out

    def release(self) -> None:
        """Untie the reference cycles the link made (a module and its namespace, a
        closure and its frame, a class and its methods, an instance and its bound
        methods), so its heap, lowered forms included, is freed as soon as the
        last reference goes. Left to the collector, it was about a million
        objects to walk at the next full collection (0.9 s on Indico + CKAN), in
        the caller's process or at the CLI's exit. The interpreter is of no use
        after this."""
        for rt in self.unique_modules:
            rt.env.vars.clear()
            del rt.env  # its `module` is `rt`
        for value in self.made:
            if isinstance(value, FuncV):
                if value.closure is not None:  # the frame it was defined in, and so
                    value.closure.vars.clear()  # the bound copies (`_bind_self`) there
                    value.closure.returns.clear()
                value.closure, value.defaults, value.owner = None, {}, None
            elif isinstance(value, ClassV):
                value.attrs.clear()
                value.bases.clear()
            else:
                value.attrs.clear()
        for obj in self.objects:  # Flask object models: their hooks and registries
            vars(obj).clear()
        for table in (self.made, self.objects, self.keep):
            table.clear()
        self.heap.clear()
        self.memo.clear()
        self.test_names.clear()
        for index in ("by_path", "submodules"):
            self.__dict__.pop(index, None)
        self.called.clear()
        self.notice = None

    # ------------------------------------------------------------- driving

    def run(self) -> None:
        for rt in self.unique_modules:
            self.guarded(self.execute_module, rt, rt.code.path, 0)
        for rt in self.unique_modules:
            for stmt in rt.code.body:
                if isinstance(stmt, ir.FuncDef) and id(stmt) not in self.called:
                    value = rt.env.vars.get(stmt.name)
                    if isinstance(value, FuncV) and value.fdef is stmt:
                        self.guarded(self.call_entry, value, rt.code.path, stmt.line)
        self.settle()

    def settle(self) -> None:
        """Drop the `unresolved-receiver` findings that blame only unknown arguments of
        entry points that scanned code did call, made at a call that also ran on a
        modelled Flask object. A helper defined before the factory that calls it
        ran first, as an entry point, with an unknown `app`, and its
        `app.register_blueprint(...)` was reported "which no scanned code calls";
        the factory's call then ran that same line on the real app. A finding made
        at the same place by another call, if any, is shown instead (also where
        nothing is dropped: it names the caller that left the receiver unknown).
        Kept: a call that never ran on a Flask object again (a memoised helper, a
        receiver that escaped into module state, a stand-in app of the project's
        own), and one blaming a function no code called (a review found each)."""
        refuted = {param for param, fids in self.entry_params.items() if fids <= self.from_code}
        if not refuted:
            return
        kept: dict[tuple[str, str, int], list[Finding]] = {}
        for key, made in self._finding_keys.items():
            code, file, line = key
            shown = next((f for f in made if not _blames(f.message, refuted)), None)
            if shown is None and (code != "unresolved-receiver" or (file, line) not in self.routed):
                shown = made[0]  # true all the same: only its "no scanned code calls" is not
            if shown is not None:
                kept[key] = [shown]
        self.findings[:] = [made[0] for made in kept.values()]
        self._finding_keys = kept  # a later finding at a dropped place is a new one

    def guarded(self, step: Any, arg: Any, file: str, line: int) -> None:
        """One module or entry point; a defect in the scanner must not end the scan."""
        try:
            step(arg)
        except RecursionError:
            self.stack.clear()
            self.finding("internal-error", TOO_DEEP, file, line, "error")
        except Exception as exc:  # reported as a finding; the scan goes on
            self.stack.clear()
            self.finding(
                "internal-error",
                f"the scanner failed here ({type(exc).__name__}: {exc}); please report it",
                file,
                line,
                "error",
            )

    def call_entry(self, fn: FuncV) -> None:
        args: dict[str, Any] = {}
        for param in fn.fdef.params:
            reason = f"parameter `{param.name}` of `{fn.fdef.qualname}`{_NO_CALLER}"
            default = fn.defaults.get(param.name, MISSING)
            if default is MISSING or _is_flask_object(default):
                # an uncalled plugin `def setup(app=app)` must not add to that app
                default = Unknown(reason, fn.module.code.path, fn.fdef.line)
                self.entry_params.setdefault((param.name, fn.fdef.qualname), set()).add(id(fn.fdef))
            args[param.name] = default
            if param.kind == "star":
                args[param.name] = []
            elif param.kind == "dstar":
                args[param.name] = DictV()
        self.invoke(fn, args, Site(fn.module.code.path, fn.fdef.line, fn.fdef.qualname))

    def execute_module(self, rt: ModuleRT) -> None:
        if rt.state != "new":
            return
        rt.state = "running"
        rt.started = self.starts
        self.starts += 1
        self.exec_body(rt.code.body, rt.env)
        rt.state = "done"
        rt.ended = self.starts
        if self.notice is not None:
            self.notice(self)

    def finding(
        self, code: str, message: str, file: str, line: int, severity: str = "warning"
    ) -> None:
        key = (code, file, line)
        made = Finding(code, message, file, line, severity)
        if key not in self._finding_keys:
            self._finding_keys[key] = [made]
            self.findings.append(made)
        elif _NO_CALLER in message or _NO_CALLER in self._finding_keys[key][0].message:
            self._finding_keys[key].append(made)  # `settle` may need it

    # ------------------------------------------------------------- imports

    def find_module(self, dotted: str) -> ModuleRT | None:
        rt = self.modules.get(dotted)
        if rt is not None:
            rt.reached = True
            self.execute_module(rt)
        return rt

    def import_value(self, dotted: str) -> Any:
        """The value `import a.b.c` binds to `a`."""
        head = dotted.split(".", 1)[0]
        rt = self.find_module(head)
        if rt is None:
            if self.find_module(dotted) is not None:
                # a.b.c is scanned but its package a is not (namespace package)
                return ModuleV(self.modules[dotted])
            return ExternalV(library.canonical(head))
        parts = dotted.split(".")
        for i in range(2, len(parts) + 1):
            self.find_module(".".join(parts[:i]))
        return ModuleV(rt)

    def exec_import(self, stmt: ir.Import, env: Env) -> None:
        if stmt.asname is None:
            env.vars[stmt.module.split(".", 1)[0]] = self.import_value(stmt.module)
            return
        rt = self.find_module(stmt.module)
        env.vars[stmt.asname] = ModuleV(rt) if rt else ExternalV(library.canonical(stmt.module))

    def exec_import_from(self, stmt: ir.ImportFrom, env: Env) -> None:
        dotted = absolute_module(stmt.level, stmt.module, env.module.package)
        rt = self.find_module(dotted) if dotted else None
        for name, asname in stmt.names:
            if name == "*":
                # only at module level: CPython refuses a class or function that
                # star-imports, so no name lands there unspelled (`incremental`)
                if rt is not None and env is env.module.env:
                    env.module.stars.append(rt)  # a listing of this module lists theirs
                    for key, value in rt.env.vars.items():
                        if not key.startswith("_"):
                            env.vars[key] = value
                continue
            if rt is not None:
                value = self.module_attr(rt, name)
            else:
                sub = self.find_module(f"{dotted}.{name}")
                value = ModuleV(sub) if sub else ExternalV(library.canonical(f"{dotted}.{name}"))
            env.vars[asname or name] = value

    def module_attr(self, rt: ModuleRT, name: str) -> Any:
        if name in rt.env.vars:
            return rt.env.vars[name]
        sub = self.find_module(f"{rt.name}.{name}")
        if sub is not None:
            return ModuleV(sub)
        if name in rt.env.vars:  # bound while the submodule import ran
            return rt.env.vars[name]
        return Unknown(f"`{name}` is not defined in `{rt.name}` at import time", rt.code.path)

    # ---------------------------------------------------------- statements

    def exec_block(self, body: tuple[ir.Stmt, ...], env: Env) -> int:
        """Run statements; the jump that ended the body (`RETURN`, `BREAK`, `CONTINUE`),
        or 0 when it ran to its end."""
        exec_stmt = self.exec_stmt
        for stmt in body:
            jump = exec_stmt(stmt, env)
            if jump:
                return jump
        return 0

    def exec_body(self, body: tuple[ir.Stmt, ...], env: Env) -> None:
        """A module, function or class body, or a flattened block: a `return` ends it;
        a `break` or `continue` ends nothing here. A block's parts (a `try`'s body,
        handlers, `else` and `finally`, a `match`'s cases, a `while` body) are
        flattened into one list, so a jump in one part must not cut off the
        others; outside any loop, CPython refuses a jump."""
        exec_stmt = self.exec_stmt
        for stmt in body:
            if exec_stmt(stmt, env) == RETURN:
                return

    def exec_stmt(self, stmt: ir.Stmt, env: Env) -> int:
        # the most frequent kinds first (on Indico + CKAN: Assign, If, ExprStmt, Return)
        if isinstance(stmt, ir.Assign):
            value = self.eval(stmt.value, env)
            for target in stmt.targets:
                self.assign(target, value, env, stmt.line)
        elif isinstance(stmt, ir.If):
            return self.exec_if(stmt, env)
        elif isinstance(stmt, ir.ExprStmt):
            self.eval(stmt.value, env)
        elif isinstance(stmt, ir.Return):
            env.returns.append(self.eval(stmt.value, env) if stmt.value is not None else None)
            return RETURN
        elif isinstance(stmt, ir.FuncDef):
            self.define_function(stmt, env)
        elif isinstance(stmt, ir.ClassDef):
            self.define_class(stmt, env)
        elif isinstance(stmt, ir.Import):
            self.exec_import(stmt, env)
        elif isinstance(stmt, ir.ImportFrom):
            self.exec_import_from(stmt, env)
        elif isinstance(stmt, ir.For):
            return self.exec_for(stmt, env)
        elif isinstance(stmt, ir.Block):  # every part runs: a jump ends only the block
            weak = env.weak
            env.weak = weak or stmt.kind in ("if", "try", "match")
            self.exec_body(stmt.body, env)
            env.weak = weak
        elif isinstance(stmt, ir.Jump):
            return BREAK if stmt.kind == "break" else CONTINUE
        return 0

    def exec_if(self, stmt: ir.If, env: Env) -> int:
        """Known test: run one side (and let its `return` end the function).
        Unknown test: run both sides, neither able to clobber with None, nor to jump."""
        known = truth(self.eval(stmt.test, env))
        if known is not None and self.reads_shaky(stmt.test, env):
            known = None  # it reads what a branch the scan could not decide wrote
        if known is True:
            return self.exec_block(stmt.body, env)
        if known is False:
            return self.exec_block(stmt.orelse, env)
        weak = env.weak
        env.weak = True
        self.exec_block(stmt.body, env)
        self.exec_block(stmt.orelse, env)
        env.weak = weak
        return 0

    def reads_shaky(self, expr: ir.Expr, env: Env) -> bool:
        """Whether an expression reads a name or an object that a branch the scan
        could not decide wrote (`Env.weak`): its value is one guess of several."""
        names = self.test_names.get(id(expr))
        if names is None:  # lowered nodes live as long as the link: ids stay theirs
            found: set[str] = set()
            _read_names(expr, found)
            names = self.test_names[id(expr)] = tuple(found)
        for name in names:
            scope: Env | None = env
            while scope is not None:
                if scope.shaky and name in scope.shaky:
                    return True
                scope = scope.parent
            top = env.module.env
            if top.shaky and name in top.shaky:
                return True
            if self.shaky and id(env.lookup(name)) in self.shaky:
                return True
        return False

    def exec_for(self, stmt: ir.For, env: Env) -> int:
        """Unroll a loop over known items (`break` and `continue` as in Python; a
        `return` ends the function); over unknown items, run the body once."""
        items = self.iterate(self.eval(stmt.iter, env))
        if items is None:
            text = stmt.iter.text if isinstance(stmt.iter, ir.Opaque) else "a runtime value"
            reason = f"loop over {text}, not known statically"
            self.assign(
                stmt.target, Unknown(reason, env.module.code.path, stmt.line), env, stmt.line
            )
            self.exec_block(stmt.body, env)
            return 0
        outer = env.loops
        env.loops = (*outer, (env.module.code.path, stmt.line))
        jump = 0
        for item in items[:MAX_UNROLL]:
            self.assign(stmt.target, item, env, stmt.line)
            jump = self.exec_block(stmt.body, env)
            if jump in (BREAK, RETURN):
                break
        env.loops = outer
        return RETURN if jump == RETURN else 0

    def iterate(self, value: Any) -> list[Any] | None:
        if isinstance(value, list | tuple):
            return list(value)
        if isinstance(value, DictV | SetV):
            return None if value.partial else list(value.items)
        if isinstance(value, str):
            return list(value)
        return None

    def assign(self, target: ir.Expr, value: Any, env: Env, line: int) -> None:
        if isinstance(target, ir.Name):
            if env.weak:
                if env.shaky is None:
                    env.shaky = set()
                env.shaky.add(target.id)
            if env.weak and (value is None or isinstance(value, Unknown)):
                old = env.vars.get(target.id)
                if old is not None and not isinstance(old, Unknown):
                    return
            env.vars[target.id] = value
            label = target.id if not env.function else f"{env.function}.{target.id}"
            if hasattr(value, "label") and not value.label:
                value.label = label
        elif isinstance(target, ir.Seq):
            items = self.iterate(value)
            for i, sub in enumerate(target.items):
                if isinstance(sub, ir.Star):
                    self.assign(sub.value, Unknown("starred unpacking"), env, line)
                    break
                item = items[i] if items is not None and i < len(items) else Unknown("unpacking")
                self.assign(sub, item, env, line)
        elif isinstance(target, ir.Attr):
            obj = self.eval(target.value, env)
            self.weak_write(obj, env)
            self.set_attr(obj, target.attr, value, Site(env.module.code.path, line, env.function))
        elif isinstance(target, ir.Subscript):
            obj = self.eval(target.value, env)
            self.weak_write(obj, env)
            key = self.eval(target.index, env)
            setter = getattr(obj, "setitem", None)
            if isinstance(obj, DictV) and _hashable(key):
                obj.items[key] = value
            elif isinstance(obj, DictV):
                obj.partial = True
            elif callable(setter) and _hashable(key):
                setter(key, value)

    def weak_write(self, obj: Any, env: Env) -> None:
        """Remember an object changed in a branch the scan could not decide."""
        if env.weak and not _is_literal(obj):
            self.shaky.add(id(obj))
            self.keep.append(obj)  # its id must not name another object later

    def set_attr(self, obj: Any, name: str, value: Any, site: Site) -> None:
        if isinstance(obj, InstanceV | ClassV):
            obj.attrs[name] = value
        elif isinstance(obj, FuncV) and name == "methods":
            obj.methods = value
        elif isinstance(obj, ModuleV):
            obj.rt.env.vars[name] = value
        elif hasattr(obj, "set_attribute"):
            obj.set_attribute(name, value)
        elif name in _SETTABLE and name in getattr(obj, "__dataclass_fields__", {}):
            # plain fields of Flask object models (bp.url_prefix = "/x")
            setattr(obj, name, value)
        elif isinstance(getattr(obj, "extra", None), dict):
            obj.extra[name] = value  # an attribute of the user's own (bp.auto_register)

    def define_function(self, fdef: ir.FuncDef, env: Env) -> None:
        defaults = {p.name: self.eval(p.default, env) for p in fdef.params if p.default is not None}
        closure = env if env.function or env is not env.module.env else None
        value: Any = FuncV(fdef, env.module, closure, defaults, name=fdef.name)
        self.made.append(value)
        value = self.decorate(value, fdef.decorators, env, fdef.line)
        env.vars[fdef.name] = value

    def define_class(self, cdef: ir.ClassDef, env: Env) -> None:
        bases = [self.eval(b, env) for b in cdef.bases]
        body_env = Env({}, env, env.module, env.function)
        cls = ClassV(cdef, env.module, bases, body_env.vars)
        self.made.append(cls)
        self.exec_body(cdef.body, body_env)
        for member in body_env.vars.values():
            if isinstance(member, FuncV) and member.closure is body_env:
                member.closure = env if env.function else None
                member.owner = cls
        env.vars[cdef.name] = self.decorate(cls, cdef.decorators, env, cdef.line)

    def decorate(self, value: Any, decorators: tuple[ir.Expr, ...], env: Env, line: int) -> Any:
        site = Site(env.module.code.path, line, env.function)
        for expr in reversed(decorators):
            decorator = self.eval(expr, env)
            result = self.call(decorator, [value], {}, site)
            if isinstance(result, Unknown) or result is None:
                # a decorator the scan cannot follow: assume it wraps (functools.wraps)
                result = value
            if isinstance(result, FuncV) and isinstance(value, FuncV):
                if result is not value and result.origin is None:
                    result.origin = value.view
                if not isinstance(decorator, BuiltinFn):  # route and hook decorators are Flask's
                    result.decorators = (*value.decorators, (_text(expr), decorator))
            value = result
        return value

    # --------------------------------------------------------- expressions

    def eval(self, expr: ir.Expr, env: Env) -> Any:
        # the most frequent kinds first (on Indico + CKAN: Name, Call, Const, Attr)
        if isinstance(expr, ir.Name):
            value = env.lookup(expr.id)
            if value is not MISSING:
                return value
            if expr.id in _BUILTIN_TYPES:
                return ExternalV(f"builtins.{expr.id}")
            if hasattr(builtins, expr.id):
                return ExternalV(f"builtins.{expr.id}")
            return Unknown(f"name `{expr.id}` is not defined here", env.module.code.path)
        if isinstance(expr, ir.Call):
            return self.eval_call(expr, env)
        if isinstance(expr, ir.Const):
            return expr.value
        if isinstance(expr, ir.Attr):
            return self.getattr(self.eval(expr.value, env), expr.attr, env)
        if isinstance(expr, ir.Seq):
            items: list[Any] = []
            for item in expr.items:
                if isinstance(item, ir.Star):
                    inner = self.iterate(self.eval(item.value, env))
                    if inner is None:
                        return Unknown("starred element", env.module.code.path)
                    items.extend(inner)
                else:
                    items.append(self.eval(item, env))
            return tuple(items) if expr.kind == "tuple" else items
        if isinstance(expr, ir.DictE):
            out = DictV()
            for key_expr, value_expr in expr.items:
                if key_expr is None:
                    inner = self.eval(value_expr, env)
                    if isinstance(inner, DictV):
                        out.items.update(inner.items)
                        out.partial = out.partial or inner.partial
                    else:
                        out.partial = True
                    continue
                key = self.eval(key_expr, env)
                if _hashable(key):
                    out.items[key] = self.eval(value_expr, env)
                else:
                    out.partial = True
            return out
        if isinstance(expr, ir.BinOp):
            return self.binop(expr, env)
        if isinstance(expr, ir.FStr):
            parts: list[str] = []
            for part in expr.parts:
                value = part if isinstance(part, str) else self.eval(part, env)
                if not isinstance(value, str | int | float) or isinstance(value, bool):
                    return Unknown("f-string with a runtime value", env.module.code.path)
                parts.append(str(value))
            return "".join(parts)
        if isinstance(expr, ir.Subscript):
            obj = self.eval(expr.value, env)
            key = self.eval(expr.index, env)
            if isinstance(obj, DictV) and _hashable(key) and key in obj.items:
                return obj.items[key]
            if (
                isinstance(obj, list | tuple | str)
                and isinstance(key, int)
                and -len(obj) <= key < len(obj)
            ) or (isinstance(obj, list | tuple | str) and isinstance(key, slice)):
                return obj[key]
            return Unknown("subscript of a runtime value", env.module.code.path)
        if isinstance(expr, ir.Slice):
            ends = (expr.lower, expr.upper, expr.step)
            bounds = [None if b is None else self.eval(b, env) for b in ends]
            whole = all(
                b is None or (isinstance(b, int) and not isinstance(b, bool)) for b in bounds
            )
            if whole and bounds[2] != 0:
                return slice(*bounds)
            return Unknown("a slice of runtime values", env.module.code.path)
        if isinstance(expr, ir.Not):
            known = truth(self.eval(expr.value, env))
            return Unknown("`not` of a runtime value") if known is None else not known
        if isinstance(expr, ir.BoolOp):
            left = self.eval(expr.left, env)
            known = truth(left)
            if known is None:
                return Unknown(f"`{expr.op}` of a runtime value", env.module.code.path)
            if (expr.op == "and") == known:
                return self.eval(expr.right, env)
            return left
        if isinstance(expr, ir.IfExp):
            known = truth(self.eval(expr.test, env))
            if known is None:
                return Unknown("conditional expression on a runtime value", env.module.code.path)
            return self.eval(expr.body if known else expr.orelse, env)
        if isinstance(expr, ir.Compare):
            return compare(expr.op, self.eval(expr.left, env), self.eval(expr.right, env))
        if isinstance(expr, ir.Opaque):
            return Unknown(f"`{expr.text}`", env.module.code.path, expr.line)
        return Unknown("unsupported expression", env.module.code.path)

    def binop(self, expr: ir.BinOp, env: Env) -> Any:
        left = self.eval(expr.left, env)
        right = self.eval(expr.right, env)
        if expr.op == "+":
            for kind in (str, list, tuple):
                if isinstance(left, kind) and isinstance(right, kind):
                    return left + right  # type: ignore[operator]
        elif expr.op == "%" and isinstance(left, str):
            if isinstance(right, tuple) and all(_is_literal(v) for v in right):
                try:
                    return left % right
                except (TypeError, ValueError):
                    pass
            elif _is_literal(right):
                try:
                    return left % (right,)
                except (TypeError, ValueError):
                    pass
        return Unknown("an expression built from runtime values", env.module.code.path)

    def eval_call(self, expr: ir.Call, env: Env) -> Any:
        func = self.eval(expr.func, env)
        args: list[Any] = []
        for arg in expr.args:
            if isinstance(arg, ir.Star):
                inner = self.iterate(self.eval(arg.value, env))
                if inner is not None:
                    args.extend(inner)
            else:
                args.append(self.eval(arg, env))
        kwargs: dict[str, Any] = {}
        for key, value_expr in expr.kwargs:
            value = self.eval(value_expr, env)
            if key is not None:
                kwargs[key] = value
            elif isinstance(value, DictV):
                kwargs.update({k: v for k, v in value.items.items() if isinstance(k, str)})
        site = Site(env.module.code.path, expr.line, env.function, env.loops)
        if (  # in a branch the scan could not decide, a method that changes its receiver
            env.weak
            and isinstance(func, BuiltinFn)
            and func.label in _MUTATORS
            and isinstance(expr.func, ir.Attr)
        ):
            self.weak_write(self.eval(expr.func.value, env), env)
        if isinstance(func, ExternalV) and func.qualname == "builtins.super":
            return self.make_super(args, env)
        if isinstance(expr.func, ir.Attr) and expr.func.attr in ROUTING_NAMES:
            if isinstance(func, Unknown):
                self.finding(
                    "unresolved-receiver",
                    f"`.{expr.func.attr}(...)` on a value the scan cannot resolve: {func.reason}",
                    site.file,
                    site.line,
                )
            elif isinstance(func, BuiltinFn) and func.label == expr.func.attr:
                self.routed.add((site.file, site.line))  # `settle`
        return self.call(func, args, kwargs, site)

    def make_super(self, args: list[Any], env: Env) -> Any:
        if len(args) == 2 and isinstance(args[0], ClassV):
            return SuperV(args[1], args[0])
        owner = env.lookup("__class__")
        this = env.lookup("__self__")
        if isinstance(owner, ClassV) and this is not MISSING:
            return SuperV(this, owner)
        return Unknown("super() outside a method the scan follows", env.module.code.path)

    # --------------------------------------------------------------- calls

    def call(self, func: Any, args: list[Any], kwargs: dict[str, Any], site: Site) -> Any:
        if isinstance(func, BuiltinFn):
            return func.fn(args, kwargs, site)
        if isinstance(func, FuncV):
            return self.call_function(func, args, kwargs, site)
        if isinstance(func, ClassV):
            return self.instantiate(func, args, kwargs, site)
        if isinstance(func, ExternalV):
            return self.call_external(func, args, kwargs, site)
        return Unknown("call of a value the scan cannot resolve", site.file, site.line)

    def call_external(
        self, func: ExternalV, args: list[Any], kwargs: dict[str, Any], site: Site
    ) -> Any:
        qualname = library.canonical(func.qualname)
        ctor = library.CONSTRUCTORS.get(qualname)
        if ctor is not None:
            return ctor(self, args, kwargs, site, None)
        if qualname.startswith("builtins."):
            return _call_builtin(qualname[9:], args, kwargs)
        return Unknown(f"result of `{qualname}(...)`", site.file, site.line)

    def bind(self, fn: FuncV, args: list[Any], kwargs: dict[str, Any]) -> dict[str, Any]:
        bound: dict[str, Any] = {}
        positional = list(args)
        if fn.self_obj is not None:
            positional.insert(0, fn.self_obj)
        rest = dict(kwargs)
        for param in fn.fdef.params:
            if param.kind == "star":
                bound[param.name] = list(positional)
                positional = []
            elif param.kind == "dstar":
                bound[param.name] = DictV(dict(rest))
                rest = {}
            elif param.kind != "kwonly" and positional:
                bound[param.name] = positional.pop(0)
            elif param.name in rest:
                bound[param.name] = rest.pop(param.name)
            elif param.name in fn.defaults:
                bound[param.name] = fn.defaults[param.name]
            else:
                bound[param.name] = Unknown(f"argument `{param.name}` not given")
        return bound

    def call_function(self, fn: FuncV, args: list[Any], kwargs: dict[str, Any], site: Site) -> Any:
        if id(fn.fdef) not in self.stack:  # a call from itself is no caller
            self.from_code.add(id(fn.fdef))
        held: list[Any] = [fn]
        key = (
            id(fn),
            *(_key(a, held) for a in args),
            *((k, _key(v, held)) for k, v in sorted(kwargs.items())),
        )
        if key in self.memo:
            return self.memo[key]
        # the key holds ids, nested ones too: keep every such object alive, so no
        # later object reuses an id (a dict item replaced after the call is freed)
        self.keep.append(held)
        return self.invoke(fn, self.bind(fn, args, kwargs), site, key)

    def invoke(self, fn: FuncV, bound: dict[str, Any], site: Site, key: Any = None) -> Any:
        fid = id(fn.fdef)
        if fid not in self.called:
            self.called[fid] = (fn.module.code.path, fn.fdef)
        if fid in self.stack or len(self.stack) >= MAX_DEPTH:
            return Unknown(
                f"recursive or too deep call of `{fn.fdef.qualname}`", site.file, site.line
            )
        self.stack.append(fid)
        try:
            parent = fn.closure if fn.closure is not None else fn.module.env
            frame = Env(bound, parent, fn.module, fn.fdef.qualname, loops=site.loops)
            if fn.owner is not None and fn.fdef.params:
                bound["__class__"] = fn.owner
                bound["__self__"] = bound.get(fn.fdef.params[0].name)
            self.exec_body(fn.fdef.body, frame)
        finally:
            self.stack.pop()
        result = _pick_return(frame.returns)
        if key is None:
            key = (id(fn), "entry")
            self.keep.append(fn)
        self.memo[key] = result
        return result

    def instantiate(self, cls: ClassV, args: list[Any], kwargs: dict[str, Any], site: Site) -> Any:
        for ancestor in self.external_ancestors(cls):
            ctor = library.CONSTRUCTORS.get(ancestor)
            if ctor is not None:
                return ctor(self, args, kwargs, site, cls)
        instance = InstanceV(cls)
        self.made.append(instance)
        init = self.class_attr(cls, "__init__")
        if isinstance(init, FuncV):
            self.call_function(_bind_self(init, instance), args, kwargs, site)
        return instance

    def init_subclass(
        self, obj: Any, cls: ClassV, args: list[Any], kwargs: dict[str, Any], site: Site
    ) -> bool:
        """Run a scanned subclass's own `__init__` on a library object; False if none."""
        init = self.class_attr(cls, "__init__")
        if not isinstance(init, FuncV):
            return False
        self.call_function(_bind_self(init, obj), args, kwargs, site)
        return True

    # ---------------------------------------------------------- attributes

    def external_ancestors(self, cls: Any, depth: int = 0) -> Iterator[str]:
        if isinstance(cls, ExternalV):
            yield from library.lineage(cls.qualname)
        elif isinstance(cls, ClassV) and depth < 16:
            for base in cls.bases:
                yield from self.external_ancestors(base, depth + 1)

    def is_a(self, cls: Any, qualname: str) -> bool:
        return qualname in set(self.external_ancestors(cls))

    def class_attr(self, cls: ClassV, name: str, depth: int = 0) -> Any:
        if name in cls.attrs:
            return cls.attrs[name]
        if depth < 16:
            for base in cls.bases:
                if isinstance(base, ClassV):
                    value = self.class_attr(base, name, depth + 1)
                    if value is not MISSING:
                        return value
        return MISSING

    def getattr(self, obj: Any, name: str, env: Env | None = None) -> Any:
        if isinstance(obj, ModuleV):
            return self.module_attr(obj.rt, name)
        if isinstance(obj, ExternalV):
            qualname = f"{obj.qualname}.{name}"
            return library.CONSTANTS.get(qualname, ExternalV(qualname))
        if isinstance(obj, InstanceV):
            if name in obj.attrs:
                return obj.attrs[name]
            value = self.class_attr(obj.cls, name)
            if isinstance(value, FuncV):
                return _bind_self(value, obj)
            return value if value is not MISSING else Unknown(f"attribute `{name}`")
        if isinstance(obj, ClassV):
            value = self.class_attr(obj, name)
            if value is not MISSING:
                return value
            return self.library_attr(obj, name)
        if isinstance(obj, SuperV):
            for base in obj.cls.bases:
                if isinstance(base, ClassV):
                    value = self.class_attr(base, name)
                    if isinstance(value, FuncV):
                        return _bind_self(value, obj.obj)
            return self.library_attr(obj.obj, name, skip_class=True)
        if isinstance(obj, FuncV):
            if name == "__name__":
                return obj.name
            if name == "methods" and obj.methods is not None:
                return obj.methods
            return Unknown(f"attribute `{name}` of a function")
        if isinstance(obj, DictV | SetV | str | list):
            return _value_method(obj, name)
        cls = getattr(obj, "cls", None)
        if isinstance(cls, ClassV):
            value = self.class_attr(cls, name)
            if isinstance(value, FuncV):
                return _bind_self(value, obj)
            if value is not MISSING:
                return value
        return self.library_attr(obj, name)

    def library_attr(self, obj: Any, name: str, skip_class: bool = False) -> Any:
        for kind in type(obj).__mro__:
            provider = library.ATTRIBUTES.get(kind)
            if provider is not None:
                return provider(self, obj, name, Site("", 0))
        if isinstance(obj, ClassV):
            for ancestor in self.external_ancestors(obj):
                provider_name = f"{ancestor}.{name}"
                ctor = library.CONSTRUCTORS.get(provider_name)
                if ctor is not None:
                    return BuiltinFn(
                        lambda a, k, s, ctor=ctor, cls=obj: ctor(self, a, k, s, cls), provider_name
                    )
        if isinstance(obj, Unknown):
            return Unknown(obj.reason, obj.file, obj.line)
        return Unknown(f"attribute `{name}`")


# ------------------------------------------------------------------ helpers


def absolute_module(level: int, module: str, package: str) -> str:
    """The module `from <level dots><module> import ...` names inside `package`."""
    if not level:
        return module
    base = package.split(".") if package else []
    if level > 1:
        base = base[: len(base) - (level - 1)]
    return ".".join([*base, module] if module else base)


def import_lookups(dotted: str, names: Iterable[str] = ()) -> Iterator[str]:
    """Every module name an import of `dotted` (and of `names` from it) may look up:
    each prefix of `dotted`, and `dotted.name` for a name that is not a binding."""
    parts = dotted.split(".") if dotted else []
    for end in range(1, len(parts) + 1):
        yield ".".join(parts[:end])
    for name in names:
        if name != "*":
            yield f"{dotted}.{name}" if dotted else name


def _read_names(expr: Any, out: set[str]) -> None:
    """The names an expression reads (an `Opaque` is never evaluated)."""
    if isinstance(expr, ir.Name):
        out.add(expr.id)
    elif isinstance(expr, tuple):
        for item in expr:
            _read_names(item, out)
    elif hasattr(expr, "__dataclass_fields__") and not isinstance(expr, ir.Const | ir.Opaque):
        for name in expr.__dataclass_fields__:
            _read_names(getattr(expr, name), out)


def truth(value: Any) -> bool | None:
    """The truth of a value, or None when it is not known statically."""
    if isinstance(value, Unknown | ExternalV):
        return None
    if isinstance(value, DictV | SetV):
        return True if value.items else (None if value.partial else False)
    if _is_literal(value) or isinstance(value, list | tuple | bytes):
        return bool(value)
    return True  # functions, classes, modules, Flask objects


def compare(op: str, left: Any, right: Any) -> Any:
    if op in ("is", "is not") and (left is None or right is None):
        other = right if left is None else left
        if isinstance(other, Unknown | ExternalV):
            return Unknown("identity test on a runtime value")
        same = other is None
        return same if op == "is" else not same
    if op in ("in", "not in") and _is_literal(left) and isinstance(right, SetV | DictV | list):
        # an item the scan does not know might be `left`: only a hit is sure
        items = list(right.items) if isinstance(right, SetV | DictV) else right
        if left in [item for item in items if _is_literal(item)]:
            return op == "in"
        if getattr(right, "partial", False) or not all(_is_literal(i) for i in items):
            return Unknown("membership in a collection of runtime values")
        return op == "not in"
    literal = _is_literal(left) and (_is_literal(right) or isinstance(right, list | tuple))
    if literal:
        try:
            if op in ("==", "is"):
                return bool(left == right)
            if op in ("!=", "is not"):
                return bool(left != right)
            if op == "in":
                return left in right
            if op == "not in":
                return left not in right
        except TypeError:
            pass
    return Unknown("comparison of runtime values")


_NO_CALLER = ", which no scanned code calls"
_BLAMED = re.compile(r"parameter `([^`]*)` of `([^`]*)`" + re.escape(_NO_CALLER))


def _blames(message: str, refuted: set[tuple[str, str]]) -> bool:
    """Whether a finding comes of unknown arguments of entry points only, every one
    of them refuted (`Interpreter.settle`)."""
    blamed = _BLAMED.findall(message)
    return bool(blamed) and all((param, qualname) in refuted for param, qualname in blamed)


def _is_flask_object(value: Any) -> bool:
    return hasattr(value, "rules") and hasattr(value, "registrations")


def _bind_self(fn: FuncV, obj: Any) -> FuncV:
    return FuncV(
        fn.fdef,
        fn.module,
        fn.closure,
        fn.defaults,
        obj,
        fn.name,
        fn.origin,
        fn.decorators,
        fn.methods,
        fn.owner,
    )


def _pick_return(returns: list[Any]) -> Any:
    for value in returns:
        if value is not None and not isinstance(value, Unknown):
            return value
    return returns[-1] if returns else None


def _is_literal(value: Any) -> bool:
    return isinstance(value, str | int | float | bool) or value is None


def _hashable(value: Any) -> bool:
    return _is_literal(value) or isinstance(value, bytes)


def _key(value: Any, held: list[Any]) -> Any:
    """A memo or heap key for a value; objects named by id go into `held`, which the
    caller keeps alive as long as the key."""
    if _is_literal(value):
        return (type(value).__name__, value)
    if isinstance(value, list | tuple):
        return tuple(_key(v, held) for v in value)
    if isinstance(value, DictV):
        return tuple(sorted((repr(k), _key(v, held)) for k, v in value.items.items()))
    if isinstance(value, SetV):  # by content, as a dict: `add` between two calls
        return ("set", value.partial, *(_key(v, held) for v in value.items))
    held.append(value)
    return ("id", id(value))


def _text(expr: ir.Expr) -> str:
    if isinstance(expr, ir.Name):
        return expr.id
    if isinstance(expr, ir.Attr):
        return f"{_text(expr.value)}.{expr.attr}"
    if isinstance(expr, ir.Call):
        return f"{_text(expr.func)}(...)"
    if isinstance(expr, ir.Opaque):
        return expr.text
    return "<expr>"


_STR_METHODS = frozenset(
    {
        "lower",
        "upper",
        "strip",
        "rstrip",
        "lstrip",
        "replace",
        "format",
        "join",
        "split",
        "rsplit",
        "title",
        "capitalize",
        "removeprefix",
        "removesuffix",
        "startswith",
        "endswith",
        "partition",
        "rpartition",
        "isidentifier",
        "isdigit",
        "casefold",
    }
)


def _value_method(obj: Any, name: str) -> Any:
    if isinstance(obj, str) and name in _STR_METHODS:
        method = getattr(obj, name)

        def apply(args: list[Any], kwargs: dict[str, Any], site: Site) -> Any:
            if name == "join" and args and isinstance(args[0], list | tuple):
                if all(isinstance(a, str) for a in args[0]):
                    return obj.join(args[0])
                return Unknown("join of runtime values", site.file, site.line)
            if all(_is_literal(a) for a in args) and all(_is_literal(v) for v in kwargs.values()):
                try:
                    return method(*args, **kwargs)
                except (TypeError, ValueError, KeyError, IndexError):
                    pass
            return Unknown(f"str.{name} of runtime values", site.file, site.line)

        return BuiltinFn(apply, f"str.{name}")
    if isinstance(obj, list) and name in ("append", "extend", "insert"):

        def mutate(args: list[Any], kwargs: dict[str, Any], site: Site) -> Any:
            if name == "append" and args:
                obj.append(args[0])
            elif name == "extend" and args and isinstance(args[0], list | tuple):
                obj.extend(args[0])
            elif name == "insert" and len(args) == 2 and isinstance(args[0], int):
                obj.insert(args[0], args[1])
            return None

        return BuiltinFn(mutate, f"list.{name}")
    if isinstance(obj, SetV) and name in ("add", "update", "discard"):

        def set_method(args: list[Any], kwargs: dict[str, Any], site: Site) -> Any:
            if name == "update":
                if not all(isinstance(a, list | tuple | SetV) for a in args):
                    obj.partial = True
                    return Unknown("set.update of runtime values", site.file, site.line)
                obj.partial = obj.partial or any(isinstance(a, SetV) and a.partial for a in args)
                items = [i for a in args for i in _items_of(a)]
            else:
                items = args[:1]
            for item in items:
                if not _set_item(item):
                    obj.partial = True
                    return Unknown(f"set.{name} of an unhashable value", site.file, site.line)
                if name == "discard":
                    obj.items.pop(item, None)
                else:
                    obj.items[item] = None
            return None

        return BuiltinFn(set_method, f"set.{name}")
    if isinstance(obj, SetV):

        def unmodelled(args: list[Any], kwargs: dict[str, Any], site: Site) -> Any:
            obj.partial = True  # `remove`, `clear`, `pop`...: it may have changed
            return Unknown(f"set.{name}", site.file, site.line)

        return BuiltinFn(unmodelled, f"set.{name}")
    if isinstance(obj, DictV) and name in (
        "get",
        "items",
        "values",
        "keys",
        "update",
        "setdefault",
    ):

        def dict_method(args: list[Any], kwargs: dict[str, Any], site: Site) -> Any:
            if name == "items":
                return [(k, v) for k, v in obj.items.items()]
            if name == "values":
                return list(obj.items.values())
            if name == "keys":
                return list(obj.items)
            if name == "update":
                if args and isinstance(args[0], DictV):
                    obj.items.update(args[0].items)
                obj.items.update(kwargs)
                return None
            if args and _hashable(args[0]):
                if args[0] in obj.items:
                    return obj.items[args[0]]
                default = args[1] if len(args) > 1 else None
                if name == "setdefault":
                    obj.items[args[0]] = default
                return default
            return Unknown(f"dict.{name}", site.file, site.line)

        return BuiltinFn(dict_method, f"dict.{name}")
    return Unknown(f"attribute `{name}` of a {type(obj).__name__}")


def _items_of(value: Any) -> list[Any]:
    return list(value.items) if isinstance(value, SetV) else list(value)


def _set_item(value: Any) -> bool:
    """Whether a value can be a set's item as the scan models sets (by value for
    literals, by identity for the models)."""
    return not isinstance(value, list | DictV | SetV) and (
        not isinstance(value, tuple) or all(_set_item(v) for v in value)
    )


def _call_builtin(name: str, args: list[Any], kwargs: dict[str, Any]) -> Any:
    if name in ("set", "frozenset") and not kwargs and len(args) <= 1:
        source = args[0] if args else ()
        items = _items_of(source) if isinstance(source, list | tuple | SetV | str) else None
        if items is None or not all(_set_item(i) for i in items):
            return Unknown(f"result of `{name}(...)`")
        return SetV(dict.fromkeys(items), isinstance(source, SetV) and source.partial)
    if name == "sorted" and (kwargs.keys() - {"reverse"} or not _is_literal(kwargs.get("reverse"))):
        return Unknown("sorted() with a key the scan does not follow")
    if name == "sorted" and len(args) == 1 and isinstance(args[0], SetV):
        if all(isinstance(i, str) for i in args[0].items) and not args[0].partial:
            return sorted(args[0].items, reverse=bool(kwargs.get("reverse")))
        return Unknown("sorted() of a set of runtime values")
    if name == "dict":
        out = DictV()
        if args and isinstance(args[0], DictV):
            out.items.update(args[0].items)
        out.items.update(kwargs)
        return out
    if name in ("list", "tuple", "sorted") and len(args) == 1:
        if isinstance(args[0], list | tuple):
            items = list(args[0])
            if name == "sorted" and all(isinstance(i, str) for i in items):
                items.sort(reverse=bool(kwargs.get("reverse")))
            return tuple(items) if name == "tuple" else items
        if isinstance(args[0], DictV) and not args[0].partial:
            return list(args[0].items)
        if isinstance(args[0], SetV) and not args[0].partial and name != "sorted":
            return tuple(args[0].items) if name == "tuple" else list(args[0].items)
    if name == "str" and len(args) == 1 and _is_literal(args[0]):
        return str(args[0])
    if name == "getattr" and len(args) >= 2:
        return Unknown("getattr")
    return Unknown(f"result of `{name}(...)`")
