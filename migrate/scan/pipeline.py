"""Files to per-file facts: read once, prefilter, cache, lower; then detect.

    read every file once (sha256; `prefilter.shape_of`, kept in the cache's
    manifest by content digest)
      -> `prefilter.select`: the files the link step can need
      -> cache lookup by content hash (`cache.py`)
      -> misses are lowered from CPython's `ast` (`lower_ast.py`) in chunks:
         `jobs - 1` worker processes take the largest files first and return
         the pickled `ModuleIR` (never a syntax tree), while this process
         takes the smallest; files the prefilter skipped are only checked with
         CPython's parser (a syntax error is still reported)
      -> results in source order, whatever order they arrived in
      -> the module table the interpreter reads
    after the link step (`Detections`): libcst and the detectors on the files
    the readiness link reads facts from, in waves, with the same workers,
    cached the same way

Workers start with the `spawn` method (no `fork` of a process that may run
threads). With `jobs=None` a small batch (under `PARALLEL_BYTES`) stays in this
process, where starting workers would cost more than it saves; a result made
in this process is handed over without a pickle round trip.
"""

from __future__ import annotations

import ast
import dataclasses
import gc
import hashlib
import multiprocessing
import os
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import (
    FIRST_COMPLETED,
    CancelledError,
    Future,
    ProcessPoolExecutor,
    wait,
)
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from migrate import model
from migrate.scan import cache as cache_mod
from migrate.scan import ir, prefilter
from migrate.scan.discover import SourceFile, module_aliases
from migrate.scan.interp import Interpreter, ModuleRT

T = TypeVar("T")
ParseFn = Callable[[SourceFile], "ir.ModuleIR | model.FileError"]
PARALLEL_BYTES = 512 * 1024  # a pool pays from here (it starts in about 0.3 s)
CHUNK_FILES = 32
PENDING = 2  # chunks queued per worker
PARSE, CHECK = "parse", "check"


@dataclass
class Stats:
    """What one scan did; pass one in `ScanOptions.stats` to read it back."""

    files: int = 0
    seeds: int = 0
    kept: int = 0  # files the link step reads (all of them without the prefilter)
    selection: str = ""  # how the prefilter decided (`prefilter.Selection.reason`)
    parsed: int = 0  # files lowered (from `ast`) in this scan
    detected: int = 0  # files parsed with libcst for the detectors in this scan
    checked: int = 0  # skipped files checked with CPython's parser in this scan
    cache_hits: int = 0
    shapes_known: int = 0  # files whose prefilter shape the cache's manifest held
    detect_hits: int = 0  # detector output read from the cache
    cache_writes: int = 0
    jobs: int = 1  # worker processes used (1: this process)
    detect_jobs: int = 1  # worker processes the detectors used
    ahead: int = 0  # of `detected`: started in the workers while the link ran (`speculate`)
    # with `reuse_inventory`, when files changed: whether the last inventory held
    # (`incremental`), and why
    incremental: str = ""
    # files whose bytes changed while the scan read them: its result matches no one
    # state of the tree, so the cache keeps neither it nor those files' entries
    drifted: int = 0
    seconds: dict[str, float] = field(default_factory=dict)

    def summary(self, total: float) -> str:
        """Where a scan's time went, in one line (`migrate scan --timings`)."""
        head = f"scan: {self.files} files in {_secs(total)}"
        if self.selection == "inventory cache":
            return f"{head}; no file changed: the last inventory, from the cache"
        if self.selection in ("isolated change", "same link"):
            return f"{head}; {self.incremental}: the last inventory, from the cache"
        names = {"parse": "lowering", "detect": "libcst + detectors"}
        phases = ", ".join(f"{names.get(k, k)} {_secs(v)}" for k, v in self.seconds.items())
        return (
            f"{head} ({phases}); lowered {self.parsed} (cached {self.cache_hits}),"
            f" libcst + detectors on {self.detected} (cached {self.detect_hits},"
            f" {self.ahead} ahead of the readiness link);"
            f" prefilter kept {self.kept} of {self.files} ({self.selection});"
            f" processes: {self.jobs}"
            + (f"; re-linked: {self.incremental}" if self.incremental else "")
            + (f"; {self.drifted} file(s) changed while read: not cached" if self.drifted else "")
        )


