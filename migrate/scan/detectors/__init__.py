"""Detectors: what each function does that matters for the move.

One module per concern (`request_data`, `responses`, ...), each a small
`libcst.BatchableCSTVisitor` subclass of `Detector`, found automatically: a
module in this package that defines a `Detector` subclass is a detector, and
its module name is its name. All detectors of a file run in one
`libcst.visit_batched` pass beside `_Tracker`, which keeps the shared
`Context`: the enclosing function's qualname, the current statement's line,
the import aliases, and the calls each function makes (so the link step can
follow helpers).

A detector reads syntax and calls `self.ctx.emit(...)`; it never decides what
a fact costs (that is `migrate.readiness`).
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

import libcst as cst

from migrate.model import Fact

_EMPTY = cst.Module(body=[])


@dataclass
class Context:
    file: str
    lines: dict[int, int]
    line: int = 0
    scope: list[str] = field(default_factory=list)  # qualname parts; "<locals>" after a def
    functions: list[str] = field(default_factory=list)  # stack of enclosing function qualnames
    aliases: dict[str, str] = field(default_factory=dict)  # local name -> dotted import target
    facts: dict[str, list[Fact]] = field(default_factory=dict)
    calls: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    imports: set[str] = field(default_factory=set)

    @property
    def function(self) -> str:
        return self.functions[-1] if self.functions else ""

    def emit(self, kind: str, name: str, detail: str, **data: Any) -> None:
        fact = Fact(
            kind, name, detail, self.file, self.line, tuple(sorted(data.items())), (), self.function
        )
        self.facts.setdefault(self.function, []).append(fact)

    def dotted(self, node: cst.BaseExpression) -> str | None:
        """`request.args.get` -> "flask.request.args.get" through the imports."""
        parts: list[str] = []
        while isinstance(node, cst.Attribute):
            parts.append(node.attr.value)
            node = node.value
        if not isinstance(node, cst.Name):
            return None
        head = self.aliases.get(node.value, node.value)
        return ".".join([head, *reversed(parts)])

    @staticmethod
    def code(node: cst.CSTNode, limit: int = 60) -> str:
        text = " ".join(_EMPTY.code_for_node(node).split())
        return text if len(text) <= limit else text[: limit - 3] + "..."


def literal(node: cst.BaseExpression | None) -> Any:
    """The value of a literal expression, or `...` when it is not one."""
    if node is None:
        return ...
    if isinstance(node, cst.SimpleString | cst.ConcatenatedString):
        value = node.evaluated_value
        return value if value is not None else ...
    if isinstance(node, cst.Integer | cst.Float):
        return node.evaluated_value
    if isinstance(node, cst.Name) and node.value in ("True", "False", "None"):
        return {"True": True, "False": False, "None": None}[node.value]
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Minus):
        inner = literal(node.expression)
        return -inner if isinstance(inner, int | float) else ...
    if isinstance(node, cst.List | cst.Tuple):
        items = [literal(e.value) for e in node.elements]
        return (
            ... if ... in items else (list(items) if isinstance(node, cst.List) else tuple(items))
        )
    if isinstance(node, cst.Dict) and not node.elements:
        return {}
    return ...


_VISITOR_NAMES: dict[type, tuple[str, ...]] = {}


def _visitor_methods(visitor: cst.BatchableCSTVisitor) -> dict[str, Any]:
    """`BatchableCSTVisitor.get_visitors`, with the member scan done once per class
    (libcst runs `inspect.getmembers` on every instance: a third of the detector pass)."""
    kind = type(visitor)
    names = _VISITOR_NAMES.get(kind)
    if names is None:
        names = tuple(
            name
            for name in dir(kind)
            if name.startswith(("visit_", "leave_"))
            and callable(getattr(kind, name))
            and not getattr(getattr(kind, name), "_is_no_op", False)
        )
        _VISITOR_NAMES[kind] = names
    return {name: getattr(visitor, name) for name in names}


class Detector(cst.BatchableCSTVisitor):
    """Base of every detector; `name` is the module name it is defined in."""

    registry: ClassVar[list[type[Detector]]] = []

    def __init__(self, ctx: Context) -> None:
        super().__init__()
        self.ctx = ctx

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        Detector.registry.append(cls)

    @classmethod
    def detector_name(cls) -> str:
        return cls.__module__.rsplit(".", 1)[-1]

    def get_visitors(self) -> Mapping[str, Any]:
        return _visitor_methods(self)


class _Tracker(cst.BatchableCSTVisitor):
    """Keeps `Context` current; runs first in the batch."""

    def __init__(self, ctx: Context) -> None:
        super().__init__()
        self.ctx = ctx

    def get_visitors(self) -> Mapping[str, Any]:
        return _visitor_methods(self)

    def _statement(self, node: cst.CSTNode) -> None:
        line = self.ctx.lines.get(id(node))
        if line is not None:
            self.ctx.line = line

    def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> None:
        self._statement(node)

    def visit_Expr(self, node: cst.Expr) -> None:
        self._statement(node)

    def visit_Assign(self, node: cst.Assign) -> None:
        self._statement(node)

    def visit_Return(self, node: cst.Return) -> None:
        self._statement(node)

    def visit_If(self, node: cst.If) -> None:
        self._statement(node)

    def visit_For(self, node: cst.For) -> None:
        self._statement(node)

    def visit_With(self, node: cst.With) -> None:
        self._statement(node)

    def visit_Decorator(self, node: cst.Decorator) -> None:
        self._statement(node)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._statement(node)
        qualname = ".".join([*self.ctx.scope, node.name.value])
        self.ctx.functions.append(qualname)
        self.ctx.scope.extend([node.name.value, "<locals>"])

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self.ctx.functions.pop()
        del self.ctx.scope[-2:]

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self._statement(node)
        self.ctx.scope.append(node.name.value)

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self.ctx.scope.pop()

    def visit_Import(self, node: cst.Import) -> None:
        for alias in node.names:
            dotted = _EMPTY.code_for_node(alias.name)
            self.ctx.imports.add(dotted)
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                self.ctx.aliases[alias.asname.name.value] = dotted
            else:
                head = dotted.split(".", 1)[0]
                self.ctx.aliases.setdefault(head, head)

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        if node.module is None or node.relative or isinstance(node.names, cst.ImportStar):
            return
        module = _EMPTY.code_for_node(node.module)
        self.ctx.imports.add(module)
        for alias in node.names:
            name = _EMPTY.code_for_node(alias.name)
            local = name
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                local = alias.asname.name.value
            self.ctx.aliases[local] = f"{module}.{name}"

    def visit_Call(self, node: cst.Call) -> None:
        if not self.ctx.functions:
            return
        func = node.func
        parts: list[str] = []
        while isinstance(func, cst.Attribute):
            parts.append(func.attr.value)
            func = func.value
        if isinstance(func, cst.Name):
            name = ".".join([func.value, *reversed(parts)])
            self.ctx.calls.setdefault(self.ctx.function, []).append((name, self.ctx.line))


def load() -> list[type[Detector]]:
    for info in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{info.name}")
    return list(Detector.registry)


def collect(
    module: cst.Module, path: str, lines: dict[int, int], select: frozenset[str] | None = None
) -> tuple[dict[str, tuple[Fact, ...]], dict[str, tuple[tuple[str, int], ...]], tuple[str, ...]]:
    """Run every detector (or those in `select`) over one module in one pass."""
    ctx = Context(path, lines)
    visitors: list[cst.BatchableCSTVisitor] = [_Tracker(ctx)]
    for detector in load():
        if select is None or detector.detector_name() in select:
            visitors.append(detector(ctx))
    cst.visit_batched(module, visitors)
    facts = {k: tuple(v) for k, v in ctx.facts.items()}
    calls = {k: tuple(v) for k, v in ctx.calls.items()}
    return facts, calls, tuple(sorted(ctx.imports))
