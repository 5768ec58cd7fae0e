"""Keep the last inventory when the one file that changed cannot change it (issue 7):
it is isolated, or the link never runs what changed in it, or what changed runs
but nothing reads it.

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

**The second rule: same link.** A file that takes part in the link (views import
it) changed, but only where the link never runs: comments and blank lines, or
the body of a method nobody called. `Record` also keeps which functions ran in
each file (`Interpreter.called`, entry points included) and which files the
readiness link read detector facts from. The last inventory holds, with the
changed file X's lines renamed, when

1. X was linked, parses, and is not (and was not) a WebSocket file;
2. the prefilter selects the same files;
3. X's old and new lowered forms are equal field by field, imports included, but
   for `line` fields and the bodies of functions that did not run; the lines
   pair up as a map that is strictly increasing (no two lines merge or swap);
4. if the readiness link read X's detector facts (its views, hooks, helpers),
   no body differs at all, and X's detector output from a fresh libcst pass is
   the cached one under the same map (facts, imports, the names each function
   calls: the readiness link reads those, and bodies only through them).

**Why it is safe.** The link is deterministic and reads X only through its
lowered form. Lines serve it as names (sites of objects, memo and finding keys),
never as numbers, so renaming them one-to-one and in order renames the run. A
body that never ran is never read: the run reaches it, if ever, where the old
run did, and that run never did. So the new run is the old one with X's lines
renamed, and so is its inventory: `relabel` moves every (file, line) of X in it
and scores the routes again (a reason's text names file:line). A line of X the
map lacks, or a message that spells one out, sends the scan the long way.

**Statements nothing reads.** In (3), a statement list (a module, a function that
ran, an `if`, a loop, a `with` or `try` block; never a class body, whose names
Flask's models read) may also gain or lose statements that only bind names, when
nothing can read those names (`_unseen`):

a. the statement assigns, to plain names, a value made on the spot: constants,
   and lists, tuples, dicts of them (two levels at most) and f-strings of
   text, or text the link never evaluates (a lambda, a comprehension); or it
   is such a value alone (a docstring, `...`); or it imports modules the scan
   does not see (absolute, no prefix in the module table);
b. no name it binds is a dunder (the link reads `__name__`, `__class__`...), or
   spelled anywhere else in X's old or new lowered form (names, attributes,
   parameters, imports, strings and opaque texts, with any non-ASCII
   character counted as part of a word), or in X's detector output when the
   readiness link reads it (the names a function calls);
c. for a name bound in the module namespace: no code of the last link read X's
   namespace by a name it computed (`dir`, `inspect.getmembers`, `getattr`),
   nor that of a module X's names were star-imported into (`Record.listed`),
   except that a name only module-level `name = constant` statements bind (a
   number, string, bytes, bool or None) may be in a namespace that only
   `inspect.getmembers` read, through a predicate that answers False for any
   constant running nothing but `isinstance` (`Record.sifted`,
   `reflection.rejects_constants`: the call that drops the constant reads and
   writes nothing the link keeps), and, when other code found X's module, no
   other linked file spells the name (its bytes as CPython reads them, coding
   line included, checked against the digests read);
d. the extensions X imports are the same (the inventory lists them per file);
e. the last link never ran out of Python stack (`Record.deep`).

**Why it is safe.** Such a statement calls nothing, reads nothing and writes
nothing but its names: the values are new objects nobody else holds (none has a
`label` for the assignment to set), an import of a module outside the module
table only makes an external value, and no step of it can fail (nothing is
converted; `str()` of a long int would raise). Its names are read only where
spelled: the link has no `globals()` or `vars()` (those give `Unknown`),
reads module namespaces by name (`from X import n`, `X.n`, star imports, whose
copies land in module namespaces only, as in CPython, and are read by name
again) or, in the modules (c) rules out, by computed names (`patterns/
reflection.py`), and reads function frames only from the function's own code.
So with (b) and (c) no step of the link reads what the statement binds, and
the run is the old run with those steps added or removed, lines renamed as
above. One assumption is left: the statement takes
a few frames of Python stack, so a link that came within those few frames of
the recursion limit at that point, without reaching it anywhere (e), could
reach it with the statement. Such a link is about 140 imports deep.
"""

from __future__ import annotations

