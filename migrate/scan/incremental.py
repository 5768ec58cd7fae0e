"""Keep the last inventory when the one file that changed is isolated (issue 7).

A re-scan re-links every module (`interp`), from cached lowered forms, even
when one file changed: on a large codebase that is most of a cold scan. Yet
many files take no part in the link at all: a test module whose module-level
code never touches the code under test, a database migration, a script. When
the changed file provably takes no part, before and after the change, the
new inventory is the last one, and the scan returns it from the cache.

**The rule.** After a full scan, `Record` keeps every file's content digest,
the module table and, for each linked module, when its body started and ended
(counted in module starts) and whether any code found it. The next scan, with
the same files and options, keeps the last inventory when exactly one file X
changed and

1. X's old and new bytes, with names as CPython reads them
   (`prefilter.as_python_reads`), hold none of `prefilter.TOKENS` (no Flask, werkzeug or
   extension name, no routing call, no environment read, no WebSocket name) nor
   `prefilter.DYNAMIC` (no import by run-time name), and the prefilter selects
   the same files as before;
2. in the last link, no code found X's module (an import, an attribute of its
   package, `import_module`, the readiness link's local imports) and X's body
   started no other module: its imports found modules that had already run;
3. neither the old nor the new X reads a name that an import of a scanned
   module binds, in any code the link can run in X: module and class bodies,
   decorators, defaults, base classes, and top-level functions (the link runs
   uncalled ones as entry points). Method bodies and the rest count too when
   that code reads one of X's own functions or classes (it may call them);
4. every module the new X's module-level imports can find had started before
   X in the last link, so they run nothing and the link runs in the same order;
5. the old and the new X, each linked alone, create no Flask object and report
   no finding (this also catches a scanner defect inside X).

**Why it is safe.** By (2) and (3) no value crosses between X and the rest of
the link: nothing else holds a reference to X's module, and X never holds one
to a value of another scanned module, so it cannot call, change or hand on
anything the rest of the link sees; what it reaches outside is the libraries,
which by (1) the patterns model as opaque. The interpreter's shared tables
(`heap`, `memo`, `called`, findings) are keyed by X's own sites and functions.
By (2) and (4) every other module starts at the same point as before. So the
rest of the link runs exactly as it did, and X's own part is what X does
alone, which by (5) adds nothing, before and after. The files outside the link
(extensions, WebSocket handlers) are ruled out by (1). `tests/scan/
test_incremental.py` checks the result against a full scan for many edits of
each kind, and `bench/scan.py` does on Indico + CKAN.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from migrate import model
from migrate.scan import cache as cache_mod
from migrate.scan import ir, pipeline, prefilter
from migrate.scan.discover import SourceFile
from migrate.scan.interp import Interpreter, absolute_module, import_lookups

# + an inventory's key: the record of the scan that made it; + a scope: the key of
# the inventory the scope's last scan returned
RECORD = "\0record\0"


@dataclass(frozen=True)
class Record:
    """What a scan leaves for the next one in the same scope."""

    whole: str  # cache key of its inventory
    files: tuple[tuple[str, bool], ...]  # (relative path, is a package) of every source
    digests: tuple[bytes | None, ...]  # in the same order
    plain: frozenset[str]  # files whose bytes hold no prefilter token or dynamic import
    linked: frozenset[str]  # files the link step ran
    failed: frozenset[str]  # files listed under errors
    names: dict[str, str]  # the module table: every name -> file
    order: dict[str, tuple[int, int, bool]]  # file -> (started, ended, found) in the link


def record(
    whole: str,
    sources: Sequence[SourceFile],
    read: pipeline.Contents,
    table: pipeline.Parsed,
    interp: Interpreter,
) -> Record:
    plain = frozenset(
        source.rel
        for i, (source, (seed, dynamic, _)) in enumerate(zip(sources, read.shapes, strict=True))
        if not seed and not dynamic and i not in read.sockets
    )
    return Record(
        whole,
        tuple((s.rel, s.is_package) for s in sources),
        tuple(read.digests),
        plain,
        frozenset(code.path for _, code in table.parsed),
        frozenset(error.file for error in table.errors),
        {name: code.path for name, code in table.modules.items()},
        {rt.code.path: (rt.started, rt.ended, rt.reached) for rt in interp.unique_modules},
    )


def remember(store: cache_mod.Cache, scope: str, kept: Record) -> None:
    """Keep the record beside its inventory, and make it the scope's last one."""
    store.put(_key(store, kept.whole), cache_mod.PARSED, cache_mod.dumps(kept))
    point(store, scope, kept.whole)


def point(store: cache_mod.Cache, scope: str, whole: str) -> None:
    """The scope's last scan is the one whose inventory is `whole` (a scan that found
    it in the cache changes nothing else)."""
    entry = store.get(_key(store, scope))
    if entry is None or entry.payload != whole.encode():
        store.put(_key(store, scope), cache_mod.PARSED, whole.encode())


