"""Find the Python files under the scanned paths and name their modules.

Skipped by default: `.git`, `.hg`, `.tox`, `.nox`, `node_modules`,
`site-packages`, `__pycache__`, `build`, `dist`, any virtualenv (a folder holding
`pyvenv.cfg`), and test code (`tests/`, `test/`, `test_*.py`, `*_test.py`,
`conftest.py`), which creates throwaway apps rather than the app to migrate.
`--include-tests` keeps test code; `--exclude GLOB` skips more. A path given
explicitly on the command line is always scanned.
"""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

SKIP_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        ".tox",
        ".nox",
        "node_modules",
        "site-packages",
        "__pycache__",
        "build",
        "dist",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        ".eggs",
    }
)
TEST_DIRS = frozenset({"tests", "test"})


@dataclass(frozen=True)
class SourceFile:
    path: Path  # absolute
    rel: str  # POSIX path relative to the scan root
    module: str  # dotted module name as Python would import it
    is_package: bool


def is_test_file(name: str) -> bool:
    return name == "conftest.py" or name.startswith("test_") or name.endswith("_test.py")


def discover(
    paths: Iterable[Path], root: Path, exclude: tuple[str, ...] = (), include_tests: bool = False
) -> Iterator[SourceFile]:
    seen: set[Path] = set()
    _PACKAGE_CACHE.clear()  # per scan: a folder may have gained or lost its __init__.py
    _PREFIX_CACHE.clear()
    for start in paths:
        start = start.resolve()
        if start.is_file():
            candidates: Iterable[Path] = [start]
        else:
            candidates = _walk(start, exclude, include_tests)
        for path in candidates:
            if path in seen:
                continue
            seen.add(path)
            rel = _rel(path, root)
            if start != path and _excluded(rel, exclude):
                continue
            yield SourceFile(path, rel, module_name(path), path.name == "__init__.py")


def _walk(top: Path, exclude: tuple[str, ...], include_tests: bool) -> Iterator[Path]:
    for dirpath, dirnames, filenames in os.walk(top):
        here = Path(dirpath)
        keep = []
        for name in sorted(dirnames):
            if name in SKIP_DIRS or name.endswith(".egg-info"):
                continue
            if not include_tests and name in TEST_DIRS:
                continue
            if (here / name / "pyvenv.cfg").exists():
                continue
            if _excluded(_rel(here / name, top), exclude) or _excluded(name, exclude):
                continue
            keep.append(name)
        dirnames[:] = keep
        for name in sorted(filenames):
            if not name.endswith(".py"):
                continue
            if not include_tests and is_test_file(name):
                continue
            yield here / name


def _excluded(rel: str, patterns: tuple[str, ...]) -> bool:
    return any(
        fnmatch.fnmatch(rel, p) or fnmatch.fnmatch(rel, p.rstrip("/") + "/*") for p in patterns
    )


def _rel(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


_PACKAGE_CACHE: dict[Path, bool] = {}


def _is_package_dir(path: Path) -> bool:
    if path not in _PACKAGE_CACHE:
        _PACKAGE_CACHE[path] = (path / "__init__.py").is_file()
    return _PACKAGE_CACHE[path]


_PREFIX_CACHE: dict[Path, str] = {}


def _package_prefix(folder: Path) -> str:
    """The dotted name of the packages a folder is in, itself included ("" if it is
    not a package): each folder is walked up once per scan."""
    if folder not in _PREFIX_CACHE:
        if _is_package_dir(folder) and folder.parent != folder:
            outer = _package_prefix(folder.parent)
            _PREFIX_CACHE[folder] = f"{outer}.{folder.name}" if outer else folder.name
        else:
            _PREFIX_CACHE[folder] = ""
    return _PREFIX_CACHE[folder]


def module_name(path: Path) -> str:
    """Dotted name: walk up while the folder is a package (has `__init__.py`)."""
    prefix = _package_prefix(path.parent)
    if path.name == "__init__.py":
        return prefix or path.parent.name
    return f"{prefix}.{path.stem}" if prefix else path.stem


def module_aliases(source: SourceFile, root: Path) -> list[str]:
    """Other names the file may be imported under (namespace packages, src/ layouts).

    A name may start at a folder only when that folder could be on `sys.path`:
    the scanned root, or a folder whose parent is not a package. So
    `indico/web/flask/__init__.py` never passes for the `flask` library.
    """
    rel = Path(source.rel)
    parts = list(rel.with_suffix("").parts)
    if parts and parts[-1] == "__init__":
        parts = parts[:-1]
    names = []
    for i in range(len(parts)):
        parent = root.joinpath(*parts[:i])
        if i > 0 and _is_package_dir(parent):
            continue
        name = ".".join(parts[i:])
        if name and all(p.isidentifier() for p in name.split(".")):
            names.append(name)
    return names