import ast
import dataclasses
import functools
import hashlib
import itertools
import re
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from migrate import model
from migrate.readiness.extensions import extensions_used
from migrate.readiness.score import score_route
from migrate.scan import cache as cache_mod
from migrate.scan import interp as interp_mod
from migrate.scan import ir, pipeline, prefilter
from migrate.scan import layout as layout_mod
from migrate.scan.discover import SourceFile
from migrate.scan.interp import Interpreter, absolute_module, import_lookups
from migrate.scan.patterns.reflection import CONSTANT_TYPES

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
    entered: dict[str, frozenset[tuple[str, int]]]  # file -> (qualname, line) of what ran
    detected: frozenset[str]  # files whose detector facts the readiness link read
    sockets: frozenset[str] = frozenset()  # files that may hold WebSocket handlers
    deep: bool = False  # the link ran out of Python stack somewhere
    listed: frozenset[str] = frozenset()  # files whose namespace code read by computed names
    # files whose namespace only `inspect.getmembers` read, through a predicate that
    # rejects constants (`reflection.rejects_constants`)
    sifted: frozenset[str] = frozenset()
    # file -> the indices of the inventory's routes that hold an object of that file
    # (`relabel` moves no other route). Moving lines keeps the files and the order
    # of the routes, so a short way passes it on unchanged
    touched: dict[str, tuple[int, ...]] | None = None


def record(
    whole: str,
    sources: Sequence[SourceFile],
    read: pipeline.Contents,
    table: pipeline.Parsed,
    interp: Interpreter,
    inventory: model.Inventory,
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
        {path: frozenset(runs) for path, runs in _entered(interp).items()},
        frozenset(rt.code.path for rt in interp.unique_modules if rt.code.detected),
        frozenset(table.socket_files),
        any(f.message == interp_mod.TOO_DEEP for f in interp.findings),
        frozenset(rt.code.path for rt in interp.listed()),
        frozenset(rt.code.path for rt in interp.listed("sifted") - interp.listed()),
        touched(inventory),
    )


def touched(inventory: model.Inventory) -> dict[str, tuple[int, ...]]:
    """File -> the indices of the routes holding an object whose `file` it is (a
    route's view, source, facts, hooks and their facts, decorators)."""
    memo: dict[int, frozenset[str]] = {}
    out: dict[str, list[int]] = {}
    for index, route in enumerate(inventory.routes):
        for file in _files(route, memo):
            out.setdefault(file, []).append(index)
    return {file: tuple(indices) for file, indices in out.items()}


def _files(value: Any, memo: dict[int, frozenset[str]]) -> frozenset[str]:
    """The `file` of every object in `value`, at any depth (each shared object, a hook
    around many routes, walked once)."""
    kind: Any = type(value)
    if kind in _LEAVES:
        return frozenset()
    names = None if isinstance(value, tuple) else _fields(kind)  # as `_relabel` walks
    if names is None and not isinstance(value, tuple):
        return frozenset()
    if _plain_fact(value):  # most of an inventory
        return frozenset((value.file,))
    key = id(value)
    found = memo.get(key)
    if found is None:
        out: set[str] = set()
        for item in value if names is None else (getattr(value, n) for n in names):
            if type(item) not in _LEAVES:
                out |= _files(item, memo)
        file = getattr(value, "file", None)
        if isinstance(file, str):
            out.add(file)
        found = memo[key] = frozenset(out)
    return found


def _entered(interp: Interpreter) -> dict[str, set[tuple[str, int]]]:
    out: dict[str, set[tuple[str, int]]] = {}
    for path, fdef in interp.called.values():
        out.setdefault(path, set()).add((fdef.qualname, fdef.line))
    return out


def remember(store: cache_mod.Cache, scope: str, kept: Record) -> None:
    """Keep the record beside its inventory, and make it the scope's last one. Records
    are per scope: scans with other options (the prefilter) share the inventory,
    never the record (its `linked` and `order` are of one selection)."""
    store.put(_key(store, _scoped(scope, kept.whole)), cache_mod.PARSED, cache_mod.dumps(kept))
    point(store, scope, kept.whole)


def point(store: cache_mod.Cache, scope: str, whole: str) -> None:
    """The scope's last scan is the one whose inventory is `whole` (a scan that found
    it in the cache changes nothing else)."""
    entry = store.get(_key(store, scope))
    if entry is None or entry.payload != whole.encode():
        store.put(_key(store, scope), cache_mod.PARSED, whole.encode())


@dataclass(frozen=True)
class Reuse:
    """Whether the last inventory holds for the files read now, and why."""

    last: Record | None  # the record whose inventory holds; None: re-link
    why: str
    way: str = ""  # "isolated change" | "same link"
    file: str = ""  # the changed file, when its lines moved
    lines: dict[int, int] = dataclasses.field(default_factory=dict)  # its old -> new lines
    runs: frozenset[tuple[str, int]] | None = None  # isolated: every function of the new file


