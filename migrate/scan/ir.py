"""A small, picklable intermediate form of one Python module.

`lower.py` turns a libcst tree into these nodes; `interp.py` evaluates them.
Only what the route inventory needs survives lowering: names, attributes,
calls, literals, string building, imports, definitions, assignments, returns,
loops and blocks. Anything else becomes `Opaque`, which evaluates to an
unknown value carrying its source line, so nothing is dropped silently.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypeAlias

from migrate.model import Fact

# --------------------------------------------------------------------- exprs


@dataclass(frozen=True, slots=True)
class Name:
    id: str


@dataclass(frozen=True, slots=True)
class Attr:
    value: Expr
    attr: str


@dataclass(frozen=True, slots=True)
class Const:
    value: Any  # str | bytes | int | float | bool | None


@dataclass(frozen=True, slots=True)
class Star:
    value: Expr
    double: bool = False


@dataclass(frozen=True, slots=True)
class Call:
    func: Expr
    args: tuple[Expr, ...]  # may hold Star(double=False)
    kwargs: tuple[tuple[str | None, Expr], ...]  # None key: **mapping
    line: int


@dataclass(frozen=True, slots=True)
class Seq:
    kind: str  # list | tuple | set
    items: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class DictE:
    items: tuple[tuple[Expr | None, Expr], ...]  # None key: **mapping


@dataclass(frozen=True, slots=True)
class BinOp:
    op: str  # "+" | "%"
    left: Expr
    right: Expr


@dataclass(frozen=True, slots=True)
class FStr:
    parts: tuple[str | Expr, ...]


@dataclass(frozen=True, slots=True)
class Subscript:
    value: Expr
    index: Expr


@dataclass(frozen=True, slots=True)
class Not:
    value: Expr


@dataclass(frozen=True, slots=True)
class BoolOp:
    op: str  # "and" | "or"
    left: Expr
    right: Expr


@dataclass(frozen=True, slots=True)
class Compare:
    op: str  # "==" | "!=" | "is" | "is not" | "in" | "not in"
    left: Expr
    right: Expr


@dataclass(frozen=True, slots=True)
class IfExp:
    test: Expr
    body: Expr
    orelse: Expr


@dataclass(frozen=True, slots=True)
class Opaque:
    text: str
    line: int


Expr: TypeAlias = (
    Name
    | Attr
    | Const
    | Star
    | Call
    | Seq
    | DictE
    | BinOp
    | FStr
    | Subscript
    | Not
    | BoolOp
    | Compare
    | IfExp
    | Opaque
)

# ---------------------------------------------------------------- statements


@dataclass(frozen=True, slots=True)
class Assign:
    targets: tuple[Expr, ...]  # Name | Attr | Subscript | Seq (unpacking)
    value: Expr
    line: int


@dataclass(frozen=True, slots=True)
class ExprStmt:
    value: Expr
    line: int


@dataclass(frozen=True, slots=True)
class Return:
    value: Expr | None
    line: int


@dataclass(frozen=True, slots=True)
class Import:
    module: str  # dotted
    asname: str | None
    line: int


@dataclass(frozen=True, slots=True)
class ImportFrom:
    module: str  # may be "" for `from . import x`
    level: int
    names: tuple[tuple[str, str | None], ...]  # ("*", None) for star imports
    line: int


@dataclass(frozen=True, slots=True)
class Param:
    name: str
    default: Expr | None
    kind: str = "normal"  # normal | star | dstar | kwonly


@dataclass(frozen=True, slots=True)
class FuncDef:
    name: str
    qualname: str
    params: tuple[Param, ...]
    decorators: tuple[Expr, ...]
    body: tuple[Stmt, ...]
    line: int
    doc: str = ""
    is_async: bool = False


@dataclass(frozen=True, slots=True)
class ClassDef:
    name: str
    qualname: str
    bases: tuple[Expr, ...]
    decorators: tuple[Expr, ...]
    body: tuple[Stmt, ...]
    line: int
    doc: str = ""


@dataclass(frozen=True, slots=True)
class For:
    target: Expr
    iter: Expr
    body: tuple[Stmt, ...]
    line: int


@dataclass(frozen=True, slots=True)
class If:
    """A branch: only the side the test selects runs when the test is known."""

    test: Expr
    body: tuple[Stmt, ...]
    orelse: tuple[Stmt, ...]
    line: int


@dataclass(frozen=True, slots=True)
class Block:
    """if/try/with/while/match bodies: every branch is taken, in order."""

    body: tuple[Stmt, ...]
    kind: str
    line: int


Stmt: TypeAlias = (
    Assign | ExprStmt | Return | Import | ImportFrom | FuncDef | ClassDef | For | If | Block
)


@dataclass(frozen=True, slots=True)
class ModuleIR:
    """Per-file facts: everything the link step needs from one file."""

    path: str  # relative POSIX path
    body: tuple[Stmt, ...]
    is_package: bool  # an __init__.py
    # detector output, keyed by function qualname ("" for module level)
    facts: dict[str, tuple[Fact, ...]] = field(default_factory=dict)
    calls: dict[str, tuple[tuple[str, int], ...]] = field(default_factory=dict)
    imports: tuple[str, ...] = ()  # every module imported, dotted (for extensions)
    # False: lowered from `ast` without the detectors (facts and calls still empty;
    # `migrate.scan.detect_file` fills them in when the readiness link needs them)
    detected: bool = True
