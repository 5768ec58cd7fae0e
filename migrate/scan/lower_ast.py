"""Lower one module into the `ir` form from CPython's `ast`: the scan's cheap tier.

The link step (`interp.py`) reads only the `ir` form, so it does not matter
which parser produced it. CPython's parser builds its tree in C, several
times faster than libcst builds its concrete tree in Python objects, so every
file the link step reads is lowered from `ast` here. libcst still parses the
files whose functions the readiness facts come from (`detect_file` in
`migrate.scan`): the views, hooks, decorators and helpers of the routes found.

This module mirrors `lower.py` rule for rule, down to which line a call gets
(its statement's or decorator's) and when an expression is opaque; the test
`tests/scan/test_lower_ast.py` holds the two to the same output on every
fixture and on real code. Where the two trees differ in shape, the libcst
reading is kept: `a[1, 2]` is opaque (two subscript elements) while
`a[(1, 2)]` is a subscript by a tuple, and implicitly concatenated f-strings,
which `ast` merges into one, are the only known difference (same value, other
`ir` shape).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Sequence

from migrate.scan import ir

_NEWLINE = re.compile(rb"\r\n|\r|\n")
_CONSTANTS = (str, bytes, int, float)
_COMPARE_OPS: dict[type, str] = {
    ast.Eq: "==",
    ast.NotEq: "!=",
    ast.Is: "is",
    ast.IsNot: "is not",
    ast.In: "in",
    ast.NotIn: "not in",
}
_TRY = (ast.Try, getattr(ast, "TryStar", ast.Try))


class _Lowerer:
    def __init__(self, source: bytes) -> None:
        self.source = source
        self._lines: list[bytes] | None = None
        self.current = 0  # line of the statement (or decorator) being lowered

    def opaque(self, node: ast.expr) -> ir.Opaque:
        text = " ".join(self.segment(node).split())
        if len(text) > 80:
            text = text[:77] + "..."
        return ir.Opaque(text, self.current)

    def segment(self, node: ast.expr) -> str:
        """The node's source text (`ast.get_source_segment`, without re-splitting)."""
        if self._lines is None:
            self._lines = _NEWLINE.split(self.source)
        end_line, end_col = node.end_lineno, node.end_col_offset
        if end_line is None or end_col is None:
            return ""
        first, last = node.lineno - 1, end_line - 1
        if first == last:
            raw = self._lines[first][node.col_offset : end_col]
        else:
            parts = [self._lines[first][node.col_offset :], *self._lines[first + 1 : last]]
            raw = b"\n".join([*parts, self._lines[last][:end_col]])
        return raw.decode("utf-8", "replace")

    # ---------------------------------------------------------- expressions

    def expr(self, node: ast.expr) -> ir.Expr:
        kind = type(node)
        if kind is ast.Name:
            return ir.Name(node.id)  # type: ignore[attr-defined]
        if kind is ast.Attribute:
            return ir.Attr(self.expr(node.value), node.attr)  # type: ignore[attr-defined]
        if kind is ast.Call:
            return self.call(node)  # type: ignore[arg-type]
        if kind is ast.Constant:
            value = node.value  # type: ignore[attr-defined]
            if value is None or value is True or value is False:
                return ir.Const(value)
            if type(value) in _CONSTANTS:
                return ir.Const(value)
            return self.opaque(node)  # `...`, complex numbers
        if kind is ast.JoinedStr:
            return self.fstring(node)  # type: ignore[arg-type]
        if kind in (ast.List, ast.Tuple, ast.Set):
            name = {ast.List: "list", ast.Tuple: "tuple", ast.Set: "set"}[kind]
            return ir.Seq(name, tuple(self.element(e) for e in node.elts))  # type: ignore[attr-defined]
        if kind is ast.Dict:
            return self.dict(node)  # type: ignore[arg-type]
        if kind is ast.BinOp:
            op = type(node.op)  # type: ignore[attr-defined]
            if op is ast.Add or op is ast.Mod:
                symbol = "+" if op is ast.Add else "%"
                return ir.BinOp(symbol, self.expr(node.left), self.expr(node.right))  # type: ignore[attr-defined]
        if kind is ast.Subscript:
            index = node.slice  # type: ignore[attr-defined]
            if isinstance(index, ast.Slice):
                bounds = (index.lower, index.upper, index.step)
                parts = [None if b is None else self.expr(b) for b in bounds]
                return ir.Subscript(self.expr(node.value), ir.Slice(*parts))  # type: ignore[attr-defined]
            if not self._bare_tuple(index):
                return ir.Subscript(self.expr(node.value), self.expr(index))  # type: ignore[attr-defined]
        if kind is ast.UnaryOp:
            op = type(node.op)  # type: ignore[attr-defined]
            operand = node.operand  # type: ignore[attr-defined]
            if op is ast.Not:
                return ir.Not(self.expr(operand))
            if op is ast.USub and type(operand) is ast.Constant:
                number = operand.value
                if type(number) is int or type(number) is float:
                    return ir.Const(-number)
        if kind is ast.BoolOp:
            return self.boolop(node)  # type: ignore[arg-type]
        if kind is ast.IfExp:
            return ir.IfExp(self.expr(node.test), self.expr(node.body), self.expr(node.orelse))  # type: ignore[attr-defined]
        if kind is ast.Compare and len(node.ops) == 1:  # type: ignore[attr-defined]
            compare_op = _COMPARE_OPS.get(type(node.ops[0]))  # type: ignore[attr-defined]
            if compare_op is not None:
                return ir.Compare(compare_op, self.expr(node.left), self.expr(node.comparators[0]))  # type: ignore[attr-defined]
        return self.opaque(node)

    def _bare_tuple(self, index: ast.expr) -> bool:
        """`a[1, 2]` (libcst: two elements, opaque) rather than `a[(1, 2)]`."""
        if not isinstance(index, ast.Tuple):
            return False
        return not self.segment(index).startswith("(")

    def boolop(self, node: ast.BoolOp) -> ir.Expr:
        # libcst nests `a and b and c` as ((a and b) and c)
        op = "and" if isinstance(node.op, ast.And) else "or"
        result = self.expr(node.values[0])
        for value in node.values[1:]:
            result = ir.BoolOp(op, result, self.expr(value))
        return result

    def element(self, node: ast.expr) -> ir.Expr:
        if isinstance(node, ast.Starred):
            return ir.Star(self.expr(node.value))
        return self.expr(node)

    def dict(self, node: ast.Dict) -> ir.Expr:
        items: list[tuple[ir.Expr | None, ir.Expr]] = []
        for key, value in zip(node.keys, node.values, strict=True):
            items.append((self.expr(key) if key is not None else None, self.expr(value)))
        return ir.DictE(tuple(items))

    def fstring(self, node: ast.JoinedStr) -> ir.Expr:
        parts: list[str | ir.Expr] = []
        for part in node.values:
            if isinstance(part, ast.Constant) and isinstance(part.value, str):
                parts.append(part.value)
            elif (
                isinstance(part, ast.FormattedValue)
                and part.conversion == -1
                and part.format_spec is None
            ):
                parts.append(self.expr(part.value))
            else:
                return self.opaque(node)
        return ir.FStr(tuple(parts))

    def call(self, node: ast.Call) -> ir.Call:
        line = self.current
        args: list[ir.Expr] = []
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                args.append(ir.Star(self.expr(arg.value)))
            else:
                args.append(self.expr(arg))
        kwargs = [(k.arg, self.expr(k.value)) for k in node.keywords]
        return ir.Call(self.expr(node.func), tuple(args), tuple(kwargs), line)

    def target(self, node: ast.expr) -> ir.Expr:
        if isinstance(node, ast.Tuple | ast.List):
            return ir.Seq("tuple", tuple(self.target(e) for e in node.elts))
        if isinstance(node, ast.Starred):
            return ir.Star(self.target(node.value))
        return self.expr(node)

    # ----------------------------------------------------------- statements

    def block(self, body: Sequence[ast.stmt], scope: str) -> tuple[ir.Stmt, ...]:
        out: list[ir.Stmt] = []
        for statement in body:
            out.extend(self.stmt(statement, scope))
        return tuple(out)

    def stmt(self, node: ast.stmt, scope: str) -> list[ir.Stmt]:
        line = self.current = node.lineno
        kind = type(node)
        if kind is ast.Assign:
            targets = tuple(self.target(t) for t in node.targets)  # type: ignore[attr-defined]
            return [ir.Assign(targets, self.expr(node.value), line)]  # type: ignore[attr-defined]
        if kind is ast.Expr:
            return [ir.ExprStmt(self.expr(node.value), line)]  # type: ignore[attr-defined]
        if kind is ast.FunctionDef or kind is ast.AsyncFunctionDef:
            return [self.funcdef(node, scope)]  # type: ignore[arg-type]
        if kind is ast.Return:
            value = node.value  # type: ignore[attr-defined]
            return [ir.Return(self.expr(value) if value is not None else None, line)]
        if kind is ast.Break or kind is ast.Continue:
            return [ir.Jump("break" if kind is ast.Break else "continue", line)]
        if kind is ast.ImportFrom:
            names = tuple((a.name, a.asname) for a in node.names)  # type: ignore[attr-defined]
            module = node.module or ""  # type: ignore[attr-defined]
            return [ir.ImportFrom(module, node.level, names, line)]  # type: ignore[attr-defined]
        if kind is ast.Import:
            return [ir.Import(a.name, a.asname, line) for a in node.names]  # type: ignore[attr-defined]
        if kind is ast.ClassDef:
            return [self.classdef(node, scope)]  # type: ignore[arg-type]
        if kind is ast.If:
            test = self.expr(node.test)  # type: ignore[attr-defined]
            body = self.block(node.body, scope)  # type: ignore[attr-defined]
            orelse = self.block(node.orelse, scope)  # type: ignore[attr-defined]
            return [ir.If(test, body, orelse, line)]
        if kind is ast.AnnAssign:
            if node.value is None:  # type: ignore[attr-defined]
                return []
            return [ir.Assign((self.target(node.target),), self.expr(node.value), line)]  # type: ignore[attr-defined]
        if kind is ast.AugAssign:
            target = self.target(node.target)  # type: ignore[attr-defined]
            if isinstance(node.op, ast.Add):  # type: ignore[attr-defined]
                value = self.expr(node.value)  # type: ignore[attr-defined]
                return [ir.Assign((target,), ir.BinOp("+", target, value), line)]
            return [ir.Assign((target,), self.opaque(node.value), line)]  # type: ignore[attr-defined]
        if kind is ast.For or kind is ast.AsyncFor:
            target, items = self.target(node.target), self.expr(node.iter)  # type: ignore[attr-defined]
            body = self.block(node.body, scope)  # type: ignore[attr-defined]
            loop_else = self.block(node.orelse, scope)  # type: ignore[attr-defined]
            return [ir.For(target, items, body, line), *loop_else]
        if kind in _TRY:
            parts = list(self.block(node.body, scope))  # type: ignore[attr-defined]
            for handler in node.handlers:  # type: ignore[attr-defined]
                parts.extend(self.block(handler.body, scope))
            parts.extend(self.block(node.orelse, scope))  # type: ignore[attr-defined]
            parts.extend(self.block(node.finalbody, scope))  # type: ignore[attr-defined]
            return [ir.Block(tuple(parts), "try", line)]
        if kind is ast.With or kind is ast.AsyncWith:
            binds: list[ir.Stmt] = []
            for item in node.items:  # type: ignore[attr-defined]
                if item.optional_vars is not None:
                    target = self.target(item.optional_vars)
                    binds.append(ir.Assign((target,), self.opaque(item.context_expr), line))
                else:
                    binds.append(ir.ExprStmt(self.expr(item.context_expr), line))
            return [ir.Block((*binds, *self.block(node.body, scope)), "with", line)]  # type: ignore[attr-defined]
        if kind is ast.While:
            return [ir.Block(self.block(node.body, scope), "while", line)]  # type: ignore[attr-defined]
        if kind is ast.Match:
            parts = []
            for case in node.cases:  # type: ignore[attr-defined]
                parts.extend(self.block(case.body, scope))
            return [ir.Block(tuple(parts), "match", line)]
        return []

    def classdef(self, node: ast.ClassDef, scope: str) -> ir.ClassDef:
        line = node.lineno
        qualname = f"{scope}.{node.name}" if scope else node.name
        bases = tuple(self.expr(b.value if isinstance(b, ast.Starred) else b) for b in node.bases)
        decorators = self.decorators(node.decorator_list)
        return ir.ClassDef(
            node.name,
            qualname,
            bases,
            decorators,
            self.block(node.body, qualname),
            line,
            _docstring(node),
        )

    def funcdef(self, node: ast.FunctionDef | ast.AsyncFunctionDef, scope: str) -> ir.FuncDef:
        line = node.lineno
        qualname = f"{scope}.{node.name}" if scope else node.name
        a = node.args
        positional = [*a.posonlyargs, *a.args]
        defaults: list[ast.expr | None] = [None] * (len(positional) - len(a.defaults))
        defaults += a.defaults
        params: list[ir.Param] = []
        for arg, default in zip(positional, defaults, strict=True):
            params.append(ir.Param(arg.arg, self.expr(default) if default is not None else None))
        if a.vararg is not None:
            params.append(ir.Param(a.vararg.arg, None, "star"))
        for arg, kw_default in zip(a.kwonlyargs, a.kw_defaults, strict=True):
            value = self.expr(kw_default) if kw_default is not None else None
            params.append(ir.Param(arg.arg, value, "kwonly"))
        if a.kwarg is not None:
            params.append(ir.Param(a.kwarg.arg, None, "dstar"))
        decorators = self.decorators(node.decorator_list)
        return ir.FuncDef(
            node.name,
            qualname,
            tuple(params),
            decorators,
            self.block(node.body, f"{qualname}.<locals>"),
            line,
            _docstring(node),
            isinstance(node, ast.AsyncFunctionDef),
        )

    def decorators(self, nodes: list[ast.expr]) -> tuple[ir.Expr, ...]:
        out = []
        for node in nodes:
            self.current = node.lineno
            out.append(self.expr(node))
        return tuple(out)


def _docstring(node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> str:
    try:
        return ast.get_docstring(node) or ""
    except Exception:  # an odd docstring literal must not cost the file
        return ""


def lower_tree(tree: ast.Module, source: bytes, path: str, is_package: bool) -> ir.ModuleIR:
    body = _Lowerer(source).block(tree.body, "")
    return ir.ModuleIR(path, body, is_package, imports=imported_modules(body), detected=False)


def imported_modules(body: tuple[ir.Stmt, ...]) -> tuple[str, ...]:
    """Every module an absolute import names, dotted and sorted (what the detectors'
    tracker records), from the lowered statements at any depth."""
    found: set[str] = set()
    stack = list(body)
    while stack:
        stmt = stack.pop()
        if isinstance(stmt, ir.Import):
            found.add(stmt.module)
        elif isinstance(stmt, ir.ImportFrom):
            if stmt.module and not stmt.level and stmt.names != (("*", None),):
                found.add(stmt.module)
        elif isinstance(stmt, ir.If):
            stack.extend(stmt.body)
            stack.extend(stmt.orelse)
        elif isinstance(stmt, ir.Block | ir.For | ir.FuncDef | ir.ClassDef):
            stack.extend(stmt.body)
    return tuple(sorted(found))
