"""What the interpreter knows about code it does not scan (Flask and friends).

Pattern modules in `migrate.scan.patterns` register here on import:
constructors by qualified name (`flask.Flask`), attribute providers per object
type (`app.route`), aliases (`flask.app.Flask` is `flask.Flask`) and class
ancestry (`flask_restful.Resource` is a `flask.views.MethodView`). Adding a
library is one module in `patterns/` and its tests; nothing here changes.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from migrate.scan.interp import Interpreter
    from migrate.scan.values import ClassV, Site

Constructor = Callable[["Interpreter", list[Any], dict[str, Any], "Site", "ClassV | None"], Any]
AttrProvider = Callable[["Interpreter", Any, str, "Site"], Any]

CONSTRUCTORS: dict[str, Constructor] = {}
ATTRIBUTES: dict[type, AttrProvider] = {}
ALIASES: dict[str, str] = {}
ANCESTORS: dict[str, str] = {}
CONSTANTS: dict[str, Any] = {}  # library attributes that are plain values (`os.sep`)
# run after every module and entry point, before rules are resolved
BEFORE_RESOLVE: list[Callable[[Interpreter], None]] = []


def constructor(*qualnames: str) -> Callable[[Constructor], Constructor]:
    def register(fn: Constructor) -> Constructor:
        for name in qualnames:
            CONSTRUCTORS[name] = fn
        return fn

    return register


def attributes(kind: type) -> Callable[[AttrProvider], AttrProvider]:
    def register(fn: AttrProvider) -> AttrProvider:
        ATTRIBUTES[kind] = fn
        return fn

    return register


def canonical(qualname: str) -> str:
    for _ in range(8):
        if qualname in ALIASES:
            qualname = ALIASES[qualname]
            continue
        head, _, tail = qualname.rpartition(".")
        while head:
            if head in ALIASES:
                return canonical(f"{ALIASES[head]}.{qualname[len(head) + 1 :]}")
            head = head.rpartition(".")[0]
        break
    return qualname


def lineage(qualname: str) -> list[str]:
    """A qualified external class name and the known ancestors after it."""
    out = [canonical(qualname)]
    while out[-1] in ANCESTORS and len(out) < 16:
        out.append(ANCESTORS[out[-1]])
    return out


def before_resolve(fn: Callable[[Interpreter], None]) -> Callable[[Interpreter], None]:
    if fn not in BEFORE_RESOLVE:
        BEFORE_RESOLVE.append(fn)
    return fn


def load_patterns() -> None:
    from migrate.scan import patterns

    for info in pkgutil.iter_modules(patterns.__path__):
        importlib.import_module(f"{patterns.__name__}.{info.name}")
