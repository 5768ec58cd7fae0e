"""How code finds its own modules at run time: paths, folder listings, loaders.

Large apps register the blueprints they find in a folder instead of importing
each one (CKAN's `_register_core_blueprints`, plugin systems):

    path = os.path.join(os.path.dirname(__file__), "..", "views")
    for loader, name, _ in pkgutil.iter_modules([path], "app.views."):
        spec = loader.find_spec(name)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        for _, bp in inspect.getmembers(module, is_blueprint):  # `reflection.py`
            app.register_blueprint(bp)

The link follows each step over the scanned tree, never the disk:

- a module's `__file__` is "/<root>/<its path>" (`interp.ROOT`), a package's
  `__path__` its folder; `os.path` computes on such strings as `posixpath`
  does (`abspath` and `realpath` only of absolute paths: the working directory
  is not known);
- `pkgutil.iter_modules(paths, prefix)` lists, for each folder under the root,
  the modules and packages the scan reads there, in pkgutil's order; an item
  unpacks as `(finder, name, ispkg)` and has those attributes;
- `finder.find_spec(name)`, `importlib.util.find_spec(name)`, `spec.loader`,
  `importlib.util.module_from_spec(spec)`, `loader.exec_module(module)`,
  `finder.find_module(name).load_module(name)`: the scanned module in that
  file, run as an import runs it. A module runs once: executing it again
  reuses its objects, where CPython would run its body a second time;
- `flask.helpers.get_root_path(name)`: the folder of a scanned module.

A listing holds the files the scan reads: files it leaves out (tests by
default, `--exclude`) are not listed. Adding or removing any file re-links
(`incremental`), so a listing is never stale.
"""

from __future__ import annotations

import functools
import posixpath
from dataclasses import dataclass
from typing import Any

from migrate.scan import library
from migrate.scan.interp import ROOT, Interpreter, ModuleRT
from migrate.scan.values import BuiltinFn, ClassV, ModuleV, Site, Unknown, shown

library.CONSTANTS.update({"os.sep": "/", "os.path.sep": "/", "os.curdir": ".", "os.pardir": ".."})


def folder_of(path: Any) -> str | None:
    """The folder under the scan root a path names ("" for the root), or None."""
    if not isinstance(path, str):
        return None
    norm: str = posixpath.normpath(path)
    if norm == ROOT:
        return ""
    if norm.startswith(ROOT + "/"):
        return norm[len(ROOT) + 1 :]
    return None


@functools.lru_cache(maxsize=4)
def tree(files: tuple[str, ...]) -> dict[str, dict[str, bool]]:
    """Folder -> its entries (name -> is a folder), for every folder holding a file read."""
    out: dict[str, dict[str, bool]] = {"": {}}
    for rel in files:
        parts = rel.split("/")
        for depth in range(len(parts)):
            folder = "/".join(parts[:depth])
            out.setdefault(folder, {})[parts[depth]] = depth < len(parts) - 1
    return out


# ----------------------------------------------------------------- os.path


def _pure(name: str, arity: tuple[int, int]) -> None:
    fn = getattr(posixpath, name)

    @library.constructor(f"os.path.{name}", f"posixpath.{name}")
    def apply(
        interp: Interpreter,
        args: list[Any],
        kwargs: dict[str, Any],
        site: Site,
        cls: ClassV | None,
    ) -> Any:
        low, high = arity
        if kwargs or not low <= len(args) <= high or not all(isinstance(a, str) for a in args):
            return Unknown(f"os.path.{name} of runtime values", site.file, site.line)
        return fn(*args)


for _name, _arity in {
    "join": (1, 64),
    "dirname": (1, 1),
    "basename": (1, 1),
    "split": (1, 1),
    "splitext": (1, 1),
    "normpath": (1, 1),
    "isabs": (1, 1),
}.items():
    _pure(_name, _arity)


@library.constructor("os.path.abspath", "os.path.realpath", "posixpath.abspath")
def abspath(
    interp: Interpreter, args: list[Any], kwargs: dict[str, Any], site: Site, cls: ClassV | None
) -> Any:
    path = args[0] if args else None
    if isinstance(path, str) and path.startswith("/"):
        return posixpath.normpath(path)
    return Unknown("a path relative to the working directory", site.file, site.line)