def reuse(
    store: cache_mod.Cache,
    scope: str,
    whole: str,
    sources: Sequence[SourceFile],
    read: pipeline.Contents,
    root: Path,
    use_prefilter: bool,
    lower: Callable[[SourceFile], ir.ModuleIR | model.FileError],
    detect: Callable[[SourceFile], ir.ModuleIR | model.FileError],
) -> Reuse:
    """The last record, when its inventory holds for these files (the rules above)."""
    last = _load(store, scope)
    if last is None:
        return Reuse(None, "no earlier scan here")
    if tuple((s.rel, s.is_package) for s in sources) != last.files:
        return Reuse(None, "files were added or removed")
    changed = [i for i, d in enumerate(read.digests) if d is None or d != last.digests[i]]
    if len(changed) != 1:
        return Reuse(None, f"{len(changed)} files changed")
    change = _Change(last, store, sources, changed[0], read, root, use_prefilter, lower, detect)
    rel = change.source.rel
    why = _why_linked(change)
    if not why:
        # the link never ran the new X, so what of it would run is not known: the
        # second rule must count all of it as run until the next full link
        if rel not in last.order:  # not linked, before or after
            return Reuse(last, f"{rel} is isolated", "isolated change")
        _, new, _ = change.forms
        assert new is not None
        runs = frozenset(
            (stmt.qualname, stmt.line)
            for stmt, _ in _placed(new.body)
            if isinstance(stmt, ir.FuncDef)
        )
        return Reuse(last, f"{rel} is isolated", "isolated change", rel, {}, runs)
    lines, why_not = _same_link(change)
    if lines is None:
        return Reuse(None, f"{rel}: {why}" + (f"; {why_not}" if why_not else ""))
    return Reuse(
        last,
        f"{rel}: only what the link never runs or never reads changed",
        "same link",
        rel,
        lines,
    )


def moved(
    last: Record, whole: str, read: pipeline.Contents, verdict: Reuse | None = None
) -> Record:
    """The record of the files `read` holds, whose inventory (`whole`) is the last
    one (with the changed file's lines moved, if they did)."""
    kept = dataclasses.replace(last, whole=whole, digests=tuple(read.digests))
    if verdict is None or not verdict.file:
        return kept
    rel, lines = verdict.file, verdict.lines
    if verdict.runs is not None:
        return dataclasses.replace(kept, entered={**last.entered, rel: verdict.runs})
    runs = frozenset((q, lines.get(n, n)) for q, n in last.entered.get(rel, ()))
    plain = {f for f in last.plain if f != rel}
    i = [f for f, _ in last.files].index(rel)
    seed, dynamic, _ = read.shapes[i]
    if not seed and not dynamic and i not in read.sockets:
        plain.add(rel)
    return dataclasses.replace(kept, entered={**last.entered, rel: runs}, plain=frozenset(plain))


def relabel(
    inventory: model.Inventory,
    rel: str,
    lines: dict[int, int],
    spelled: bool = True,
    touched: dict[str, tuple[int, ...]] | None = None,
) -> model.Inventory | None:
    """The inventory with the lines of `rel` moved (`lines`: old -> new), the routes
    that changed scored again (a reason's text names file:line); None when it names
    a line of `rel` the map does not hold. `spelled=False`: no text in it holds
    "line=" (its pickle does not), so no text need be read; then, with the record's
    `touched`, only the routes holding an object of `rel` are walked (a route
    without one holds no line of `rel`, and no text to read)."""
    if all(old == new for old, new in lines.items()):
        return inventory
    memo: dict[int, Any] = {}
    try:
        if touched is None or spelled:
            shifted = _relabel(inventory, rel, lines, memo, clean=not spelled)
        else:
            rest = _relabel(dataclasses.replace(inventory, routes=()), rel, lines, memo, True)
            moving = list(inventory.routes)
            for index in touched.get(rel, ()):
                moving[index] = _relabel(moving[index], rel, lines, memo, True)
            shifted = dataclasses.replace(rest, routes=tuple(moving))
    except _Unsure:
        return None
    assert isinstance(shifted, model.Inventory)
    routes = tuple(
        r if r is old else score_route(r)
        for r, old in zip(shifted.routes, inventory.routes, strict=True)
    )
    return dataclasses.replace(shifted, routes=routes)


def _relabel(value: Any, rel: str, lines: dict[int, int], memo: dict[int, Any], clean: bool) -> Any:
    """`value` with the lines of `rel` moved: the same object where nothing moved,
    and each shared object (a hook around many routes) relabelled once. `clean`:
    no text of the inventory says "line=" (`relabel`)."""
    if _stays(value, rel, clean):
        return value
    if isinstance(value, str):  # a model's repr in a message may spell a line out
        raise _Unsure("a message names a line")
    kind: Any = type(value)
    names = None if isinstance(value, tuple) else _fields(kind)
    if names is None and not isinstance(value, tuple):
        return value
    key = id(value)
    if key in memo:
        return memo[key]
    if names is None:
        items = tuple(
            v if _stays(v, rel, clean) else _relabel(v, rel, lines, memo, clean) for v in value
        )
        out: Any = value if all(a is b for a, b in zip(items, value, strict=True)) else items
    else:
        changes: dict[str, Any] = {}
        for name in names:
            item = getattr(value, name)
            if name == "line" and getattr(value, "file", None) == rel and item:
                if item not in lines:
                    raise _Unsure(f"line {item} of {rel}")
                if lines[item] != item:
                    changes[name] = lines[item]
                continue
            if _stays(item, rel, clean):
                continue
            new = _relabel(item, rel, lines, memo, clean)
            if new is not item:
                changes[name] = new
        out = dataclasses.replace(value, **changes) if changes else value
    memo[key] = out
    return out