def _secs(seconds: float) -> str:
    return f"{seconds:.2f} s" if seconds >= 0.01 else "< 0.01 s"


@dataclass
class Parsed:
    modules: dict[str, ir.ModuleIR]  # every name a module may be imported under
    module_of: dict[str, str]  # relative path -> dotted module name
    errors: list[model.FileError]
    parsed: list[tuple[SourceFile, ir.ModuleIR]]  # the files the link step reads, in order
    socket_files: frozenset[str] = frozenset()  # kept files that may hold WebSocket handlers
    digests: dict[str, bytes] = field(default_factory=dict)  # relative path -> sha256 as read


@dataclass(frozen=True)
class _Task:
    index: int
    source: SourceFile
    mode: str  # PARSE | CHECK
    content: bytes | None  # sha256 of the bytes read first; None: do not cache


# ------------------------------------------------------------------- workers


def _run(parse: ParseFn, task: _Task) -> ir.ModuleIR | model.FileError | None:
    """None: CPython parses the file (CHECK)."""
    if task.mode == CHECK:
        try:
            data = task.source.path.read_bytes()
            compile(data, task.source.rel, "exec", flags=ast.PyCF_ONLY_AST, dont_inherit=True)
            return None
        except (OSError, SyntaxError, ValueError, UnicodeDecodeError, RecursionError, MemoryError):
            pass  # the full parse says exactly what is wrong, as without the prefilter
    return parse(task.source)


def _unchanged(task: _Task) -> bool:
    """The file still holds the bytes the cache key was made from."""
    return task.content is not None and holds(task.source, task.content)


def holds(source: SourceFile, digest: bytes) -> bool:
    """The file still holds the bytes with this sha256."""
    try:
        return hashlib.sha256(source.path.read_bytes()).digest() == digest
    except OSError:
        return False


def _kind(result: ir.ModuleIR | model.FileError | None) -> bytes:
    if result is None:
        return cache_mod.CHECKED
    return cache_mod.ERROR if isinstance(result, model.FileError) else cache_mod.PARSED


def _encode(result: ir.ModuleIR | model.FileError | None) -> tuple[bytes, bytes]:
    return _kind(result), (b"" if result is None else cache_mod.dumps(result))


class _Direct(bytes):
    """A result produced in this process, standing where a pickled payload goes:
    `_decode` returns the object itself, and `bytes(...)` pickles it on demand."""

    value: Any

    def __new__(cls, value: Any, cacheable: bool) -> _Direct:
        payload = _encode(value)[1] if cacheable else b""
        self = super().__new__(cls, payload)
        self.value = value
        return self


def work(parse: ParseFn, tasks: list[_Task]) -> list[tuple[int, bytes, bytes, bool]]:
    """Run in a worker: (index, kind, payload, cacheable) per task."""
    out = []
    for task in tasks:
        kind, payload = _encode(_run(parse, task))
        out.append((task.index, kind, payload, _unchanged(task)))
    return out


# ------------------------------------------------------------------ the scan


def cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def parse_all(
    sources: Sequence[SourceFile],
    root: Path,
    parse: ParseFn,
    *,
    jobs: int | None = None,
    cache_dir: Path | None = None,
    use_prefilter: bool = True,
    progress: Progress | None = None,
    stats: Stats | None = None,
    read: Contents | None = None,
    workers: Workers | None = None,
) -> Parsed:
    """Per-file facts for every source, in source order, and the module table.
    `read`: what `read_all` returned for these sources, if the caller has it;
    `workers`: processes to share with later steps (else started and stopped here)."""
    stats = stats if stats is not None else Stats()
    stats.files = len(sources)
    store = cache_mod.Cache(cache_dir) if cache_dir is not None else None
    try:
        clock = time.perf_counter()
        if read is None:
            read = read_all(sources, store, root.as_posix())
        contents, sizes, shapes, sockets = read.digests, read.sizes, read.shapes, read.sockets
        stats.seconds["read"] = read.seconds
        stats.shapes_known = read.known
        if use_prefilter:
            selection = prefilter.select(sources, shapes, root)
            keep, stats.seeds, stats.selection = selection.keep, selection.seeds, selection.reason
        else:
            keep, stats.selection = frozenset(range(len(sources))), "off"
        stats.kept = len(keep)
        stats.seconds["read"] += time.perf_counter() - clock

        clock = time.perf_counter()
        results: list[ir.ModuleIR | model.FileError | None] = [None] * len(sources)
        modes = [PARSE if i in keep or c is None else CHECK for i, c in enumerate(contents)]
        keys: dict[int, str] = {}
        todo: list[_Task] = []
        # the collector would walk the growing heap of results again and again. Cache
        # entries are written here, as results come: a writer thread fell seconds
        # behind, since it gets the GIL back only every switch interval while this
        # process lowers files
        own = Workers(jobs) if workers is None else nullcontext(workers)
        with gc_paused(), own as pool:
            for i, source in enumerate(sources):
                content = contents[i]
                if store is not None and content is not None:
                    keys[i] = entry_key(store, source, content)
                    hit = _lookup(store, keys[i], modes[i])
                    if hit is not _BAD:
                        results[i] = hit
                        stats.cache_hits += 1
                        continue
                todo.append(_Task(i, source, modes[i], content if store is not None else None))
            if progress is not None:
                progress.start_parse(len(todo))
            run = _execute(parse, todo, sizes, pool, stats)
            for index, kind, payload, cacheable in run:
                results[index] = _decode(kind, payload, modes[index], fresh=True)
                stats.parsed += modes[index] == PARSE or kind != cache_mod.CHECKED
                stats.checked += modes[index] == CHECK
                if store is not None and index in keys:
                    if cacheable:
                        stats.cache_writes += store.put(keys[index], kind, payload)
                    else:
                        stats.drifted += 1
                if progress is not None:
                    progress.advance()
        stats.seconds["parse"] = time.perf_counter() - clock
    except BaseException:
        if progress is not None:
            progress.close()
        raise
    table = _table(sources, root, results)
    table.socket_files = frozenset(sources[i].rel for i in sockets if i in keep)
    table.digests = {s.rel: d for s, d in zip(sources, contents, strict=True) if d is not None}
    return table


# Every handler the `websockets` detector reports needs, in its file, an import
# from flask_sock / flask_sockets / flask_socketio, or a name imported as one of
# the usual instance names `sock`, `sockets`, `socketio` (`detectors/websockets.py`).
_SOCKET = re.compile(rb"flask_sock|\bsock(?:ets|etio)?\b")


@dataclass
class Contents:
    """Every file read once (`read_all`): what the scan needs from its bytes."""

    digests: list[bytes | None]  # sha256 of the bytes; None: unreadable
    sizes: list[int]
    shapes: list[prefilter.Plain]
    sockets: set[int]  # indices of files that may hold a WebSocket handler (`_SOCKET`)
    known: int = 0  # files whose shape came from the manifest (or an identical file)
    seconds: float = 0.0


_NO_SHAPE: prefilter.Plain = (False, False, ())
MANIFEST = "\0manifest\0"  # + the scan root: the key of the shapes last read there


