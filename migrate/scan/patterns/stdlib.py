"""The standard library calls that decide which routes exist.

- `os.environ.get("X", default)` / `os.getenv("X", default)`: the scan reports
  the app as it runs with the variable unset, so the value is the default (or
  `None`), and an info finding names the variable. `os.environ["X"]` stays
  unknown.
- `importlib.import_module(name)`, `__import__(name, ..., fromlist)`: the
  scanned module of that name, so `import_module(f"app.{n}").bp` resolves.
- `werkzeug.utils.find_modules(package)`: the names of the scanned modules
  directly inside `package`, as werkzeug lists them at runtime.

    for name in find_modules(__name__):
        app.register_blueprint(import_module(name).bp)
"""

from __future__ import annotations

from typing import Any

from migrate.scan import library
from migrate.scan.interp import Interpreter
from migrate.scan.values import ClassV, ModuleV, Site, Unknown, shown


@library.constructor("os.environ.get", "os.getenv")
def environ_get(
    interp: Interpreter, args: list[Any], kwargs: dict[str, Any], site: Site, cls: ClassV | None
) -> Any:
    name = args[0] if args else kwargs.get("key")
    default = args[1] if len(args) > 1 else kwargs.get("default")
    if isinstance(name, str):
        interp.finding(
            "env-default",
            f"environment variable {name!r} read here; the inventory assumes it is unset "
            f"(value {shown(default)})",
            site.file,
            site.line,
            "info",
        )
    return default


@library.constructor("importlib.import_module")
def import_module(
    interp: Interpreter, args: list[Any], kwargs: dict[str, Any], site: Site, cls: ClassV | None
) -> Any:
    name = args[0] if args else kwargs.get("name")
    package = args[1] if len(args) > 1 else kwargs.get("package")
    if isinstance(name, str) and name.startswith(".") and isinstance(package, str):
        level = len(name) - len(name.lstrip("."))
        base = package.split(".")
        base = base[: len(base) - (level - 1)] if level > 1 else base
        name = ".".join([*base, name.lstrip(".")])
    rt = interp.find_module(name) if isinstance(name, str) else None
    if rt is None:
        return Unknown(
            f"import_module({shown(name)}) of a module the scan does not see", site.file, site.line
        )
    return ModuleV(rt)


@library.constructor("builtins.__import__")
def dunder_import(
    interp: Interpreter, args: list[Any], kwargs: dict[str, Any], site: Site, cls: ClassV | None
) -> Any:
    name = args[0] if args else kwargs.get("name")
    fromlist = args[3] if len(args) > 3 else kwargs.get("fromlist")
    if not isinstance(name, str):
        return Unknown("__import__ of a runtime name", site.file, site.line)
    if fromlist:
        rt = interp.find_module(name)
        return ModuleV(rt) if rt is not None else Unknown(f"module {name!r} not scanned")
    return interp.import_value(name)


@library.constructor("werkzeug.utils.find_modules", "werkzeug.find_modules")
def find_modules(
    interp: Interpreter, args: list[Any], kwargs: dict[str, Any], site: Site, cls: ClassV | None
) -> Any:
    package = args[0] if args else kwargs.get("import_path")
    include_packages = args[1] if len(args) > 1 else kwargs.get("include_packages", False)
    recursive = args[2] if len(args) > 2 else kwargs.get("recursive", False)
    if not isinstance(package, str):
        return Unknown("find_modules of a runtime package name", site.file, site.line)
    prefix = package + "."
    names = []
    for rt in interp.unique_modules:
        if not rt.name.startswith(prefix):
            continue
        rest = rt.name[len(prefix) :]
        if "." in rest and not recursive:
            continue
        if rt.code.is_package and not include_packages and not recursive:
            continue
        names.append(rt.name)
    return sorted(names)