def _stays(value: Any, rel: str, clean: bool) -> bool:
    """`value` holds no line of `rel` and no text saying "line=", at a glance: a
    number, a text (any, when `clean`: no text of the inventory holds it), or
    when `clean` a fact of another file that holds only texts and numbers (most
    of the objects of an inventory)."""
    kind = type(value)
    if kind in _PLAIN:
        return True
    if kind is str:
        return clean or "line=" not in value
    return clean and _plain_fact(value) and value.file != rel


def _plain_fact(value: Any) -> bool:
    """A fact that holds only texts and numbers: its own `file` is its only file."""
    return (
        type(value) is model.Fact
        and all(type(v) in _LEAVES for _, v in value.data)
        and all(type(v) is str for v in value.via)
    )


_PLAIN = frozenset({int, bool, float, type(None)})
_LEAVES = _PLAIN | {str}


@functools.cache
def _fields(kind: Any) -> tuple[str, ...] | None:
    """The field names of a dataclass type (`dataclasses.fields` is slow to ask the
    ~300,000 times a relabel of Indico + CKAN's inventory would); None for others."""
    if not dataclasses.is_dataclass(kind):
        return None
    return tuple(f.name for f in dataclasses.fields(kind))


@dataclass
class _Change:
    """The one file that changed, and what both rules read about it (made once)."""

    last: Record
    store: cache_mod.Cache
    sources: Sequence[SourceFile]
    i: int
    read: pipeline.Contents
    root: Path
    use_prefilter: bool
    lower: Callable[[SourceFile], ir.ModuleIR | model.FileError]
    detect: Callable[[SourceFile], ir.ModuleIR | model.FileError]

    @property
    def source(self) -> SourceFile:
        return self.sources[self.i]

    @functools.cached_property
    def same_selection(self) -> bool:
        """The prefilter selects the files the last link ran (or it is off)."""
        if not self.use_prefilter:
            return True
        keep = prefilter.select(self.sources, self.read.shapes, self.root).keep
        rels = frozenset(self.sources[k].rel for k in keep)
        return rels - self.last.failed == self.last.linked

    @functools.cached_property
    def forms(self) -> tuple[ir.ModuleIR | None, ir.ModuleIR | None, str]:
        """The file's last and new lowered forms, or why there are none."""
        source, last = self.source, self.last
        if source.rel in last.failed or source.rel not in last.linked:
            return None, None, "it was not linked before"
        old = pipeline.cached_ir(self.store, source, last.digests[self.i])
        if old is None:
            return None, None, "its last lowered form is not in the cache"
        new = self.lower(source)
        if not isinstance(new, ir.ModuleIR):
            return None, None, "it does not parse"
        if not self.holds():
            return None, None, "it changed during the scan"
        return old, new, ""

    def holds(self) -> bool:
        """The file still holds the bytes read (a verdict must be of those)."""
        now = self.read.digests[self.i]
        return now is not None and pipeline.holds(self.source, now)

    def keep(self, new: ir.ModuleIR, detected: ir.ModuleIR | None = None) -> None:
        """Cache the new forms: the next change to the file starts from them."""
        digest = self.read.digests[self.i]
        assert digest is not None
        pipeline.store_ir(self.store, self.source, digest, new)
        if detected is not None:
            namespace = pipeline.Detections.NAMESPACE
            pipeline.store_ir(self.store, self.source, digest, detected, namespace)


def _why_linked(change: _Change) -> str:
    """Why the change may change the link ("" when it cannot): the first rule."""
    last, source, i = change.last, change.source, change.i
    seed, dynamic, _ = change.read.shapes[i]
    if source.rel not in last.plain or seed or dynamic or i in change.read.sockets:
        return "it names Flask, a routing call, the environment or a run-time import"
    if not change.same_selection:
        return "the prefilter selects other files"
    if source.rel not in last.order:  # the prefilter skips it, before and after
        if source.rel in last.failed:
            return "it did not parse before"
        if not isinstance(change.lower(source), ir.ModuleIR):
            return "it does not parse"
        return "" if change.holds() else "it changed during the scan"
    started, ended, found = last.order[source.rel]
    if found:
        return "other code imports it"
    if ended != started + 1:
        return "its imports ran other modules first"
    old, new, why = change.forms
    if old is None or new is None:
        return why
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
    change.keep(new)
    return ""