def reuse(
    store: cache_mod.Cache,
    scope: str,
    whole: str,
    sources: Sequence[SourceFile],
    read: pipeline.Contents,
    root: Path,
    use_prefilter: bool,
    lower: Callable[[SourceFile], ir.ModuleIR | model.FileError],
) -> tuple[Record | None, str]:
    """The last record, when its inventory holds for these files (the rule above),
    and the record for them (inventory key `whole`); else None. Either way, why."""
    last = _load(store, scope)
    if last is None:
        return None, "no earlier scan here"
    if tuple((s.rel, s.is_package) for s in sources) != last.files:
        return None, "files were added or removed"
    changed = [i for i, d in enumerate(read.digests) if d is None or d != last.digests[i]]
    if len(changed) != 1:
        return None, f"{len(changed)} files changed"
    i = changed[0]
    why = _why_linked(last, store, sources, i, read, root, use_prefilter, lower)
    if why:
        return None, f"{sources[i].rel}: {why}"
    return last, f"{sources[i].rel} is isolated"


def moved(last: Record, whole: str, read: pipeline.Contents) -> Record:
    """The record of the files `read` holds, whose inventory (`whole`) is the last one."""
    return dataclasses.replace(last, whole=whole, digests=tuple(read.digests))


def _why_linked(
    last: Record,
    store: cache_mod.Cache,
    sources: Sequence[SourceFile],
    i: int,
    read: pipeline.Contents,
    root: Path,
    use_prefilter: bool,
    lower: Callable[[SourceFile], ir.ModuleIR | model.FileError],
) -> str:
    """Why the change to `sources[i]` may change the link ("" when it cannot)."""
    source = sources[i]
    seed, dynamic, _ = read.shapes[i]
    if source.rel not in last.plain or seed or dynamic or i in read.sockets:
        return "it names Flask, a routing call, the environment or a run-time import"
    if use_prefilter:
        keep = prefilter.select(sources, read.shapes, root).keep
        if frozenset(sources[k].rel for k in keep) - last.failed != last.linked:
            return "the prefilter selects other files"
    if source.rel not in last.order:  # the prefilter skips it, before and after
        if source.rel in last.failed:
            return "it did not parse before"
        return "" if isinstance(lower(source), ir.ModuleIR) else "it does not parse"
    started, ended, found = last.order[source.rel]
    if found:
        return "other code imports it"
    if ended != started + 1:
        return "its imports ran other modules first"
    old = pipeline.cached_ir(store, source, last.digests[i])
    if old is None:
        return "its last lowered form is not in the cache"
    new = lower(source)
    if not isinstance(new, ir.ModuleIR):
        return "it does not parse"
    digest = read.digests[i]
    if digest is None or not pipeline.holds(source, digest):
        return "it changed during the scan"
    names = [name for name, rel in last.names.items() if rel == source.rel]
    scanned = last.names.keys()
    for code in (old, new):
        why = foreign_read(code, names[0], scanned)
        if why:
            return why
    for target in step_imports(new, names[0]):
        rel = last.names.get(target)
        if rel is not None and last.order.get(rel, (started,))[0] >= started:
            return f"it imports `{target}`, which had not run before it"
    for code in (old, new):
        if _adds_anything(code, names):
            return "linked alone, it adds to the inventory"
    pipeline.store_ir(store, source, digest, new)  # the next change to it starts here
    return ""


def _adds_anything(code: ir.ModuleIR, names: list[str]) -> bool:
    alone = Interpreter(dict.fromkeys(names, code))
    alone.run()
    return bool(alone.findings or alone.objects)


def _key(store: cache_mod.Cache, name: str) -> str:
    return store.key(RECORD + name, False, b"")


def _load(store: cache_mod.Cache, scope: str) -> Record | None:
    pointer = store.get(_key(store, scope))
    if pointer is None:
        return None
    entry = store.get(_key(store, pointer.payload.decode("ascii", "replace")))
    if entry is None or entry.kind != cache_mod.PARSED:
        return None
    try:
        value = cache_mod.loads(entry.payload)
    except Exception:  # a damaged or foreign entry: scan in full
        return None
    return value if isinstance(value, Record) else None


# ------------------------------------------------------- reading the lowered form


class _Unsure(Exception):
    """A statement kind this module does not know: assume the worst."""


def foreign_read(code: ir.ModuleIR, module: str, scanned: Collection[str]) -> str:
    """Why `code` may read a value of another scanned module ("" when it cannot):
    a name an import of a scanned module binds, read where the link can run it."""
    package = _package(code, module)
    bound: set[str] = set()
    for stmt, in_class in _placed(code.body):
        if isinstance(stmt, ir.Import | ir.ImportFrom):
            for name in _scanned_bindings(stmt, package, scanned):
                if name == "*":
                    return "it star-imports a scanned module"
                if in_class:  # a class attribute: `K.name` reads it without the name
                    return "it imports scanned code in a class body"
                bound.add(name)
    try:
        reads, _ = _runnable(code)
    except _Unsure:
        return "it holds a statement the rule does not know"
    hit = sorted(reads & bound)
    return f"it reads `{hit[0]}`, imported from scanned code" if hit else ""


