"""Decide, from bytes alone, which files the link step can need.

The link step (`interp.py`) runs *every* scanned module, so a file that never
mentions Flask can still matter: a module holding `API_PREFIX = "/api"`, a
helper that registers blueprints, a plugin that appends a view class to a
registry another module later registers. The rule below keeps all of those
and skips only code that cannot touch anything Flask-related.

**The rule.** Build an undirected graph over the candidate files with an edge
between two files when

- one imports the other (`import a.b`, `from a import b`, `from .b import c`,
  `from . import b`: every module the statement can execute or bind, resolved
  under every name the file may have, as `discover.module_name` and
  `module_aliases` name it), or
- one is a package and the other a module directly inside it (an attribute
  of a module object can reach a submodule without an import statement).

A file is a *seed* when its bytes contain one of `TOKENS`. Keep every file
whose connected component holds a seed; if any file contains one of
`DYNAMIC` (`import_module`, `__import__`, `find_modules`, importlib's
`module_from_spec`, a loader's `exec_module` or `load_module`: a module named
at run time), keep every file.

**Why it is safe.** Every output of the scan comes from (a) a library the
`patterns` model (Flask, its extensions, werkzeug), which a file reaches only
by an import spelling its name or through a value from another scanned file;
(b) a routing call on a value the scan cannot follow (`.route(...)`, any name
in `interp.ROUTING_NAMES`); (c) an environment read (`environ`, `getenv`);
(d) what `scan_paths` gathers from every parsed file instead of through the
link step: Flask extensions (`flask_*`, `flasgger` imports) and WebSocket
handlers (`sock`, `socketio`). A file reaches another file's values only
through an edge above or a dynamic import. So a component without a seed
creates no Flask object, holds no reference to one, cannot call or be called
by code that does, and shares no mutable state with it: running it or not
changes nothing outside itself. Names keep their meaning: a name a kept file
imports is connected to the file it resolves to, so that file is kept too;
`pipeline` builds the module table over every file that parses, skipped ones
included, and only then drops the skipped ones, so "first file with a name
wins" picks the same file with and without the prefilter.

The import scan is a regular expression over bytes that over-approximates:
text in strings and comments counts too (a few extra edges), a line
continuation or a parenthesised name list is followed, `from.x import y` is
seen. `tests/scan/test_scan_prefilter.py` checks it against `ast` on the
fixtures, the sample app, `migrate/` and six libraries (flask, werkzeug,
click, jinja2, libcst, rich).

Skipped files are still checked with CPython's own parser (`pipeline`), and
one it rejects is parsed in full, so its error is listed exactly as without
the prefilter. Known limits: an `internal-error` finding (a scanner defect)
inside a skipped file is not reported; a skipped file CPython accepts but
libcst rejects is not listed under errors; module names with non-ASCII
characters are matched only in UTF-8 files.
"""

from __future__ import annotations

import io
import re
import tokenize
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from migrate.scan.discover import SourceFile, module_aliases
from migrate.scan.interp import ROUTING_NAMES, absolute_module, import_lookups

# Substrings that make a file a seed. Library names are spelled by the import
# that reaches them; see `tests/scan/test_scan_prefilter.py`, which checks that
# every library qualname the patterns and readiness tables know is covered.
TOKENS: tuple[bytes, ...] = (
    b"flask",  # flask, flask_restful, flask_restx, flask_restplus, flask_* extensions
    b"Flask",
    b"flasgger",
    b"werkzeug",
    b"Blueprint",
    b"environ",  # os.environ.get(...) reports an env-default finding
    b"getenv",
    b"sock",  # the websockets detector knows `sock`, `sockets`, `socketio` by name
    b"getmembers",  # may report an `unresolved-member` finding (`patterns/reflection.py`)
    *sorted(name.encode() for name in ROUTING_NAMES),
)
# A module named by a run-time string (or found in a folder) can be any module.
DYNAMIC: tuple[bytes, ...] = (
    b"import_module",
    b"__import__",
    b"find_modules",
    b"exec_module",  # importlib's loaders (`patterns/discovery.py`)
    b"load_module",
    b"module_from_spec",  # a module of any name, without an import statement
)

_TOKEN_RE = re.compile(b"|".join(re.escape(t) for t in TOKENS))
_DYNAMIC_RE = re.compile(b"|".join(re.escape(t) for t in DYNAMIC))

_WS = rb"(?:[ \t\f]|\\\r?\n)*"  # blanks, backslash continuations
_REST = rb"(?:[^\r\n;\\]|\\\r?\n|\\)*"  # to the end of the logical line or a `;`
_FROM_RE = re.compile(
    rb"from(?<![\w.]from)(?![\w])"  # the literal first: `re` then searches for it fast
    + rb"((?:[ \t\f.]|\\\r?\n)*)"  # the dots of a relative import, blanks between
    + rb"([\w.\x80-\xff]*)"
    + _WS
    + rb"import(?![\w\x80-\xff])"
    + _WS
    + rb"(\(|"
    + _REST
    + rb")"
)
_IMPORT_RE = re.compile(rb"import(?<![\w.]import)(?![\w\x80-\xff])" + _WS + rb"(" + _REST + rb")")
_NAME_RE = re.compile(rb"[\w\x80-\xff]+")
_DOTTED_RE = re.compile(rb"[\w.\x80-\xff]+")


