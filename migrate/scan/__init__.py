"""`scan_paths(paths, options) -> Inventory`: the pure core behind `migrate scan`.

files --parse (libcst)--> per-file facts (`ir.ModuleIR`) --link (`interp`)-->
Flask objects --`urlmap`--> `model.Inventory`. Nothing scanned is ever imported
or executed.
"""

from __future__ import annotations

import ast
import dataclasses
import hashlib
import os
import pickle
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, cast

from migrate import model
from migrate.readiness.extensions import Extension, extensions_used
from migrate.readiness.link import link
from migrate.readiness.score import score_route
from migrate.scan import cache as cache_mod
from migrate.scan import incremental, ir, pipeline
from migrate.scan.discover import SourceFile, discover
from migrate.scan.interp import Interpreter
from migrate.scan.lower_ast import lower_tree
from migrate.scan.objects import AppObj, BlueprintObj
from migrate.scan.urlmap import Resolver, resolve
from migrate.scan.values import ClassV, FuncV, ViewV

if TYPE_CHECKING:
    import libcst as cst


@dataclass(frozen=True)
class ScanOptions:
    exclude: tuple[str, ...] = ()
    include_tests: bool = False
    # speed (issue 7, `pipeline.py`); none of these changes the result
    jobs: int | None = None  # worker processes; None: every core, one process for small trees
    cache_dir: Path | None = None  # content-hash cache (`cache.py`); None: no cache
    prefilter: bool = True  # parse only the files the link step can need (`prefilter.py`)
    progress: bool = False  # a progress bar on stderr once the scan runs over a second
    stats: pipeline.Stats | None = field(default=None, compare=False)  # filled in when given
    # with a cache: reuse the whole inventory when no file and no option changed
    # (`migrate scan` turns it on; per-file caching alone still re-links)
    reuse_inventory: bool = False


def scan_root(paths: Sequence[Path]) -> Path:
    resolved = [p.resolve() for p in paths]
    if len(resolved) == 1:
        only = resolved[0]
        return only if only.is_dir() else only.parent
    return Path(os.path.commonpath([p if p.is_dir() else p.parent for p in resolved]))


def parse_file(source: SourceFile) -> ir.ModuleIR | model.FileError:
    """Read and lower one file, or say why it cannot be read."""
    import libcst as cst  # here: a scan served from the cache never loads libcst

    from migrate.scan import detectors
    from migrate.scan.lower import lower_module, module_lines

    try:
        data = source.path.read_bytes()
    except OSError as exc:
        return model.FileError(source.rel, 0, f"cannot read: {exc.strerror or exc}")
    try:
        module = cst.parse_module(data)
    except cst.ParserSyntaxError as exc:
        return _syntax_error(source.rel, data, exc)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return model.FileError(source.rel, line, f"cannot decode as {exc.encoding}: {exc.reason}")
    except (SyntaxError, LookupError, ValueError) as exc:
        line = getattr(exc, "lineno", None) or 0
        return model.FileError(source.rel, line, f"cannot parse: {exc}")
    except RecursionError:
        return model.FileError(source.rel, 0, "cannot parse: nesting too deep")
    try:
        lines = module_lines(module, data)
        code = lower_module(module, source.rel, source.is_package, lines=lines)
        facts, calls, imports = detectors.collect(module, source.rel, lines)
    except RecursionError:  # libcst's visitors recurse where its parser did not
        return model.FileError(source.rel, 0, "cannot parse: nesting too deep")
    return dataclasses.replace(code, facts=facts, calls=calls, imports=imports)


def lower_file(source: SourceFile) -> ir.ModuleIR | model.FileError:
    """The link step's reading of one file, lowered from CPython's `ast` (the cheap
    tier; `detect_file` adds the detectors' facts where they are needed). A file
    CPython cannot parse goes through `parse_file`, which says what is wrong, or
    lowers it from libcst if libcst can read it."""
    try:
        data = source.path.read_bytes()
        tree = compile(data, source.rel, "exec", flags=ast.PyCF_ONLY_AST, dont_inherit=True)
    except (OSError, SyntaxError, ValueError, UnicodeDecodeError, RecursionError, MemoryError):
        return parse_file(source)
    try:
        return lower_tree(cast(ast.Module, tree), data, source.rel, source.is_package)
    except RecursionError:
        return parse_file(source)