def read_all(
    sources: Sequence[SourceFile], store: cache_mod.Cache | None, scope: str = ""
) -> Contents:
    """Read each file once: its sha256, size, prefilter shape, and whether it may
    hold a WebSocket handler. Shapes depend only on the bytes, so with a cache they
    are kept in one manifest entry per `scope` (the scan root) by content digest,
    and a re-scan works them out only for the files whose bytes changed."""
    clock = time.perf_counter()
    known = _load_manifest(store, scope) if store is not None else {}
    seen: dict[bytes, tuple[prefilter.Plain, bool]] = {}
    fresh = 0
    out = Contents([None] * len(sources), [0] * len(sources), [], set())
    for i, source in enumerate(sources):
        try:
            data = source.path.read_bytes()
        except OSError:  # parse() reports it; never cached
            out.shapes.append(_NO_SHAPE)
            continue
        digest = hashlib.sha256(data).digest()
        out.digests[i], out.sizes[i] = digest, len(data)
        facts = known.get(digest) or seen.get(digest)
        if facts is None:
            view = prefilter.as_python_reads(data)
            shape = prefilter.shape_of(view, as_read=True)
            facts = (prefilter.plain(shape), _SOCKET.search(view) is not None)
            fresh += 1
        else:
            out.known += 1
        seen[digest] = facts
        out.shapes.append(facts[0])
        if facts[1]:
            out.sockets.add(i)
    if store is not None and (fresh or known.keys() != seen.keys()):
        store.put(_manifest_key(store, scope), cache_mod.PARSED, cache_mod.dumps(seen))
    out.seconds = time.perf_counter() - clock
    return out


def _manifest_key(store: cache_mod.Cache, scope: str) -> str:
    return store.key(MANIFEST + scope, False, b"")


def _load_manifest(store: cache_mod.Cache, scope: str) -> dict[bytes, tuple[prefilter.Plain, bool]]:
    entry = store.get(_manifest_key(store, scope))
    if entry is None or entry.kind != cache_mod.PARSED:
        return {}
    try:
        value = cache_mod.loads(entry.payload)
    except Exception:  # a damaged or foreign entry: work the shapes out again
        return {}
    return value if isinstance(value, dict) else {}


def entry_key(
    store: cache_mod.Cache, source: SourceFile, digest: bytes, namespace: str = ""
) -> str:
    """The cache key of a per-file entry: its lowered form, or with `namespace`
    (`Detections.NAMESPACE`) the detectors' output."""
    return store.key(namespace + source.rel, source.is_package, digest)


def cached_ir(
    store: cache_mod.Cache, source: SourceFile, digest: bytes | None, namespace: str = ""
) -> ir.ModuleIR | None:
    """The entry for `source` with those bytes, if the cache holds it."""
    if digest is None:
        return None
    found = _lookup(store, entry_key(store, source, digest, namespace), PARSE)
    return found if isinstance(found, ir.ModuleIR) else None


def store_ir(
    store: cache_mod.Cache,
    source: SourceFile,
    digest: bytes,
    code: ir.ModuleIR,
    namespace: str = "",
) -> None:
    store.put(entry_key(store, source, digest, namespace), *_encode(code))


def _lookup(store: cache_mod.Cache, key: str, mode: str) -> Any:
    entry = store.get(key)
    if entry is None or (mode == PARSE and entry.kind == cache_mod.CHECKED):
        return _BAD
    return _decode(entry.kind, entry.payload, mode)


def interpret(
    modules: dict[str, ir.ModuleIR],
    progress: Progress | None,
    stats: Stats | None,
    files: Sequence[str] = (),
    notice: Callable[[Interpreter], None] | None = None,
) -> Interpreter:
    """The link step over the module table (`files`: every file read, for directory
    listings; `notice`: called after each module body); closes the
    progress bar."""
    clock = time.perf_counter()
    try:
        if progress is not None:
            progress.phase(f"linking {len({id(m) for m in modules.values()})} modules")
        with gc_paused():
            interp = Interpreter(modules, files)
            interp.notice = notice
            interp.run()
    finally:
        if progress is not None:
            progress.close()
    if stats is not None:
        stats.seconds["link"] = time.perf_counter() - clock
    return interp


