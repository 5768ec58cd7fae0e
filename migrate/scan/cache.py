"""A content-hash cache of per-file scan results, so a re-scan parses only what changed.

**Where.** `--cache-dir DIR`, else `$WSGI2ASGI_CACHE_DIR`, else
`$XDG_CACHE_HOME/wsgi2asgi`, else `~/.cache/wsgi2asgi`; `--no-cache` bypasses
it. `scan_paths` itself caches only when `ScanOptions.cache_dir` is set.

**Keys.** `sha256(fingerprint, relative path, is_package, sha256(file bytes))`.
The fingerprint covers the tool version, the Python and libcst versions and
the source of `migrate/model.py`, `migrate/scan/` and `migrate/readiness/`
(lowering, detectors, the link and the scores decide what an entry holds: a
whole inventory is cached too), so another version or an edited checkout never
reads an entry it did not write. Entries live under
`DIR/scan-<fingerprint>/<key[:2]>/<key>`; one tool version's entries never
collide with another's, and an old `scan-*` folder may be deleted at any time.

**Entries.** `MAGIC, kind, blake2b(payload), payload`. `kind` is `M` (a
pickled `ir.ModuleIR`), `E` (a pickled `model.FileError`) or `C` (checked:
CPython parses the file, the prefilter skipped it). An entry that is short,
foreign or fails its digest is ignored and rewritten. Beside the per-file
entries: the detectors' output per file (keys under `pipeline.Detections.
NAMESPACE`), one manifest per scan root (`pipeline.MANIFEST`: content digest
-> the prefilter's shape of those bytes; two scans may each replace it, and
either one is right) and, for `migrate scan`, the last inventory per set of files.

**Concurrency.** Writes go to a temporary file in the entry's folder and are
renamed into place (`os.replace`, atomic on POSIX and Windows), so a reader
sees a whole entry or none, and two scans writing the same key write the
same bytes. A cache that cannot be written (read-only, full) is ignored.

The cache holds pickles: keep it in a folder only you can write (the default
is created with mode 0700).
"""

from __future__ import annotations

import contextlib
import copyreg
import dataclasses
import functools
import hashlib
import io
import itertools
import operator
import os
import pickle
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import migrate
from migrate import model
from migrate.scan import ir

MAGIC = b"W2A\x01"
_DIGEST = 16
_HEADER = len(MAGIC) + 1 + _DIGEST
PARSED, ERROR, CHECKED = b"M", b"E", b"C"
ENV_VAR = "WSGI2ASGI_CACHE_DIR"


def default_dir() -> Path:
    explicit = os.environ.get(ENV_VAR)
    if explicit:
        return Path(explicit).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "wsgi2asgi"


def fingerprint_sources() -> list[Path]:
    """The code whose output the cache keeps: the model, the scanner, and the
    readiness link and scores (a cached inventory holds their results)."""
    package = Path(migrate.__file__).parent
    return [
        package / "model.py",
        *sorted((package / "scan").rglob("*.py")),
        *sorted((package / "readiness").rglob("*.py")),
    ]


@functools.cache
def fingerprint() -> str:
    h = hashlib.sha256()
    try:
        libcst_version = metadata.version("libcst")
    except metadata.PackageNotFoundError:  # pragma: no cover - libcst is a dependency
        libcst_version = "?"
    for part in (migrate.__version__, sys.version, libcst_version):
        h.update(part.encode() + b"\0")
    package = Path(migrate.__file__).parent
    for path in fingerprint_sources():
        h.update(path.relative_to(package).as_posix().encode() + b"\0")
        try:
            h.update(path.read_bytes())
        except OSError:
            h.update(b"<unreadable>")
    return h.hexdigest()


# ------------------------------------------------------------------ pickling


def _reducer(cls: type) -> Callable[[Any], tuple[type, tuple[Any, ...]]] | None:
    """`cls(*fields)` instead of the slow `__setstate__` slotted dataclasses get."""
    if not dataclasses.is_dataclass(cls) or "__post_init__" in vars(cls):
        return None
    fields = dataclasses.fields(cls)
    if not all(f.init for f in fields) or {"__reduce__", "__reduce_ex__"} & set(vars(cls)):
        return None
    names = tuple(f.name for f in fields)
    if len(names) == 1:
        name = names[0]
        return lambda obj: (cls, (getattr(obj, name),))
    fetch = operator.attrgetter(*names)  # the fields as a tuple, fetched in C
    return lambda obj: (cls, fetch(obj))


@functools.cache
def _dispatch_table() -> dict[type, Any]:
    table: dict[type, Any] = dict(copyreg.dispatch_table)
    for module in (ir, model):
        for value in vars(module).values():
            if isinstance(value, type) and value.__module__ == module.__name__:
                reduce = _reducer(value)
                if reduce is not None:
                    table[value] = reduce
    return table


def dumps(obj: object) -> bytes:
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.dispatch_table = _dispatch_table()
    pickler.dump(obj)
    return buffer.getvalue()


def loads(data: bytes) -> Any:
    return pickle.loads(data)


# --------------------------------------------------------------------- store


@dataclass(frozen=True)
class Entry:
    kind: bytes  # PARSED | ERROR | CHECKED
    payload: bytes


class Cache:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.root = directory / f"scan-{fingerprint()[:16]}"
        self._made: set[Path] = set()  # folders this instance has made sure exist

    def key(self, rel: str, is_package: bool, content: bytes) -> str:
        """`content` is the sha256 digest of the file's bytes."""
        h = hashlib.sha256(fingerprint().encode())
        h.update(b"\0" + rel.encode("utf-8", "surrogateescape") + b"\0")
        h.update(b"P" if is_package else b"M")
        h.update(content)
        return h.hexdigest()

    def path(self, key: str) -> Path:
        return self.root / key[:2] / key

    def get(self, key: str) -> Entry | None:
        try:
            data = self.path(key).read_bytes()
        except OSError:
            return None
        if len(data) < _HEADER or not data.startswith(MAGIC):
            return None
        kind = data[len(MAGIC) : len(MAGIC) + 1]
        digest = data[len(MAGIC) + 1 : _HEADER]
        payload = data[_HEADER:]
        if kind not in (PARSED, ERROR, CHECKED) or _digest(payload) != digest:
            return None
        return Entry(kind, payload)

    def put(self, key: str, kind: bytes, payload: bytes) -> bool:
        """Store an entry; False when the cache cannot be written."""
        target = self.path(key)
        data = b"".join((MAGIC, kind, _digest(payload), payload))
        tmp = ""
        try:
            if target.parent not in self._made:
                if not self.directory.exists():
                    self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
                target.parent.mkdir(parents=True, exist_ok=True)
                self._made.add(target.parent)
            # a name no other writer uses (process, thread, counter), created exclusively
            tmp = f"{target.parent}/.tmp-{os.getpid()}-{threading.get_ident()}-{next(_SERIAL)}"
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(tmp, target)
            return True
        except OSError:
            if tmp:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
            return False


_SERIAL = itertools.count()


def _digest(payload: bytes) -> bytes:
    return hashlib.blake2b(payload, digest_size=_DIGEST).digest()