def detect_file(source: SourceFile) -> ir.ModuleIR | model.FileError:
    """The detectors' facts and calls for one file (libcst), without lowering it."""
    import libcst as cst

    from migrate.scan import detectors
    from migrate.scan.lower import module_lines

    try:
        data = source.path.read_bytes()
        module = cst.parse_module(data)
        facts, calls, imports = detectors.collect(module, source.rel, module_lines(module, data))
    except Exception:  # CPython read it (lower_file): the file keeps no facts
        return ir.ModuleIR(source.rel, (), source.is_package)  # (RecursionError: nesting)
    return ir.ModuleIR(source.rel, (), source.is_package, facts, calls, imports, source=data)


def _syntax_error(rel: str, data: bytes, exc: cst.ParserSyntaxError) -> model.FileError:
    """Prefer CPython's own account of a syntax error (its line and message)."""
    try:
        compile(data, rel, "exec", flags=ast.PyCF_ONLY_AST, dont_inherit=True)
    except SyntaxError as py_exc:
        return model.FileError(rel, py_exc.lineno or exc.raw_line, f"syntax error: {py_exc.msg}")
    except (ValueError, UnicodeDecodeError):
        pass
    return model.FileError(rel, exc.raw_line, f"syntax error: {exc.message}")


def scan_paths(paths: Iterable[Path], options: ScanOptions | None = None) -> model.Inventory:
    options = options or ScanOptions()
    path_list = [Path(p) for p in paths]
    root = scan_root(path_list)
    sources = list(discover(path_list, root, options.exclude, options.include_tests))
    store = cache_mod.Cache(options.cache_dir) if options.cache_dir is not None else None
    read = pipeline.read_all(sources, store, root.as_posix())
    whole = scope = None
    stats = options.stats if options.stats is not None else pipeline.Stats()
    if store is not None and options.reuse_inventory and None not in read.digests:
        whole = _inventory_key(store, root, sources, read.digests, options)
        scope = _scope(root, options)
        cached = _cached_inventory(store, whole)
        if cached is not None:
            incremental.point(store, scope, whole)  # back to an earlier state: its record
            stats.files = stats.cache_hits = len(sources)
            stats.selection = "inventory cache"
            stats.seconds["read"] = read.seconds
            return cached
        # one changed file that takes no part in the link, or whose change the
        # link never runs: the last inventory holds (with that file's lines moved)
        clock = time.perf_counter()
        try:
            verdict = incremental.reuse(
                store, scope, whole, sources, read, root, options.prefilter, lower_file, detect_file
            )
        except Exception as exc:  # a defect in a short way must not cost the scan
            verdict = incremental.Reuse(
                None, f"the short way failed ({type(exc).__name__}: {exc}); please report it"
            )
        stats.incremental = verdict.why
        entry = store.get(verdict.last.whole) if verdict.last is not None else None
        last = _inventory(entry)
        if entry is not None and last is not None:
            # its pickle holds each text whole, as UTF-8: without "line=" none says one
            spelled = b"line=" in entry.payload
            touched = verdict.last.touched if verdict.last is not None else None
            last = incremental.relabel(last, verdict.file, verdict.lines, spelled, touched)
        if verdict.last is not None and last is not None:
            store.put(whole, cache_mod.PARSED, pickle.dumps(last, pickle.HIGHEST_PROTOCOL))
            incremental.remember(
                store, scope, incremental.moved(verdict.last, whole, read, verdict)
            )
            stats.files, stats.selection = len(sources), verdict.way
            stats.seconds["read"] = read.seconds
            stats.seconds["check"] = time.perf_counter() - clock
            return last
    # the scan builds a large, mostly acyclic heap (the IR, then the linked
    # objects): automatic full collections would walk it again and again
    with pipeline.gc_paused(settle=True):
        inventory, table, interp = _scan(
            root, sources, dataclasses.replace(options, stats=stats), read
        )
        # still paused: the first allocations after a resume would pay a full
        # collection of the link's heap. A file that changed while the scan read
        # it: the inventory is of no one state of the tree, so no key names it
        if store is not None and whole is not None and scope is not None and not stats.drifted:
            store.put(whole, cache_mod.PARSED, pickle.dumps(inventory, pickle.HIGHEST_PROTOCOL))
            kept = incremental.record(whole, sources, read, table, interp, inventory)
            incremental.remember(store, scope, kept)
        # the link's heap dies here, by reference counts: the collector never walks
        # it (about a million objects on Indico + CKAN, 0.9 s per full collection)
        interp.release()
        del table, interp
    return inventory