class ImportRef(NamedTuple):
    level: int  # 0 for absolute
    module: str  # dotted, may be ""
    names: tuple[str, ...]  # the names after `import` in a from-import


class Shape(NamedTuple):
    """What the prefilter needs from one file."""

    seed: bool
    dynamic: bool
    imports: tuple[ImportRef, ...]


# What `select` reads: a `Shape`, or the plain tuple the cache's manifest keeps of
# one (plain tuples load several times faster than named ones).
Plain = tuple[bool, bool, tuple[tuple[int, str, tuple[str, ...]], ...]]


def plain(shape: Shape) -> Plain:
    return (shape.seed, shape.dynamic, tuple((r.level, r.module, r.names) for r in shape.imports))


_COOKIE_RE = re.compile(rb"^[ \t\f]*#.*?coding[:=]", re.MULTILINE)


def as_python_reads(data: bytes) -> bytes:
    """The bytes to search for names, as CPython reads the identifiers: a file in
    another encoding (a `# coding:` line) is decoded, and non-ASCII text is
    NFKC-normalised (`ｆｌａｓｋ` is the identifier `flask`), then UTF-8 again."""
    head = data[: data.find(b"\n", data.find(b"\n") + 1) + 1 or len(data)]
    if data.isascii() and not _COOKIE_RE.search(head):
        return data
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        text = data.decode(encoding)
    except (SyntaxError, LookupError, UnicodeDecodeError):
        return data  # CPython cannot read it either: it is listed under errors
    return unicodedata.normalize("NFKC", text).encode("utf-8", "surrogateescape")


def shape_of(data: bytes, *, as_read: bool = False) -> Shape:
    """`as_read`: `data` already went through `as_python_reads`."""
    if not as_read:
        data = as_python_reads(data)
    refs: list[ImportRef] = []
    for m in _FROM_RE.finditer(data):
        level = m[1].count(b".")
        names_text = _paren_list(data, m.end()) if m[3] == b"(" else m[3]
        names = tuple(_text(n) for n in _NAME_RE.findall(names_text))
        refs.append(ImportRef(level, _text(m[2]).strip("."), names))
    for m in _IMPORT_RE.finditer(data):
        for dotted in _DOTTED_RE.findall(m[1]):
            refs.append(ImportRef(0, _text(dotted).strip("."), ()))
    return Shape(
        _TOKEN_RE.search(data) is not None,
        _DYNAMIC_RE.search(data) is not None,
        tuple(dict.fromkeys(refs)),
    )


def _paren_list(data: bytes, start: int) -> bytes:
    """The text of `( ... )` after a from-import; comments may hold `)`."""
    out: list[bytes] = []
    pos = start
    while pos < len(data):
        eol = data.find(b"\n", pos)
        line = data[pos : eol if eol >= 0 else len(data)]
        code = line.split(b"#", 1)[0]
        close = code.find(b")")
        if close >= 0:
            out.append(code[:close])
            break
        out.append(code)
        if eol < 0:
            break
        pos = eol + 1
    return b" ".join(out)


def _text(raw: bytes) -> str:
    return raw.decode("utf-8", "replace")


@dataclass(frozen=True)
class Selection:
    keep: frozenset[int]  # indices into the sources
    seeds: int
    reason: str  # "components" | "dynamic-import" | "no-seed"


def select(sources: Sequence[SourceFile], shapes: Sequence[Plain], root: Path) -> Selection:
    """The files whose component of the import graph holds a seed (see the module doc)."""
    seeds = [i for i, (seed, _, _) in enumerate(shapes) if seed]
    if not seeds:
        return Selection(frozenset(), 0, "no-seed")
    if any(dynamic for _, dynamic, _ in shapes):
        return Selection(frozenset(range(len(sources))), len(seeds), "dynamic-import")
    names_of = [_names(source, root) for source in sources]
    by_name: dict[str, list[int]] = {}
    for i, names in enumerate(names_of):
        for name in names:
            by_name.setdefault(name, []).append(i)
    parent = list(range(len(sources)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def join(i: int, targets: list[int]) -> None:
        for j in targets:
            a, b = find(i), find(j)
            if a != b:
                parent[a] = b

    for i, names in enumerate(names_of):
        for name in names:
            if "." in name:
                join(i, by_name.get(name.rpartition(".")[0], []))
        for target in _targets(sources[i], names, shapes[i][2]):
            join(i, by_name.get(target, []))
    seeded = {find(i) for i in seeds}
    keep = frozenset(i for i in range(len(sources)) if find(i) in seeded)
    return Selection(keep, len(seeds), "components")


def _names(source: SourceFile, root: Path) -> list[str]:
    return list(dict.fromkeys([source.module, *module_aliases(source, root)]))


def _targets(
    source: SourceFile, names: list[str], refs: tuple[tuple[int, str, tuple[str, ...]], ...]
) -> set[str]:
    """Every dotted module name the import statements may execute or bind."""
    out: set[str] = set()
    for level, module, imported in refs:
        if level:
            bases = [  # the interpreter names the module by one of them
                absolute_module(
                    level, module, name if source.is_package else name.rpartition(".")[0]
                )
                for name in names
            ]
        else:
            bases = [module]
        for dotted in bases:
            out.update(import_lookups(dotted, imported))
    return out