def _same_link(change: _Change) -> tuple[dict[int, int] | None, str]:
    """The second rule: the old and new lowered forms of the changed file are the
    same but for lines that moved in order and the bodies of functions the last
    link never ran. Then the link runs as before, step for step, with those lines
    renamed: the old inventory, relabelled, is the new one. When the readiness
    link read the file's detector facts, no body may differ and the facts must be
    the same under the same renaming. Returns the line map (old -> new), or None
    and why."""
    last, source = change.last, change.source
    if change.i in change.read.sockets or source.rel in last.sockets:
        return None, "it may hold WebSocket handlers"
    if not change.same_selection:
        return None, ""
    old, new, _ = change.forms
    if old is None or new is None:
        return None, ""
    ran = last.entered.get(source.rel, frozenset())
    pairs: list[tuple[Any, Any]] = [(old, new)]
    facts = source.rel in last.detected  # its views', hooks' and helpers' facts count
    before: ir.ModuleIR | None = None
    after: ir.ModuleIR | None = None
    if facts:
        namespace = pipeline.Detections.NAMESPACE
        before = pipeline.cached_ir(change.store, source, last.digests[change.i], namespace)
        if before is None:
            return None, "its last detector facts are not in the cache"
        after = _moved_detections(change, before)  # without libcst, when only trivia moved
        if after is None:
            detected = change.detect(source)
            if not isinstance(detected, ir.ModuleIR) or not change.holds():
                return None, "it changed during the scan"
            after = detected
        # the readiness link reads the names a function calls, never their lines
        pairs += [
            (before.facts, after.facts),
            (_extension_names(before.imports), _extension_names(after.imports)),
            (_callees(before), _callees(after)),
        ]
    unseen = _unseen(change, old, new, [] if after is None else [before, after])
    lines = same_but_lines(
        pairs,
        (lambda fdef: False) if facts else (lambda f: (f.qualname, f.line) not in ran),
        unseen,
    )
    # either way the new forms are of the bytes read: a re-link reads them from the
    # cache instead of lowering the file and running libcst on it again
    change.keep(new, after)
    if lines is None:
        return None, "more than code the link never ran changed" + (
            " (routes read its facts)" if facts else ""
        )
    return lines, ""


def _moved_detections(change: _Change, before: ir.ModuleIR) -> ir.ModuleIR | None:
    """The new file's detector output without libcst, when the bytes the scan read
    differ from the old ones only where the detectors do not look."""
    try:
        data = change.source.path.read_bytes()
    except OSError:
        return None
    if hashlib.sha256(data).digest() != change.read.digests[change.i]:
        return None  # not the bytes the scan read
    return detections_moved(before, data)


def detections_moved(before: ir.ModuleIR, data: bytes) -> ir.ModuleIR | None:
    """The detector output of `data`, when it differs from the file `before` was
    detected in only where the detectors see nothing: comment and blank lines
    between statements (`layout.py`), or module-level statements that assign a
    constant to plain names (`_constant_lines`): `before` with its lines moved.
    None when that cannot be told from bytes."""
    if before.source is None:
        return None
    old, now = layout_mod.layout(before.source), layout_mod.layout(data)
    lines = None if old is None or now is None else layout_mod.line_map(old, now)
    if lines is None:
        lines = _constants_map(before.source, data)
    if lines is None:
        return None
    try:
        facts = {
            name: tuple(dataclasses.replace(f, line=lines[f.line]) if f.line else f for f in group)
            for name, group in before.facts.items()
        }
        calls = {
            name: tuple((callee, lines[n] if n else n) for callee, n in group)
            for name, group in before.calls.items()
        }
    except KeyError:  # a line no logical line holds
        return None
    return dataclasses.replace(before, facts=facts, calls=calls, source=data)


def _constants_map(old: bytes, new: bytes) -> dict[int, int] | None:
    """Old line -> new line, when the two files, once each drops its module-level
    constant statements (`_constant_lines`), differ at most in comment and blank
    lines between statements (`layout.py`).

    **Why the detector output moves.** Such a statement (`LIMIT = 10`, alone on
    its lines) holds no call, attribute, subscript, comparison, return, import,
    decorator or definition, and its targets are plain names: no detector emits
    a fact or call for it or keeps state from it (their `visit_Assign` look at
    targets only inside functions, or at values that are calls or attributes).
    The one trace it leaves is `Context.line`, which the next statement resets
    before anything in it is visited, for every kind of statement `_constant_lines`
    lets follow one. So every other statement yields what it did, at its moved
    line. `tests/scan/test_layout.py` holds this against the detectors."""
    old_kept, new_kept = _constant_lines(old), _constant_lines(new)
    if old_kept is None or new_kept is None:
        return None
    old_text = b"".join(text for _, text in old_kept)
    new_text = b"".join(text for _, text in new_kept)
    texts = (old, new, old_text, new_text)
    if any(_CODING.match(line) for text in texts for line in _head(text)) or any(
        text.startswith(b"\xef\xbb\xbf") for text in texts
    ):
        return None  # a dropped first line may turn a coding line (or a BOM) on or off
    old_shape, new_shape = layout_mod.layout(old_text), layout_mod.layout(new_text)
    if old_shape is None or new_shape is None:
        return None
    kept = layout_mod.line_map(old_shape, new_shape)  # of the kept lines, counted from 1
    if kept is None:
        return None
    return {  # past the last line: the end marker's logical line
        old_kept[a - 1][0]: new_kept[b - 1][0]
        for a, b in kept.items()
        if a <= len(old_kept) and b <= len(new_kept)
    }