class Detections:
    """The detectors' output (facts, calls) per file, for the readiness link.

    The link step reads every kept file lowered from `ast` (cheap); libcst and
    the detectors run only on the files the readiness link reads facts from:
    the views, hooks and decorators of the routes found, in parallel and cached
    (`prefetch`), and the helpers they call, on demand in this process (`ensure`).
    """

    NAMESPACE = "\0detect\0"  # cache keys apart from the lowered modules'

    def __init__(
        self,
        sources: Sequence[SourceFile],
        detect: ParseFn,
        *,
        workers: Workers,
        cache_dir: Path | None,
        stats: Stats,
        digests: dict[str, bytes] | None = None,
    ) -> None:
        """`digests`: the sha256 of each file as the scan read it (`Parsed.digests`)."""
        self.sources = {source.rel: source for source in sources}
        self.digests = digests or {}
        self.detect = detect
        self.workers = workers
        self.store = cache_mod.Cache(cache_dir) if cache_dir is not None else None
        self.stats = stats
        self.done: dict[str, ir.ModuleIR] = {}
        self.tried: set[str] = set()  # files prefetched, whatever came of it
        self.missing: list[str] = []  # files a pass of `in_waves` lacked
        # files `speculate` handed to the workers: their task and its future
        self.ahead: dict[str, tuple[_Task, Future[list[tuple[int, bytes, bytes, bool]]]]] = {}

    def speculate(self, rels: Iterable[str]) -> None:
        """Start detecting files the readiness link will probably read (the files of
        the views and hooks the link has found so far) in the workers, while this
        process goes on linking: on a cold scan the workers are otherwise idle then.
        Only when the workers are running (a large batch started them) and the
        cache does not hold the file; `prefetch` collects the finished guesses it
        wants, shares out with its other files those no worker has started, and
        at a wave drops the unstarted rest. A guess costs worker time, never a
        different result."""
        if not self.workers.running:
            return
        for rel in rels:
            if rel in self.tried or rel in self.ahead or rel not in self.sources:
                continue
            if self._cached(rel):
                continue  # `prefetch` reads it from the cache
            task = _Task(0, self.sources[rel], PARSE, self.digests.get(rel))
            try:
                future = self.workers.start().submit(work, self.detect, [task])
            except BrokenProcessPool:
                self.workers.broken = True
                return
            self.ahead[rel] = (task, future)

    def _collect(self, wanted: list[str]) -> list[str]:
        """Keep the speculated results among `wanted`; the files still to detect."""
        left = []
        for rel in wanted:
            task, future = self.ahead.pop(rel, (None, None))
            try:
                results = future.result() if future is not None else None
            except (BrokenProcessPool, CancelledError):
                results = None
            if task is None or not results:
                left.append(rel)
                continue
            _, kind, payload, cacheable = results[0]
            key = None
            if self.store is not None and task.content is not None:
                key = entry_key(self.store, task.source, task.content, self.NAMESPACE)
            self._keep(task, kind, payload, cacheable, key)
            self.stats.ahead += 1
            self.stats.detect_jobs = max(self.stats.detect_jobs, self.workers.size)
        return left

    def prefetch(self, rels: Iterable[str], wave: bool = True) -> None:
        """Detect these files (cache, guesses, workers). A `wave` (not one file the
        link asks for on its own) also drops the guesses no worker has started that
        it does not want: the files of views no app registers."""
        clock = time.perf_counter()
        wanted = [r for r in dict.fromkeys(rels) if r in self.sources and r not in self.tried]
        self.tried.update(wanted)
        for rel, (_, future) in list(self.ahead.items()):
            # one no worker has started is shared out with the rest (a worker alone
            # would leave this process idle); a started one is collected when wanted
            if (wave or rel in self.tried) and future.cancel():
                del self.ahead[rel]
        ahead = [r for r in wanted if r in self.ahead]
        # the rest first, in this process and any worker the guesses left free
        self._detect([r for r in wanted if r not in self.ahead])
        self._detect(self._collect(ahead))  # a guess that failed: once more, as it would
        self.stats.seconds["detect"] = (
            self.stats.seconds.get("detect", 0.0) + time.perf_counter() - clock
        )

    def _detect(self, rels: list[str]) -> None:
        todo: list[_Task] = []
        keys: dict[int, str] = {}
        for rel in rels:
            task = self._task(len(todo), rel, keys)
            if task is not None:
                todo.append(task)
        sizes = [_size(t.source) for t in todo]
        run = Stats()
        for index, kind, payload, cacheable in _execute(
            self.detect, todo, sizes, self.workers, run
        ):
            self._keep(todo[index], kind, payload, cacheable, keys.get(index))
        self.stats.detect_jobs = max(self.stats.detect_jobs, run.jobs)

    def get(self, rel: str) -> ir.ModuleIR | None:
        if rel not in self.tried:
            self.prefetch([rel], wave=False)  # one file: runs in this process
        return self.done.get(rel)

    def in_waves(self, run: Callable[[Callable[[ModuleRT], None]], T]) -> T:
        """`run(ensure)` (the readiness link) until a pass asks for no file it has
        not got. A pass goes on without the facts it is missing and names their
        files (the cache's are read at once); they are detected together, in the
        workers, before the next pass. So
        the last pass reads exactly what `run(self.ensure)` would, one file at a time
        (an earlier pass, missing some facts, may follow a helper further and so
        detect a file the last pass does not read: work, never a different result).
        """
        while True:
            self.missing = []
            result = run(self._ensure_or_note)
            if not self.missing:
                return result
            self.prefetch(self.missing)

    def _ensure_or_note(self, rt: ModuleRT) -> None:
        rel = rt.code.path
        if rt.code.detected or rel in self.tried or rel not in self.sources or self._cached(rel):
            self.ensure(rt)  # a cache hit needs no wave: read it now, and spare a pass
        else:
            self.missing.append(rt.code.path)
            self.speculate([rt.code.path])  # the workers start on it while the pass goes on

    def _cached(self, rel: str) -> bool:
        """The cache holds this file's detector output (as the scan read the file)."""
        content = self.digests.get(rel)
        if self.store is None or content is None:
            return False
        key = entry_key(self.store, self.sources[rel], content, self.NAMESPACE)
        return self.store.path(key).exists()

    def ensure(self, rt: ModuleRT) -> None:
        """Give a module lowered from `ast` its detector output (in place)."""
        if rt.code.detected:
            return
        found = self.get(rt.code.path)
        facts = found.facts if found is not None else {}
        calls = found.calls if found is not None else {}
        rt.code = dataclasses.replace(rt.code, facts=facts, calls=calls, detected=True)

    def _task(self, index: int, rel: str, keys: dict[int, str]) -> _Task | None:
        source = self.sources[rel]
        content = None
        if self.store is not None:
            content = self.digests.get(rel)
            if content is None:
                try:
                    content = hashlib.sha256(source.path.read_bytes()).digest()
                except OSError:
                    content = None
            if content is not None:
                keys[index] = entry_key(self.store, source, content, self.NAMESPACE)
                hit = _lookup(self.store, keys[index], PARSE)
                if isinstance(hit, ir.ModuleIR):
                    self.done[rel] = hit
                    self.stats.detect_hits += 1
                    return None
        return _Task(index, source, PARSE, content)

    def _keep(
        self, task: _Task, kind: bytes, payload: bytes, cacheable: bool, key: str | None
    ) -> None:
        value = _decode(kind, payload, PARSE, fresh=True)
        self.stats.detected += 1
        if isinstance(value, ir.ModuleIR):
            self.done[task.source.rel] = value
            if self.store is not None and key is not None:
                if cacheable:
                    self.stats.cache_writes += self.store.put(key, kind, payload)
                else:
                    self.stats.drifted += 1