@library.constructor("os.path.relpath", "posixpath.relpath")
def relpath(
    interp: Interpreter, args: list[Any], kwargs: dict[str, Any], site: Site, cls: ClassV | None
) -> Any:
    path = args[0] if args else kwargs.get("path")
    start = args[1] if len(args) > 1 else kwargs.get("start")
    if isinstance(path, str) and isinstance(start, str) and path[:1] == start[:1] == "/":
        return posixpath.relpath(path, start)
    return Unknown("a path relative to the working directory", site.file, site.line)


@library.constructor("flask.helpers.get_root_path", "flask.sansio.scaffold.get_root_path")
def get_root_path(
    interp: Interpreter, args: list[Any], kwargs: dict[str, Any], site: Site, cls: ClassV | None
) -> Any:
    name = args[0] if args else kwargs.get("import_name")
    rt = interp.modules.get(name) if isinstance(name, str) else None
    if rt is None:
        return Unknown(f"get_root_path({shown(name)}) of a module the scan does not see")
    return f"{ROOT}/{rt.code.path}".rpartition("/")[0]


# ---------------------------------------------------------------- listings


@library.constructor("os.walk")
def walk(
    interp: Interpreter, args: list[Any], kwargs: dict[str, Any], site: Site, cls: ClassV | None
) -> Any:
    """`(folder, folders, files)` for the folder and each below it, top down, names
    sorted (CPython's order is the file system's). Pruning `folders` in the loop
    does not stop the walk."""
    top = args[0] if args else kwargs.get("top")
    folder = folder_of(top)
    if folder is None or len(args) > 1 or kwargs.keys() - {"top"}:
        return Unknown(f"os.walk({shown(top)}) outside the scanned tree", site.file, site.line)
    listing = tree(interp.files)
    out: list[Any] = []

    def visit(at: str) -> None:
        entries = sorted(listing.get(at, {}).items())
        folders = [name for name, is_folder in entries if is_folder]
        files = [name for name, is_folder in entries if not is_folder]
        out.append((f"{ROOT}/{at}".rstrip("/"), folders, files))
        for name in folders:
            visit(f"{at}/{name}".lstrip("/"))

    if folder in listing:
        visit(folder)
    return out


@library.constructor("os.listdir")
def listdir(
    interp: Interpreter, args: list[Any], kwargs: dict[str, Any], site: Site, cls: ClassV | None
) -> Any:
    path = args[0] if args else kwargs.get("path")
    folder = folder_of(path)
    entries = None if folder is None else tree(interp.files).get(folder)
    if entries is None:
        return Unknown(f"os.listdir({shown(path)}) outside the scanned tree", site.file, site.line)
    return sorted(entries)


# ---------------------------------------------------------------- pkgutil


@dataclass(eq=False)
class FinderV:
    """The finder pkgutil yields for a folder (a `FileFinder`)."""

    folder: str


@dataclass(eq=False)
class SpecV:
    """A module spec: the scanned module in a file, under the name asked for."""

    name: str
    rt: ModuleRT


@dataclass(eq=False)
class LoaderV:
    rt: ModuleRT


class ModuleInfoV(tuple[Any, ...]):
    """`pkgutil.ModuleInfo(module_finder, name, ispkg)`: a tuple with names."""

    __slots__ = ()