def _scope(root: Path, options: ScanOptions) -> str:
    """Scans whose records may follow one another: same root, same result options."""
    return repr((root.as_posix(), options.exclude, options.include_tests, options.prefilter))


def _inventory_key(
    store: cache_mod.Cache,
    root: Path,
    sources: list[SourceFile],
    digests: Sequence[bytes | None],
    options: ScanOptions,
) -> str:
    """One key for the whole result: every file's path and content, and the options
    that change the result."""
    digest = hashlib.sha256(b"inventory\0" + root.as_posix().encode("utf-8", "surrogateescape"))
    digest.update(repr((options.exclude, options.include_tests)).encode())
    for source, content in zip(sources, digests, strict=True):
        digest.update(source.rel.encode("utf-8", "surrogateescape") + b"\0")
        digest.update(b"P" if source.is_package else b"M")
        digest.update(content or b"")
    return store.key("<inventory>", False, digest.digest())


def _cached_inventory(store: cache_mod.Cache, key: str) -> model.Inventory | None:
    return _inventory(store.get(key))


def _inventory(entry: cache_mod.Entry | None) -> model.Inventory | None:
    if entry is None or entry.kind != cache_mod.PARSED:
        return None
    try:
        with pipeline.gc_paused():  # about 0.3 million objects, none in a cycle
            value = pickle.loads(entry.payload)
    except Exception:  # a damaged or foreign entry: scan again
        return None
    return value if isinstance(value, model.Inventory) else None


def _scan(
    root: Path, sources: list[SourceFile], options: ScanOptions, read: pipeline.Contents
) -> tuple[model.Inventory, pipeline.Parsed, Interpreter]:
    """The inventory, with the module table and the link it came from."""
    # issue 7: prefilter, content-hash cache, parallel parse, link (see pipeline.py)
    bar = pipeline.Progress() if options.progress else None
    stats = options.stats if options.stats is not None else pipeline.Stats()
    with pipeline.Workers(options.jobs) as workers:  # lowering, then the detectors
        table = pipeline.parse_all(
            sources,
            root,
            lower_file,
            jobs=options.jobs,
            cache_dir=options.cache_dir,
            use_prefilter=options.prefilter,
            progress=bar,
            stats=stats,
            read=read,
            workers=workers,
        )
        modules, module_of, errors, parsed = (
            table.modules,
            table.module_of,
            table.errors,
            table.parsed,
        )
        detections = pipeline.Detections(
            sources,
            detect_file,
            workers=workers,
            cache_dir=options.cache_dir,
            stats=stats,
            digests=table.digests,
        )
        # the workers detect the views' and hooks' files as the link finds them
        interp = pipeline.interpret(
            modules, bar, stats, [s.rel for s in sources], _Sightings(detections)
        )
        routes, resolver = resolve(interp, module_of)
        # the views' files, then the hooks, decorators and helpers as the readiness
        # link reaches them, each batch in the workers the lowering started, if it did
        view_files = [r.view.file for r in routes if r.view is not None]
        detections.prefetch([*view_files, *sorted(table.socket_files)])
        linked = detections.in_waves(
            lambda ensure: link(interp, module_of, routes, resolver.origins, ensure)
        )
    routes = [score_route(r) for r in linked]
    inventory = model.Inventory(
        root=root.as_posix(),
        files_scanned=len(sources),
        apps=tuple(_apps(interp, resolver)),
        blueprints=tuple(_blueprints(interp, resolver)),
        routes=tuple(_dedupe(routes)),
        findings=tuple(sorted(interp.findings, key=lambda f: (f.file, f.line, f.code))),
        errors=tuple(sorted(errors, key=lambda e: e.file)),
        extensions=tuple(_extensions(parsed)),
        websockets=tuple(
            fact
            for source, _ in parsed
            if source.rel in table.socket_files
            for facts in _detected_facts(detections, source.rel)
            for fact in facts
            if fact.kind == "websocket"
        ),
    )
    return inventory, table, interp