def _size(source: SourceFile) -> int:
    try:
        return source.path.stat().st_size
    except OSError:
        return 0


_BAD: Any = object()


def _decode(kind: bytes, payload: bytes, mode: str, fresh: bool = False) -> Any:
    """The result an entry stands for in `mode`; a parsed module is not loaded for CHECK."""
    if kind == cache_mod.CHECKED or (kind == cache_mod.PARSED and mode == CHECK):
        return None
    if isinstance(payload, _Direct):
        return payload.value
    if fresh:  # straight from `work`: a failure here is a defect, never a silent skip
        return cache_mod.loads(payload)
    try:
        value = cache_mod.loads(payload)
    except Exception:  # a damaged or foreign cache entry: parse again
        return _BAD
    ok = ir.ModuleIR if kind == cache_mod.PARSED else model.FileError
    return value if isinstance(value, ok) else _BAD


class Workers:
    """The processes of one scan: this one and `size - 1` workers, started on first
    use, then shared by the lowering and the detectors (starting them costs about
    0.3 s), stopped by `close`."""

    def __init__(self, jobs: int | None) -> None:
        self.jobs = jobs
        self.size = max(1, jobs if jobs is not None else cpu_count())
        self.pool: ProcessPoolExecutor | None = None
        self.broken = False

    @property
    def running(self) -> bool:
        return self.pool is not None and not self.broken

    def start(self) -> ProcessPoolExecutor:
        if self.pool is None:
            context = multiprocessing.get_context("spawn")
            self.pool = ProcessPoolExecutor(max_workers=self.size - 1, mp_context=context)
        return self.pool

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _execute(
    parse: ParseFn,
    todo: list[_Task],
    sizes: list[int],
    workers: Workers,
    stats: Stats,
) -> Iterator[tuple[int, bytes, bytes, bool]]:
    """Results for `todo`, with the workers when they pay: always once they are
    running, else when `jobs` asks for them or the batch is large."""
    wanted = workers.size
    small = sum(sizes[t.index] for t in todo) < PARALLEL_BYTES
    if workers.broken or (workers.jobs is None and small and not workers.running):
        wanted = 1
    wanted = min(wanted, len(todo))
    stats.jobs = max(1, wanted)
    if wanted <= 1:
        yield from _serial(parse, todo)
        return
    finished: set[int] = set()
    try:
        chunks = _chunks(todo, sizes, wanted)
        for result in _shared(parse, chunks, workers.start(), wanted - 1):
            finished.add(result[0])
            yield result
    except BrokenProcessPool:
        # A worker died (killed, out of memory, or started from a script without
        # `if __name__ == "__main__":`): finish the scan in this process.
        workers.broken = True
        stats.jobs = 1
        yield from _serial(parse, [t for t in todo if t.index not in finished])