# a coding declaration (PEP 263): it counts on line 1, or on line 2 below a comment
_CODING = re.compile(rb"^[ \t\f]*#.*?coding[:=]")


def _head(data: bytes) -> list[bytes]:
    return data.split(b"\n", 2)[:2]


# top-level statements that leave `Context.line` as it was until something inside
# them is visited: after a dropped statement, its line would show in their facts
_TRY_STAR: tuple[type[ast.stmt], ...] = (ast.TryStar,) if hasattr(ast, "TryStar") else ()
_UNMARKED = (ast.Try, ast.While, ast.Match, ast.AsyncFor, ast.AsyncWith, *_TRY_STAR)


def _constant_lines(data: bytes) -> list[tuple[int, bytes]] | None:
    """(number, text) of every line but those of module-level statements that only
    assign a constant (of `CONSTANT_TYPES`) to plain names, each alone on its lines;
    None when the file does not parse, has a carriage return (line counts could
    differ from CPython's), or such a statement is followed by one that does not
    set the detectors' line (`_UNMARKED`)."""
    if b"\r" in data:
        return None
    try:
        tree = compile(data, "<m>", "exec", flags=ast.PyCF_ONLY_AST, dont_inherit=True)
    except (SyntaxError, ValueError, UnicodeDecodeError, RecursionError, MemoryError):
        return None
    body = cast(ast.Module, tree).body
    dropped: set[int] = set()
    for i, stmt in enumerate(body):
        if not (
            isinstance(stmt, ast.Assign)
            and all(isinstance(t, ast.Name) for t in stmt.targets)
            and isinstance(stmt.value, ast.Constant)
            and type(stmt.value.value) in CONSTANT_TYPES
        ):
            continue
        end = stmt.end_lineno or stmt.lineno
        after = body[i + 1] if i + 1 < len(body) else None
        if (i and (body[i - 1].end_lineno or 0) >= stmt.lineno) or (
            after is not None and (after.lineno <= end or isinstance(after, _UNMARKED))
        ):
            return None  # shares a line (`;`), or the next statement keeps its line
        dropped.update(range(stmt.lineno, end + 1))
    lines = data.splitlines(keepends=True)
    return [(n, text) for n, text in enumerate(lines, 1) if n not in dropped]


def _callees(code: ir.ModuleIR) -> dict[str, tuple[str, ...]]:
    return {qualname: tuple(name for name, _ in calls) for qualname, calls in code.calls.items()}


def _unseen(
    change: _Change, old: ir.ModuleIR, new: ir.ModuleIR, detected: Sequence[ir.ModuleIR | None]
) -> Callable[[ir.Stmt], bool]:
    """The statements of the old and new forms whose run nothing can see (the third
    rule): each binds only names nothing else in the link can name, to values made
    on the spot, and has no other effect."""
    if change.last.deep:  # where it ran out of stack, one step more or less tells
        return lambda stmt: False
    scanned = change.last.names.keys()
    found: dict[int, tuple[tuple[str, ...], bool]] = {}
    for code in (old, new):
        found.update(_candidates(code.body, scanned, True))
    if not found:
        return lambda stmt: False
    texts = _texts(old, found) + _texts(new, found)
    for output in detected:  # the readiness link resolves the names a function calls
        if output is not None:
            texts += _texts((output.facts, output.calls), ())
    bound = {name for names, _ in found.values() for name in names if not _dunder(name)}
    free = bound - _spelled(bound, "\0".join(texts))
    top = {name for names, at_top in found.values() if at_top for name in names} & free
    _, _, reached = change.last.order.get(change.source.rel, (0, 0, True))
    rel = change.source.rel
    if rel in change.last.listed:  # read by names it computed (`dir`)
        free -= top
    else:
        if rel in change.last.sifted:  # by `getmembers`, whose predicate drops constants
            constant = {id(stmt) for code in (old, new) for stmt in code.body if _constant(stmt)}
            free -= {
                name
                for key, (names, at_top) in found.items()
                if at_top and key not in constant
                for name in names
            }
        top &= free
        if top and reached:  # other modules hold this one: they could name its globals
            free -= _named_elsewhere(change, top)
    keep = {key for key, (names, _) in found.items() if all(n in free for n in names)}
    return lambda stmt: id(stmt) in keep


def _constant(stmt: ir.Stmt) -> bool:
    """`name = constant` (of `reflection.CONSTANT_TYPES`), which a predicate that
    rejects constants drops."""
    return (
        isinstance(stmt, ir.Assign)
        and all(isinstance(target, ir.Name) for target in stmt.targets)  # `a, b = b"ab"`
        and isinstance(stmt.value, ir.Const)
        and type(stmt.value.value) in CONSTANT_TYPES
    )