def step_imports(code: ir.ModuleIR, module: str) -> Iterator[str]:
    """Every module name the imports that can run with `code`'s body may look up."""
    package = _package(code, module)
    _, everything = _runnable(code)
    for stmt, _ in _placed(code.body, functions=everything):
        if isinstance(stmt, ir.Import):
            yield from import_lookups(stmt.module)
        elif isinstance(stmt, ir.ImportFrom):
            dotted = absolute_module(stmt.level, stmt.module, package)
            yield from import_lookups(dotted, [n for n, _ in stmt.names])


def _package(code: ir.ModuleIR, module: str) -> str:
    return module if code.is_package else module.rpartition(".")[0]


def _runnable(code: ir.ModuleIR) -> tuple[set[str], bool]:
    """Names read by the code the link can run in `code`, and whether that is all of
    it: once that code reads the module's own functions or classes, it may call them."""
    own = {s.name for s, _ in _placed(code.body) if isinstance(s, ir.FuncDef | ir.ClassDef)}
    reads = _reads(code.body, methods=False)
    if reads & own:
        return _reads(code.body, methods=True), True
    return reads, False


def _placed(
    body: tuple[ir.Stmt, ...], functions: bool = True, in_class: bool = False
) -> Iterator[tuple[ir.Stmt, bool]]:
    """Every statement, nested ones too (function bodies only if `functions`), and
    whether it runs in a class body."""
    for stmt in body:
        yield stmt, in_class
        if isinstance(stmt, ir.FuncDef):
            if functions:
                yield from _placed(stmt.body, functions, False)
        elif isinstance(stmt, ir.ClassDef):
            yield from _placed(stmt.body, functions, True)
        elif isinstance(stmt, ir.For | ir.Block):
            yield from _placed(stmt.body, functions, in_class)
        elif isinstance(stmt, ir.If):
            yield from _placed(stmt.body, functions, in_class)
            yield from _placed(stmt.orelse, functions, in_class)


def _scanned_bindings(
    stmt: ir.Import | ir.ImportFrom, package: str, scanned: Collection[str]
) -> Iterator[str]:
    """The names `stmt` binds when it may bind a scanned module or a value from one."""
    if isinstance(stmt, ir.Import):
        if any(name in scanned for name in import_lookups(stmt.module)):
            yield stmt.asname or stmt.module.split(".", 1)[0]
        return
    dotted = absolute_module(stmt.level, stmt.module, package)
    if any(name in scanned for name in import_lookups(dotted, [n for n, _ in stmt.names])):
        for name, asname in stmt.names:
            yield "*" if name == "*" else asname or name


def _reads(body: tuple[ir.Stmt, ...], methods: bool) -> set[str]:
    """Names read by the code of `body` the link can run: everything but method bodies
    (unless `methods`), since only the module's own code could call a method."""
    out: set[str] = set()

    def block(stmts: tuple[ir.Stmt, ...], in_class: bool) -> None:
        for stmt in stmts:
            if isinstance(stmt, ir.Assign):
                _names(stmt.value, out)
                for target in stmt.targets:
                    _target(target, out)
            elif isinstance(stmt, ir.ExprStmt):
                _names(stmt.value, out)
            elif isinstance(stmt, ir.Return):
                if stmt.value is not None:
                    _names(stmt.value, out)
            elif isinstance(stmt, ir.FuncDef):
                for expr in stmt.decorators:
                    _names(expr, out)
                for param in stmt.params:
                    if param.default is not None:
                        _names(param.default, out)
                if methods or not in_class:
                    block(stmt.body, False)
            elif isinstance(stmt, ir.ClassDef):
                for expr in (*stmt.bases, *stmt.decorators):
                    _names(expr, out)
                block(stmt.body, True)
            elif isinstance(stmt, ir.For):
                _names(stmt.iter, out)
                _target(stmt.target, out)
                block(stmt.body, in_class)
            elif isinstance(stmt, ir.If):
                _names(stmt.test, out)
                block(stmt.body, in_class)
                block(stmt.orelse, in_class)
            elif isinstance(stmt, ir.Block):
                block(stmt.body, in_class)
            elif not isinstance(stmt, ir.Import | ir.ImportFrom):
                raise _Unsure(type(stmt).__name__)

    block(body, False)
    return out


def _target(target: ir.Expr, out: set[str]) -> None:
    """Names an assignment target reads (`a.b = ...` reads `a`; `a = ...` reads none)."""
    if isinstance(target, ir.Seq):
        for item in target.items:
            _target(item, out)
    elif isinstance(target, ir.Star):
        _target(target.value, out)
    elif not isinstance(target, ir.Name):
        _names(target, out)


def _names(expr: object, out: set[str]) -> None:
    """Every name an expression reads; `Opaque` reads none (the link never evaluates it)."""
    if isinstance(expr, ir.Name):
        out.add(expr.id)
    elif isinstance(expr, tuple):
        for item in expr:
            _names(item, out)
    elif dataclasses.is_dataclass(expr) and not isinstance(expr, ir.Const | ir.Opaque):
        for f in dataclasses.fields(expr):
            _names(getattr(expr, f.name), out)