def _shared(
    parse: ParseFn, chunks: list[list[_Task]], pool: ProcessPoolExecutor, helpers: int
) -> Iterator[tuple[int, bytes, bytes, bool]]:
    """Results as they are made. `helpers` workers take chunks from the front (the
    largest files) and this process takes them from the back whenever no worker's
    result is waiting: no core idles while the workers start, and what this
    process makes needs no pickle round trip. At most `PENDING * helpers` chunks are
    queued for the workers."""
    queue = deque(chunks)
    pending: set[Future[list[tuple[int, bytes, bytes, bool]]]] = set()
    try:
        while queue or pending:
            while queue and len(pending) < PENDING * helpers:
                pending.add(pool.submit(work, parse, queue.popleft()))
            done = {future for future in pending if future.done()}
            if not done and queue:
                yield from _serial(parse, queue.pop())
                continue
            if not done:
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
            pending -= done
            for future in done:
                yield from future.result()
    finally:  # Ctrl-C, a dead worker, or a consumer that stopped: drop queued chunks
        for future in pending:
            future.cancel()


def _serial(parse: ParseFn, todo: list[_Task]) -> Iterator[tuple[int, bytes, bytes, bool]]:
    """In this process the result needs no pickle round trip: it is handed over as
    it is (`_Direct`), and pickled only if it is to be cached."""
    _settle()  # the collections below walk only what these tasks make
    for task in todo:
        result = _run(parse, task)
        cacheable = _unchanged(task)
        kind = _kind(result)
        yield task.index, kind, _Direct(result, cacheable), cacheable
        if not gc.isenabled():
            gc.collect(0)  # libcst leaves reference cycles behind


