"""Values of the link step's small abstract interpreter.

Python literals (str, int, float, bool, None, bytes) stand for themselves;
lists and tuples of values are Python lists and tuples; everything else is one
of the classes below. `Unknown` is what the scan could not know statically; it
carries the reason and the place, so a route that depends on it becomes a
finding instead of vanishing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from migrate.scan import ir
    from migrate.scan.interp import Env, ModuleRT


@dataclass(eq=False)
class Unknown:
    reason: str
    file: str = ""
    line: int = 0


@dataclass(eq=False)
class ExternalV:
    """Something imported from outside the scanned code, by qualified name."""

    qualname: str


@dataclass(eq=False)
class ModuleV:
    rt: ModuleRT


@dataclass(eq=False)
class FuncV:
    fdef: ir.FuncDef
    module: ModuleRT
    closure: Env | None
    defaults: dict[str, Any]
    self_obj: Any = None  # bound method receiver
    name: str = ""  # __name__ (functools.wraps changes it)
    origin: FuncV | None = None  # the user's view function a decorator wrapped
    # decorators applied (text as written, value), innermost first; not Flask's own
    decorators: tuple[tuple[str, Any], ...] = ()
    methods: Any = None  # a `view.methods = [...]` attribute
    owner: ClassV | None = None  # the class whose body defines it (for `super()`)

    @property
    def view(self) -> FuncV:
        return self.origin if self.origin is not None else self


@dataclass(eq=False)
class ClassV:
    cdef: ir.ClassDef
    module: ModuleRT
    bases: list[Any]
    attrs: dict[str, Any]


@dataclass(eq=False)
class InstanceV:
    cls: ClassV
    attrs: dict[str, Any] = field(default_factory=dict)


@dataclass(eq=False)
class ViewV:
    """`SomeView.as_view(name)`: a view function made from a class."""

    cls: Any  # ClassV | ExternalV
    name: Any
    line: int = 0


@dataclass(eq=False)
class BuiltinFn:
    """A callable the interpreter implements in Python (decorators, methods)."""

    fn: Callable[..., Any]
    label: str = ""


@dataclass(eq=False)
class SuperV:
    obj: Any
    cls: ClassV


@dataclass(eq=False)
class DictV:
    items: dict[Any, Any] = field(default_factory=dict)
    partial: bool = False  # it may hold keys the scan does not know


@dataclass(eq=False)
class SetV:
    """`set()`: its items in insertion order (CPython's order differs; the scan
    reports rules sorted)."""

    items: dict[Any, None] = field(default_factory=dict)
    partial: bool = False  # it may hold items the scan does not know, or lack some


@dataclass(frozen=True)
class Site:
    """Where an interpreted call happens: file, line, and enclosing function."""

    file: str
    line: int
    function: str = ""
    loops: tuple[tuple[str, int], ...] = ()  # (file, line) of enclosing loops the scan unrolled


def shown(value: Any) -> str:
    """A short account of a value for a message: a literal as written, else what it is.
    Never a model's repr, which spells out its lowered code (lines and all) and,
    for a Python callable, a memory address that differs from run to run."""
    if value is None or isinstance(value, str | int | float | bytes):
        text = repr(value)
        return text if len(text) <= 80 else text[:77] + "..."
    if isinstance(value, Unknown):
        return f"not known statically: {value.reason}"
    if isinstance(value, list | tuple):
        return f"a {type(value).__name__} of {len(value)}"
    if isinstance(value, FuncV):
        return f"function `{value.fdef.qualname}`"
    if isinstance(value, ClassV):
        return f"class `{value.cdef.qualname}`"
    if isinstance(value, InstanceV):
        return f"an instance of `{value.cls.cdef.qualname}`"
    if isinstance(value, ExternalV):
        return f"`{value.qualname}`"
    if isinstance(value, DictV):
        return f"a dict of {len(value.items)}"
    return "an object the scan models"