@library.constructor("pkgutil.iter_modules")
def iter_modules(
    interp: Interpreter, args: list[Any], kwargs: dict[str, Any], site: Site, cls: ClassV | None
) -> Any:
    paths = args[0] if args else kwargs.get("path")
    prefix = args[1] if len(args) > 1 else kwargs.get("prefix", "")
    if not isinstance(paths, list | tuple) or not isinstance(prefix, str):
        return Unknown("pkgutil.iter_modules of runtime values", site.file, site.line)
    out: list[Any] = []
    seen: set[str] = set()
    listing = tree(interp.files)
    for path in paths:
        folder = folder_of(path)
        if folder is None:
            return Unknown(
                f"pkgutil.iter_modules of {shown(path)}, not a folder of the scanned tree",
                site.file,
                site.line,
            )
        for name, is_folder in sorted(listing.get(folder, {}).items()):
            if is_folder:  # a package: a folder with an __init__.py
                inner = listing.get(f"{folder}/{name}".lstrip("/"), {})
                if "." in name or inner.get("__init__.py") is not False:
                    continue
                module, ispkg = name, True
            else:
                module, ispkg = name.removesuffix(".py"), False
                if module == name or module == "__init__" or "." in module:
                    continue
            if prefix + module not in seen:
                seen.add(prefix + module)
                out.append(ModuleInfoV((FinderV(folder), prefix + module, ispkg)))
    return out


@library.attributes(ModuleInfoV)
def module_info_attr(interp: Interpreter, obj: Any, name: str, _site: Site) -> Any:
    fields = ("module_finder", "name", "ispkg")
    return obj[fields.index(name)] if name in fields else Unknown(f"ModuleInfo.{name}")


def _find(interp: Interpreter, folder: str, fullname: Any) -> SpecV | None:
    """The spec of module `fullname` in `folder`, as a FileFinder finds it."""
    if not isinstance(fullname, str):
        return None
    tail = fullname.rpartition(".")[2]
    base = f"{folder}/{tail}".lstrip("/")
    for rel in (f"{base}/__init__.py", f"{base}.py"):
        rt = interp.by_path.get(rel)
        if rt is not None:
            return SpecV(fullname, rt)
    return None


@library.attributes(FinderV)
def finder_attr(interp: Interpreter, obj: Any, name: str, _site: Site) -> Any:
    if name == "path":
        return f"{ROOT}/{obj.folder}".rstrip("/")
    if name not in ("find_spec", "find_module"):
        return Unknown(f"finder.{name}")

    def find(args: list[Any], kwargs: dict[str, Any], site: Site) -> Any:
        fullname = args[0] if args else kwargs.get("fullname")
        spec = _find(interp, obj.folder, fullname)
        if spec is None:
            return Unknown(
                f"{name}({shown(fullname)}): no module the scan reads there", site.file, site.line
            )
        return spec if name == "find_spec" else LoaderV(spec.rt)

    return BuiltinFn(find, f"finder.{name}")


@library.attributes(SpecV)
def spec_attr(interp: Interpreter, obj: Any, name: str, _site: Site) -> Any:
    if name == "name":
        return obj.name
    if name == "loader":
        return LoaderV(obj.rt)
    if name == "origin":
        return f"{ROOT}/{obj.rt.code.path}"
    return Unknown(f"spec.{name}")


@library.attributes(LoaderV)
def loader_attr(interp: Interpreter, obj: Any, name: str, _site: Site) -> Any:
    if name not in ("exec_module", "load_module"):
        return Unknown(f"loader.{name}")

    def run(args: list[Any], kwargs: dict[str, Any], site: Site) -> Any:
        interp.find_module(obj.rt.name)  # runs it, once, and marks it found
        return None if name == "exec_module" else ModuleV(obj.rt)

    return BuiltinFn(run, f"loader.{name}")


@library.constructor("importlib.util.find_spec")
def find_spec(
    interp: Interpreter, args: list[Any], kwargs: dict[str, Any], site: Site, cls: ClassV | None
) -> Any:
    name = args[0] if args else kwargs.get("name")
    rt = interp.modules.get(name) if isinstance(name, str) else None
    if rt is None:
        return Unknown(f"find_spec({shown(name)}) of a module the scan does not see")
    return SpecV(name, rt)  # type: ignore[arg-type]


@library.constructor("importlib.util.module_from_spec")
def module_from_spec(
    interp: Interpreter, args: list[Any], kwargs: dict[str, Any], site: Site, cls: ClassV | None
) -> Any:
    spec = args[0] if args else kwargs.get("spec")
    if not isinstance(spec, SpecV):
        return Unknown("module_from_spec of a spec the scan does not know", site.file, site.line)
    spec.rt.reached = True  # code holds it (`incremental`); its body runs at `exec_module`
    return ModuleV(spec.rt)