def _chunks(todo: list[_Task], sizes: list[int], workers: int) -> list[list[_Task]]:
    """Largest files first (the last chunk to finish is then a small one)."""
    ordered = sorted(todo, key=lambda t: -sizes[t.index])
    budget = max(1, sum(sizes[t.index] for t in todo) // (workers * 16))
    chunks: list[list[_Task]] = []
    current: list[_Task] = []
    weight = 0
    for task in ordered:
        current.append(task)
        weight += sizes[task.index]
        if weight >= budget or len(current) >= CHUNK_FILES:
            chunks.append(current)
            current, weight = [], 0
    if current:
        chunks.append(current)
    return chunks


def _table(
    sources: Sequence[SourceFile],
    root: Path,
    results: list[ir.ModuleIR | model.FileError | None],
) -> Parsed:
    """The module table as the scan without the prefilter would build it, minus skipped files.

    Names go to the first file that has them, over every file that parses
    (skipped ones included), canonical names before aliases; then the skipped
    files' names are dropped. No kept file imports one of those names (it
    would be connected to that file, so that file would be kept).
    """
    errors = [r for r in results if isinstance(r, model.FileError)]
    ok = [i for i, r in enumerate(results) if not isinstance(r, model.FileError)]
    names: dict[str, int] = {}
    for i in ok:
        names.setdefault(sources[i].module, i)
    for i in ok:
        for alias in module_aliases(sources[i], root):
            names.setdefault(alias, i)
    codes = {i: r for i, r in enumerate(results) if isinstance(r, ir.ModuleIR)}
    modules = {name: codes[i] for name, i in names.items() if i in codes}
    module_of = {sources[i].rel: sources[i].module for i in ok if i in codes}
    return Parsed(modules, module_of, errors, [(sources[i], codes[i]) for i in ok if i in codes])


# ------------------------------------------------------------ gc and progress


@contextmanager
def gc_paused(*, settle: bool = False) -> Iterator[None]:
    """The scan builds a large acyclic heap of IR; the cyclic collector would walk
    it again and again (loading it took 6x longer with the collector on).

    `settle` (the scan's outermost pause): inside it, `_serial` first moves what is
    alive out of the collector's generations (`gc.freeze`), so the collection it
    runs after each libcst parse walks only what that parse made, not the whole
    heap loaded or linked so far (0.3 s per re-scan on Indico + CKAN). It is all
    unfrozen at the end. Not when the caller has frozen objects (those are theirs),
    and only in the thread that owns the pause: the collector's switches are
    process-wide, so scans running at once in threads of one process do not settle."""
    global _settling
    was = gc.isenabled()
    gc.disable()
    owns = False
    if settle:
        with _settle_lock:
            owns = _settling is None and gc.get_freeze_count() == 0
            if owns:
                _settling = threading.get_ident()
    try:
        yield
    finally:
        if owns:
            with _settle_lock:
                _settling = None
                gc.unfreeze()
        if was:
            gc.enable()


_settling: int | None = None  # the thread whose scan may settle
_settle_lock = threading.Lock()


def _settle() -> None:
    if _settling == threading.get_ident():
        with _settle_lock:
            if _settling == threading.get_ident():
                gc.freeze()


class Progress:
    """A progress bar on stderr, shown only once the scan has run for `delay` seconds."""

    def __init__(self, delay: float = 1.0) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
        from rich.progress import Progress as Bar

        self.bar = Bar(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=Console(stderr=True),
            transient=True,
        )
        self.task = self.bar.add_task("reading", total=None)
        self.lock = threading.Lock()
        self.shown = False
        self.closed = False
        self.timer = threading.Timer(delay, self._show)
        self.timer.daemon = True
        self.timer.start()

    def _show(self) -> None:
        with self.lock:
            if not self.closed:
                self.bar.start()
                self.shown = True

    def start_parse(self, total: int) -> None:
        self.bar.update(self.task, description="parsing", total=total, completed=0)

    def advance(self) -> None:
        self.bar.advance(self.task)

    def phase(self, description: str) -> None:
        self.bar.update(self.task, description=description)

    def close(self) -> None:
        self.timer.cancel()
        with self.lock:
            self.closed = True
            if self.shown:
                self.bar.stop()