def _candidates(
    body: tuple[ir.Stmt, ...], scanned: Collection[str], at_top: bool
) -> Iterator[tuple[int, tuple[tuple[str, ...], bool]]]:
    """Statements whose run has no effect but binding names (every statement list but
    class bodies): id -> (the names bound, whether in the module's namespace)."""
    for stmt in body:
        names = _binds_only(stmt, scanned)
        if names is not None:
            yield id(stmt), (names, at_top)
        elif isinstance(stmt, ir.FuncDef):
            yield from _candidates(stmt.body, scanned, False)
        elif isinstance(stmt, ir.ClassDef):  # its namespace is read by name (`methods`)
            for inner in stmt.body:
                if isinstance(inner, ir.FuncDef):
                    yield from _candidates(inner.body, scanned, False)
        elif isinstance(stmt, ir.For | ir.Block):
            yield from _candidates(stmt.body, scanned, at_top)
        elif isinstance(stmt, ir.If):
            yield from _candidates(stmt.body, scanned, at_top)
            yield from _candidates(stmt.orelse, scanned, at_top)


def _binds_only(stmt: ir.Stmt, scanned: Collection[str]) -> tuple[str, ...] | None:
    """The names `stmt` binds when that is all its run does, else None: an assignment
    of a value made on the spot to plain names, an expression of such a value (a
    docstring), an import of modules the scan does not see (it binds an external)."""
    if isinstance(stmt, ir.Assign):
        names = _plain_names(stmt.targets)
        return names if names is not None and _made_here(stmt.value) else None
    if isinstance(stmt, ir.ExprStmt):
        return () if _made_here(stmt.value) else None
    if isinstance(stmt, ir.Import):
        if any(name in scanned for name in import_lookups(stmt.module)):
            return None
        return (stmt.asname or stmt.module.split(".", 1)[0],)
    if isinstance(stmt, ir.ImportFrom):
        lookups = import_lookups(stmt.module, [n for n, _ in stmt.names])
        if stmt.level or not stmt.module or any(name in scanned for name in lookups):
            return None
        return tuple(asname or name for name, asname in stmt.names if name != "*")
    return None


def _plain_names(targets: tuple[ir.Expr, ...]) -> tuple[str, ...] | None:
    out: list[str] = []
    for target in targets:
        if isinstance(target, ir.Name):
            out.append(target.id)
        elif isinstance(target, ir.Seq):
            inner = _plain_names(target.items)
            if inner is None:
                return None
            out.extend(inner)
        else:  # `a.b = ...`, `a[k] = ...`, `*rest`: a write to a value others may hold
            return None
    return tuple(out)


def _made_here(expr: ir.Expr, depth: int = 0) -> bool:
    """A value the link makes on the spot, reading nothing (a name read may hand a
    shared value its label), calling nothing, converting nothing (`str()` of a
    long int raises) and nested at most two deep (a few frames of stack)."""
    if isinstance(expr, ir.Const | ir.Opaque):
        return True
    if depth >= 2:
        return False
    if isinstance(expr, ir.Seq):  # a `Star` is not
        return all(_made_here(item, depth + 1) for item in expr.items)
    if isinstance(expr, ir.DictE):
        return all(
            k is not None and _made_here(k, depth + 1) and _made_here(v, depth + 1)
            for k, v in expr.items
        )
    if isinstance(expr, ir.FStr):
        return all(
            isinstance(part, str) or (isinstance(part, ir.Const) and isinstance(part.value, str))
            for part in expr.parts
        )
    return False


def _dunder(name: str) -> bool:
    return name.startswith("__") and name.endswith("__")  # the link reads some itself


def _texts(value: Any, skip: Collection[int]) -> list[str]:
    """Every string in a lowered form (or detector output) outside the statements in
    `skip`: names, attributes, parameters, imports, strings, opaque texts."""
    out: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, str):
            out.append(value)
        elif isinstance(value, tuple | list):
            for item in value:
                walk(item)
        elif isinstance(value, dict):
            for key, item in value.items():
                walk(key)
                walk(item)
        elif (
            dataclasses.is_dataclass(value)
            and not isinstance(value, type)
            and id(value) not in skip
        ):
            for f in dataclasses.fields(value):
                if f.name not in ("doc", "path", "imports"):
                    walk(getattr(value, f.name))

    walk(value)
    return out


def _spelled(names: Collection[str], text: str) -> set[str]:
    """Which of `names` occur in `text` as a whole word, counting every non-ASCII
    character as part of a word (some combine into identifiers, like Indic vowel
    signs or U+00B7: a match too many only costs the short way)."""
    if not names:
        return set()
    pattern = re.compile(
        r"(?<![0-9A-Za-z_\u0080-\U0010ffff])(?:"
        + "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
        + r")(?![0-9A-Za-z_\u0080-\U0010ffff])"
    )
    return {m for m in pattern.findall(text) if m in names}


