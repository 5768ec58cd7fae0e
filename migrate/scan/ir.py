"""A small, picklable intermediate form of one Python module.

`lower.py` turns a libcst tree into these nodes; `interp.py` evaluates them.
Only what the route inventory needs survives lowering: names, attributes,
calls, literals, string building, slices, imports, definitions, assignments,
returns, loops, `break` and `continue`, and blocks. Anything else becomes
`Opaque`, which evaluates to an unknown value carrying its source line, so
nothing is dropped silently.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypeAlias, TypeVar, dataclass_transform

from migrate.model import Fact

_N = TypeVar("_N")


@dataclass_transform(frozen_default=True, field_specifiers=(field,))
def node(cls: type[_N]) -> type[_N]:
    """A frozen, slotted dataclass to the type checker, with a plain `__init__` at
    run time: a frozen one calls `object.__setattr__` per field, and lowering a
    file or loading its cached form builds every node (3.5x slower per node; a
    warm re-link loads about 40% faster). Equality and hashing are by value, as
    with `frozen=True`; mypy rejects any assignment to a field."""
    return dataclass(slots=True, unsafe_hash=True)(cls)


# --------------------------------------------------------------------- exprs


@node
class Name:
    id: str


@node
class Attr:
    value: Expr
    attr: str


@node
class Const:
    value: Any  # str | bytes | int | float | bool | None


@node
class Star:
    value: Expr
    double: bool = False


@node
class Call:
    func: Expr
    args: tuple[Expr, ...]  # may hold Star(double=False)
    kwargs: tuple[tuple[str | None, Expr], ...]  # None key: **mapping
    line: int


@node
class Seq:
    kind: str  # list | tuple | set
    items: tuple[Expr, ...]


@node
class DictE:
    items: tuple[tuple[Expr | None, Expr], ...]  # None key: **mapping


@node
class BinOp:
    op: str  # "+" | "%"
    left: Expr
    right: Expr


@node
class FStr:
    parts: tuple[str | Expr, ...]


@node
class Subscript:
    value: Expr
    index: Expr


@node
class Slice:
    """The index of `a[lower:upper:step]` (`Subscript.index`); None where left out."""

    lower: Expr | None
    upper: Expr | None
    step: Expr | None


@node
class Not:
    value: Expr


@node
class BoolOp:
    op: str  # "and" | "or"
    left: Expr
    right: Expr


@node
class Compare:
    op: str  # "==" | "!=" | "is" | "is not" | "in" | "not in"
    left: Expr
    right: Expr


@node
class IfExp:
    test: Expr
    body: Expr
    orelse: Expr


@node
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
    | Slice
    | Not
    | BoolOp
    | Compare
    | IfExp
    | Opaque
)

# ---------------------------------------------------------------- statements


@node
class Assign:
    targets: tuple[Expr, ...]  # Name | Attr | Subscript | Seq (unpacking)
    value: Expr
    line: int


@node
class ExprStmt:
    value: Expr
    line: int


@node
class Return:
    value: Expr | None
    line: int


@node
class Import:
    module: str  # dotted
    asname: str | None
    line: int


@node
class ImportFrom:
    module: str  # may be "" for `from . import x`
    level: int
    names: tuple[tuple[str, str | None], ...]  # ("*", None) for star imports
    line: int


@node
class Param:
    name: str
    default: Expr | None
    kind: str = "normal"  # normal | star | dstar | kwonly


@node
class FuncDef:
    name: str
    qualname: str
    params: tuple[Param, ...]
    decorators: tuple[Expr, ...]
    body: tuple[Stmt, ...]
    line: int
    doc: str = ""
    is_async: bool = False


@node
class ClassDef:
    name: str
    qualname: str
    bases: tuple[Expr, ...]
    decorators: tuple[Expr, ...]
    body: tuple[Stmt, ...]
    line: int
    doc: str = ""


@node
class For:
    target: Expr
    iter: Expr
    body: tuple[Stmt, ...]
    line: int


@node
class If:
    """A branch: only the side the test selects runs when the test is known."""

    test: Expr
    body: tuple[Stmt, ...]
    orelse: tuple[Stmt, ...]
    line: int


@node
class Block:
    """if/try/with/while/match bodies: every branch is taken, in order."""

    body: tuple[Stmt, ...]
    kind: str
    line: int


@node
class Jump:
    """`break` or `continue`."""

    kind: str  # "break" | "continue"
    line: int


Stmt: TypeAlias = (
    Assign | ExprStmt | Return | Import | ImportFrom | FuncDef | ClassDef | For | If | Block | Jump
)


@node
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
    # detector output only: the bytes detected, whose layout (`layout.py`) a re-scan
    # compares with the new bytes' (computed then: on a cold scan it cost as much
    # as a third of the detectors)
    source: bytes | None = None