class _Sightings:
    """Hands `Detections.speculate` the files of the views and hooks the link has
    attached to Flask objects since it last looked (`Interpreter.notice`). A look
    goes over every Flask object, so past the link's first half second it looks
    at most for 2% of the link's time (with many modules and objects, less often)."""

    def __init__(self, detections: pipeline.Detections) -> None:
        self.detections = detections
        self.seen: dict[int, tuple[int, int]] = {}  # id(object) -> rules, hooks looked at
        self.start = time.perf_counter()
        self.spent = 0.0

    def __call__(self, interp: Interpreter) -> None:
        clock = time.perf_counter()
        if clock - self.start > 0.5 and self.spent > 0.02 * (clock - self.start):
            return
        self.look(interp)
        self.spent += time.perf_counter() - clock

    def look(self, interp: Interpreter) -> None:
        files: list[str] = []
        for obj in interp.objects:
            rules, hooks = self.seen.get(id(obj), (0, 0))
            if len(obj.rules) == rules and len(obj.hooks) == hooks:
                continue
            self.seen[id(obj)] = (len(obj.rules), len(obj.hooks))
            for value in [d.view for d in obj.rules[rules:]] + [h.func for h in obj.hooks[hooks:]]:
                if isinstance(value, FuncV):
                    files.append(value.view.module.code.path)
                elif isinstance(value, ViewV) and isinstance(value.cls, ClassV):
                    files.append(value.cls.module.code.path)
        if files:
            self.detections.speculate(files)


def _detected_facts(detections: pipeline.Detections, rel: str) -> Iterable[tuple[model.Fact, ...]]:
    found = detections.get(rel)
    return found.facts.values() if found is not None else ()


def _extensions(parsed: list[tuple[SourceFile, ir.ModuleIR]]) -> list[model.ExtensionUse]:
    files: dict[str, list[str]] = {}
    known: dict[str, Extension] = {}
    for source, code in parsed:
        for extension in extensions_used(code.imports):
            known[extension.name] = extension
            files.setdefault(extension.name, []).append(source.rel)
    return [
        model.ExtensionUse(e.name, e.does, e.fastapi, tuple(sorted(files[e.name])))
        for e in sorted(known.values(), key=lambda e: e.name.lower())
    ]


def _apps(interp: Interpreter, resolver: Resolver) -> list[model.App]:
    out = []
    for obj in interp.objects:
        if isinstance(obj, AppObj):
            static = obj.static_rule_path  # fixed when Flask() ran, as the rule is
            out.append(
                model.App(
                    resolver.app_id(obj),
                    obj.site.file,
                    obj.site.line,
                    obj.factory.split(".<locals>")[0] or None,
                    static if isinstance(static, str) else None,
                )
            )
    return out


def _blueprints(interp: Interpreter, resolver: Resolver) -> list[model.Blueprint]:
    out = []
    for obj in interp.objects:
        if isinstance(obj, BlueprintObj):
            out.append(
                model.Blueprint(
                    obj.name if isinstance(obj.name, str) else "?",
                    obj.site.file,
                    obj.site.line,
                    obj.url_prefix if isinstance(obj.url_prefix, str) else None,
                    obj.subdomain if isinstance(obj.subdomain, str) else None,
                    tuple(sorted(resolver.registered.get(id(obj), ()))),
                )
            )
    return out


def _dedupe(routes: list[model.Route]) -> list[model.Route]:
    seen: set[tuple[str, str, str, tuple[str, ...]]] = set()
    out = []
    for route in routes:
        key = (route.app, route.rule, route.endpoint, route.methods)
        if key not in seen:
            seen.add(key)
            out.append(route)
    return out