def _named_elsewhere(change: _Change, names: set[str]) -> set[str]:
    """Which of `names` another linked file spells out, as CPython reads it (all of
    them when a file no longer holds the bytes read)."""
    hit: set[str] = set()
    index = {source.rel: i for i, source in enumerate(change.sources)}
    for rel in sorted(change.last.linked - {change.source.rel}):
        i = index.get(rel)
        digest = change.read.digests[i] if i is not None else None
        if i is None or digest is None:
            return set(names)
        try:
            data = change.sources[i].path.read_bytes()
        except OSError:
            return set(names)
        if hashlib.sha256(data).digest() != digest:
            return set(names)
        # a coding line re-spells an ASCII file; bytes that are not UTF-8 become
        # U+FFFD, a word character to `_spelled`, as any byte over 0x7f was
        text = prefilter.as_python_reads(data).decode("utf-8", "replace")
        if any(name in text for name in names):
            hit |= _spelled(names, text)
            if hit >= names:
                return hit
    return hit


def same_but_lines(
    pairs: Sequence[tuple[Any, Any]],
    unrun: Callable[[ir.FuncDef], bool],
    unseen: Callable[[ir.Stmt], bool] = lambda stmt: False,
) -> dict[int, int] | None:
    """The map of lines (old -> new, strictly increasing) under which each new value
    equals its old one, skipping the bodies of the functions `unrun` admits and, in
    any statement list but a class body, the statements `unseen` admits; None if
    there is none."""
    lines: dict[int, int] = {}
    added: list[int] = []
    match = _Matcher(lines, added, unrun, unseen)
    for old, new in pairs:
        if not match(old, new):
            return None
    ordered = [lines[k] for k in sorted(lines)]
    if any(a >= b for a, b in itertools.pairwise(ordered)):
        return None  # two lines became one, or swapped places
    return lines


# what holds statement lists (`IfExp.body` is an expression; class bodies are read
# by name, as attributes)
_STATEMENT_LISTS = (ir.ModuleIR, ir.FuncDef, ir.If, ir.For, ir.Block)


@dataclass
class _Matcher:
    lines: dict[int, int]
    added: list[int]
    unrun: Callable[[ir.FuncDef], bool]
    unseen: Callable[[ir.Stmt], bool]

    def __call__(self, old: Any, new: Any) -> bool:
        if type(old) is not type(new):
            return False
        if isinstance(old, tuple):
            return len(old) == len(new) and all(self(a, b) for a, b in zip(old, new, strict=True))
        if isinstance(old, dict):  # in the same order: readers iterate them
            return list(old) == list(new) and all(self(old[k], new[k]) for k in old)
        if not dataclasses.is_dataclass(old):
            if isinstance(old, float | complex):  # 0.0 == -0.0, yet str() tells them apart
                return repr(old) == repr(new)
            return bool(old == new)
        lines, added = self.lines, self.added
        for f in dataclasses.fields(old):
            a, b = getattr(old, f.name), getattr(new, f.name)
            if f.name in ("body", "orelse") and isinstance(old, _STATEMENT_LISTS):
                a, b = self.seen(a), self.seen(b)
            if f.name == "line":
                if a not in lines:
                    lines[a] = b
                    added.append(a)
                elif lines[a] != b:
                    return False
            elif f.name == "body" and isinstance(old, ir.FuncDef):
                mark = len(added)
                if not self(a, b):
                    for line in added[mark:]:  # its lines name nothing the link made
                        del lines[line]
                    del added[mark:]
                    if not self.unrun(old):
                        return False
            elif f.name == "imports" and isinstance(old, ir.ModuleIR):
                # read for the extensions each file uses, and for nothing else
                if _extension_names(a) != _extension_names(b):
                    return False
            elif not self(a, b):
                return False
        return True

    def seen(self, body: tuple[ir.Stmt, ...]) -> tuple[ir.Stmt, ...]:
        return tuple(stmt for stmt in body if not self.unseen(stmt))


def _extension_names(imports: tuple[str, ...]) -> list[str]:
    return [extension.name for extension in extensions_used(imports)]


def _adds_anything(code: ir.ModuleIR, names: list[str]) -> bool:
    alone = Interpreter(dict.fromkeys(names, code))
    alone.run()
    adds = bool(alone.findings or alone.objects)
    alone.release()
    return adds


def _scoped(scope: str, whole: str) -> str:
    return f"{scope}\0{whole}"


def _key(store: cache_mod.Cache, name: str) -> str:
    return store.key(RECORD + name, False, b"")


def _load(store: cache_mod.Cache, scope: str) -> Record | None:
    pointer = store.get(_key(store, scope))
    if pointer is None:
        return None
    entry = store.get(_key(store, _scoped(scope, pointer.payload.decode("ascii", "replace"))))
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
            elif not isinstance(stmt, ir.Import | ir.ImportFrom | ir.Jump):
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
