"""Lower one libcst module into the `ir` form.

This is the only place that looks at a syntax tree. It keeps every statement
that can bind a name, define a function or class, import, call, loop or return;
it flattens if/try/with/while/match into blocks whose branches are all taken
(the scan cannot know a runtime condition, and a route registered under a
condition is still a route the app may serve).
"""

from __future__ import annotations

import ast
from collections.abc import Mapping, Sequence

import libcst as cst
from libcst.metadata import CodeRange, MetadataWrapper, PositionProvider

from migrate.scan import ir

_EMPTY = cst.Module(body=[])


_COMPARE_OPS: dict[type, str] = {
    cst.Equal: "==",
    cst.NotEqual: "!=",
    cst.Is: "is",
    cst.IsNot: "is not",
    cst.In: "in",
    cst.NotIn: "not in",
}


class _Lowerer:
    def __init__(self, lines: dict[int, int]) -> None:
        self.lines = lines  # id(node) -> line, for statements and decorators
        self.current = 0  # line of the statement being lowered

    def line(self, node: cst.CSTNode) -> int:
        line = self.lines.get(id(node))
        if line is not None:
            self.current = line
            return line
        return self.current

    def opaque(self, node: cst.CSTNode) -> ir.Opaque:
        text = _EMPTY.code_for_node(node)
        if len(text) > 80:
            text = text[:77] + "..."
        return ir.Opaque(" ".join(text.split()), self.line(node))

    # ---------------------------------------------------------- expressions

    def expr(self, node: cst.BaseExpression) -> ir.Expr:
        if isinstance(node, cst.Name):
            if node.value in ("True", "False", "None"):
                return ir.Const({"True": True, "False": False, "None": None}[node.value])
            return ir.Name(node.value)
        if isinstance(node, cst.Attribute):
            return ir.Attr(self.expr(node.value), node.attr.value)
        if isinstance(node, cst.Call):
            return self.call(node)
        if isinstance(node, cst.SimpleString):
            return ir.Const(node.evaluated_value)
        if isinstance(node, cst.ConcatenatedString):
            value = node.evaluated_value
            if value is not None:
                return ir.Const(value)
            return ir.BinOp("+", self.expr(node.left), self.expr(node.right))
        if isinstance(node, cst.FormattedString):
            return self.fstring(node)
        if isinstance(node, cst.Integer | cst.Float):
            return ir.Const(node.evaluated_value)
        if isinstance(node, cst.List | cst.Tuple | cst.Set):
            kind = {cst.List: "list", cst.Tuple: "tuple", cst.Set: "set"}[type(node)]
            return ir.Seq(kind, tuple(self.element(e) for e in node.elements))
        if isinstance(node, cst.Dict):
            return self.dict(node)
        if isinstance(node, cst.BinaryOperation):
            if isinstance(node.operator, cst.Add):
                return ir.BinOp("+", self.expr(node.left), self.expr(node.right))
            if isinstance(node.operator, cst.Modulo):
                return ir.BinOp("%", self.expr(node.left), self.expr(node.right))
        if (
            isinstance(node, cst.Subscript)
            and len(node.slice) == 1
            and isinstance(node.slice[0].comma, cst.MaybeSentinel)  # `a[1,]` is a tuple index
        ):
            index = node.slice[0].slice
            if isinstance(index, cst.Index):
                return ir.Subscript(self.expr(node.value), self.expr(index.value))
            if isinstance(index, cst.Slice):
                bounds = (index.lower, index.upper, index.step)
                parts = [None if b is None else self.expr(b) for b in bounds]
                return ir.Subscript(self.expr(node.value), ir.Slice(*parts))
        if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Not):
            return ir.Not(self.expr(node.expression))
        if isinstance(node, cst.BooleanOperation):
            bool_op = "and" if isinstance(node.operator, cst.And) else "or"
            return ir.BoolOp(bool_op, self.expr(node.left), self.expr(node.right))
        if isinstance(node, cst.IfExp):
            return ir.IfExp(self.expr(node.test), self.expr(node.body), self.expr(node.orelse))
        if isinstance(node, cst.Comparison) and len(node.comparisons) == 1:
            target = node.comparisons[0]
            compare_op = _COMPARE_OPS.get(type(target.operator))
            if compare_op is not None:
                return ir.Compare(compare_op, self.expr(node.left), self.expr(target.comparator))
        if (
            isinstance(node, cst.UnaryOperation)
            and isinstance(node.operator, cst.Minus)
            and isinstance(node.expression, cst.Integer | cst.Float)
        ):
            return ir.Const(-node.expression.evaluated_value)
        return self.opaque(node)

    def element(self, node: cst.BaseElement) -> ir.Expr:
        if isinstance(node, cst.StarredElement):
            return ir.Star(self.expr(node.value))
        return self.expr(node.value)

    def dict(self, node: cst.Dict) -> ir.Expr:
        items: list[tuple[ir.Expr | None, ir.Expr]] = []
        for element in node.elements:
            if isinstance(element, cst.DictElement):
                items.append((self.expr(element.key), self.expr(element.value)))
            else:
                items.append((None, self.expr(element.value)))
        return ir.DictE(tuple(items))

    def fstring(self, node: cst.FormattedString) -> ir.Expr:
        parts: list[str | ir.Expr] = []
        for part in node.parts:
            if isinstance(part, cst.FormattedStringText):
                parts.append(part.value.replace("{{", "{").replace("}}", "}"))
            elif not isinstance(part, cst.FormattedStringExpression) or (
                part.format_spec or part.conversion
            ):
                return self.opaque(node)
            else:
                parts.append(self.expr(part.expression))
        return ir.FStr(tuple(parts))

    def call(self, node: cst.Call) -> ir.Call:
        args: list[ir.Expr] = []
        kwargs: list[tuple[str | None, ir.Expr]] = []
        for arg in node.args:
            value = self.expr(arg.value)
            if arg.keyword is not None:
                kwargs.append((arg.keyword.value, value))
            elif arg.star == "**":
                kwargs.append((None, value))
            elif arg.star == "*":
                args.append(ir.Star(value))
            else:
                args.append(value)
        return ir.Call(self.expr(node.func), tuple(args), tuple(kwargs), self.line(node))

    def target(self, node: cst.BaseExpression) -> ir.Expr:
        if isinstance(node, cst.Tuple | cst.List):
            return ir.Seq("tuple", tuple(self.target(e.value) for e in node.elements))
        if isinstance(node, cst.StarredElement):
            return ir.Star(self.target(node.value))
        return self.expr(node)

    # ----------------------------------------------------------- statements

    def block(self, body: Sequence[cst.CSTNode] | cst.BaseSuite, scope: str) -> tuple[ir.Stmt, ...]:
        if isinstance(body, cst.IndentedBlock):
            statements: Sequence[cst.CSTNode] = body.body
        elif isinstance(body, cst.SimpleStatementSuite):
            statements = body.body
        elif isinstance(body, cst.BaseSuite):
            statements = ()
        else:
            statements = body
        out: list[ir.Stmt] = []
        for statement in statements:
            out.extend(self.stmt(statement, scope))
        return tuple(out)

    def stmt(self, node: cst.CSTNode, scope: str) -> list[ir.Stmt]:
        line = self.line(node)
        if isinstance(node, cst.SimpleStatementLine):
            out: list[ir.Stmt] = []
            for small in node.body:
                out.extend(self.small(small, line))
            return out
        if isinstance(node, cst.BaseSmallStatement):
            return self.small(node, line)
        if isinstance(node, cst.FunctionDef):
            return [self.funcdef(node, scope)]
        if isinstance(node, cst.ClassDef):
            qualname = f"{scope}.{node.name.value}" if scope else node.name.value
            return [
                ir.ClassDef(
                    node.name.value,
                    qualname,
                    tuple(self.expr(a.value) for a in node.bases if a.keyword is None),
                    tuple(self.decorator(d) for d in node.decorators),
                    self.block(node.body, qualname),
                    line,
                    _docstring(node),
                )
            ]
        if isinstance(node, cst.For):
            target, items = self.target(node.target), self.expr(node.iter)
            body = self.block(node.body, scope)
            loop_else = self.block(node.orelse.body, scope) if node.orelse else ()
            return [ir.For(target, items, body, line), *loop_else]
        if isinstance(node, cst.If):
            test = self.expr(node.test)
            body = self.block(node.body, scope)
            orelse: tuple[ir.Stmt, ...] = ()
            if isinstance(node.orelse, cst.If):
                orelse = tuple(self.stmt(node.orelse, scope))
            elif isinstance(node.orelse, cst.Else):
                orelse = self.block(node.orelse.body, scope)
            return [ir.If(test, body, orelse, line)]
        if isinstance(node, cst.Try | cst.TryStar):
            parts = list(self.block(node.body, scope))
            for handler in node.handlers:
                parts.extend(self.block(handler.body, scope))
            if node.orelse:
                parts.extend(self.block(node.orelse.body, scope))
            if node.finalbody:
                parts.extend(self.block(node.finalbody.body, scope))
            return [ir.Block(tuple(parts), "try", line)]
        if isinstance(node, cst.With):
            binds: list[ir.Stmt] = []
            for item in node.items:
                if item.asname is not None:
                    target = self.target(item.asname.name)
                    binds.append(ir.Assign((target,), self.opaque(item.item), line))
                else:
                    binds.append(ir.ExprStmt(self.expr(item.item), line))
            return [ir.Block((*binds, *self.block(node.body, scope)), "with", line)]
        if isinstance(node, cst.While):
            return [ir.Block(self.block(node.body, scope), "while", line)]
        if isinstance(node, cst.Match):
            parts = []
            for case in node.cases:
                parts.extend(self.block(case.body, scope))
            return [ir.Block(tuple(parts), "match", line)]
        return []

    def small(self, node: cst.BaseSmallStatement, line: int) -> list[ir.Stmt]:
        if isinstance(node, cst.Assign):
            targets = tuple(self.target(t.target) for t in node.targets)
            return [ir.Assign(targets, self.expr(node.value), line)]
        if isinstance(node, cst.AnnAssign) and node.value is not None:
            return [ir.Assign((self.target(node.target),), self.expr(node.value), line)]
        if isinstance(node, cst.AugAssign):
            target = self.target(node.target)
            if isinstance(node.operator, cst.AddAssign):
                return [ir.Assign((target,), ir.BinOp("+", target, self.expr(node.value)), line)]
            return [ir.Assign((target,), self.opaque(node.value), line)]
        if isinstance(node, cst.Expr):
            return [ir.ExprStmt(self.expr(node.value), line)]
        if isinstance(node, cst.Return):
            value = self.expr(node.value) if node.value is not None else None
            return [ir.Return(value, line)]
        if isinstance(node, cst.Break | cst.Continue):
            return [ir.Jump("break" if isinstance(node, cst.Break) else "continue", line)]
        if isinstance(node, cst.Import):
            return [ir.Import(_EMPTY.code_for_node(a.name), _asname(a), line) for a in node.names]
        if isinstance(node, cst.ImportFrom):
            module = _EMPTY.code_for_node(node.module) if node.module is not None else ""
            if isinstance(node.names, cst.ImportStar):
                names: tuple[tuple[str, str | None], ...] = (("*", None),)
            else:
                names = tuple((_EMPTY.code_for_node(a.name), _asname(a)) for a in node.names)
            return [ir.ImportFrom(module, len(node.relative), names, line)]
        return []

    def funcdef(self, node: cst.FunctionDef, scope: str) -> ir.FuncDef:
        line = self.line(node)
        qualname = f"{scope}.{node.name.value}" if scope else node.name.value
        params: list[ir.Param] = []
        p = node.params
        for param in (*p.posonly_params, *p.params):
            params.append(ir.Param(param.name.value, self._default(param)))
        if isinstance(p.star_arg, cst.Param):
            params.append(ir.Param(p.star_arg.name.value, None, "star"))
        for param in p.kwonly_params:
            params.append(ir.Param(param.name.value, self._default(param), "kwonly"))
        if p.star_kwarg is not None:
            params.append(ir.Param(p.star_kwarg.name.value, None, "dstar"))
        return ir.FuncDef(
            node.name.value,
            qualname,
            tuple(params),
            tuple(self.decorator(d) for d in node.decorators),
            self.block(node.body, f"{qualname}.<locals>"),
            line,
            _docstring(node),
            node.asynchronous is not None,
        )

    def decorator(self, node: cst.Decorator) -> ir.Expr:
        self.line(node)
        return self.expr(node.decorator)

    def _default(self, param: cst.Param) -> ir.Expr | None:
        return self.expr(param.default) if param.default is not None else None


def _docstring(node: cst.FunctionDef | cst.ClassDef) -> str:
    try:
        return node.get_docstring() or ""
    except Exception:  # an odd docstring literal must not cost the file
        return ""


def _asname(alias: cst.ImportAlias) -> str | None:
    if alias.asname is None:
        return None
    name = alias.asname.name
    return name.value if isinstance(name, cst.Name) else None


def module_lines(module: cst.Module, source: bytes = b"") -> dict[int, int]:
    """Line of every statement and decorator, keyed by `id(node)`. From CPython's
    `ast` (cheap) when it parses the same source, else from libcst's
    `PositionProvider` (about three times the cost of the parse itself)."""
    lines = _ast_lines(module, source) if source else None
    if lines is None:
        wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
        positions = wrapper.resolve(PositionProvider)
        lines = {id(node): pos.start.line for node, pos in positions.items()}
        _def_lines(module, positions, lines)
    return lines


def lower_module(
    module: cst.Module,
    path: str,
    is_package: bool,
    source: bytes = b"",
    lines: dict[int, int] | None = None,
) -> ir.ModuleIR:
    lowerer = _Lowerer(lines if lines is not None else module_lines(module, source))
    return ir.ModuleIR(path, lowerer.block(module.body, ""), is_package)


def _def_lines(
    module: cst.Module, positions: Mapping[cst.CSTNode, CodeRange], lines: dict[int, int]
) -> None:
    """libcst places a decorated def at its first decorator; Python at `def`."""

    class Visitor(cst.CSTVisitor):
        def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
            lines[id(node)] = positions[node.name].start.line

        def visit_ClassDef(self, node: cst.ClassDef) -> None:
            lines[id(node)] = positions[node.name].start.line

    module.visit(Visitor())


def _ast_lines(module: cst.Module, source: bytes) -> dict[int, int] | None:
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, UnicodeDecodeError, RecursionError, MemoryError):
        return None
    lines: dict[int, int] = {}
    try:
        _pair(module.body, tree.body, lines)
    except _Mismatch:
        return None
    return lines


_AST_TRY = (ast.Try, getattr(ast, "TryStar", ast.Try))


class _Mismatch(Exception):
    pass


def _suite(body: cst.BaseSuite | Sequence[cst.CSTNode]) -> Sequence[cst.CSTNode]:
    if isinstance(body, cst.IndentedBlock):
        return body.body
    if isinstance(body, cst.SimpleStatementSuite):
        return body.body
    if isinstance(body, cst.BaseSuite):
        return ()
    return body


def _pair(cst_body: Sequence[cst.CSTNode], ast_body: list[ast.stmt], lines: dict[int, int]) -> None:
    """Walk libcst and ast statement lists side by side, recording lines."""
    items = iter(ast_body)
    for node in cst_body:
        if isinstance(node, cst.SimpleStatementLine):
            for small in node.body:
                a = next(items, None)
                if a is None:
                    raise _Mismatch
                lines[id(small)] = a.lineno
                lines.setdefault(id(node), a.lineno)
            continue
        a = next(items, None)
        if a is None:
            raise _Mismatch
        lines[id(node)] = a.lineno
        _pair_compound(node, a, lines)
    if next(items, None) is not None:
        raise _Mismatch


def _pair_compound(node: cst.CSTNode, a: ast.stmt, lines: dict[int, int]) -> None:
    if isinstance(node, cst.FunctionDef | cst.ClassDef):
        if not isinstance(a, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            raise _Mismatch
        for dec, dec_ast in zip(node.decorators, a.decorator_list, strict=False):
            lines[id(dec)] = dec_ast.lineno
        _pair(_suite(node.body), a.body, lines)
    elif isinstance(node, cst.If):
        if not isinstance(a, ast.If):
            raise _Mismatch
        _pair(_suite(node.body), a.body, lines)
        if isinstance(node.orelse, cst.If):
            _pair([node.orelse], a.orelse, lines)
        elif isinstance(node.orelse, cst.Else):
            _pair(_suite(node.orelse.body), a.orelse, lines)
    elif isinstance(node, cst.For | cst.While):
        if not isinstance(a, ast.For | ast.AsyncFor | ast.While):
            raise _Mismatch
        _pair(_suite(node.body), a.body, lines)
        if node.orelse is not None:
            _pair(_suite(node.orelse.body), a.orelse, lines)
    elif isinstance(node, cst.Try | cst.TryStar):
        if not isinstance(a, _AST_TRY):
            raise _Mismatch
        _pair(_suite(node.body), a.body, lines)
        handlers: Sequence[cst.ExceptHandler | cst.ExceptStarHandler] = node.handlers
        for handler, handler_ast in zip(handlers, a.handlers, strict=False):
            _pair(_suite(handler.body), handler_ast.body, lines)
        if node.orelse is not None:
            _pair(_suite(node.orelse.body), a.orelse, lines)
        if node.finalbody is not None:
            _pair(_suite(node.finalbody.body), a.finalbody, lines)
    elif isinstance(node, cst.With):
        if not isinstance(a, ast.With | ast.AsyncWith):
            raise _Mismatch
        _pair(_suite(node.body), a.body, lines)
    elif isinstance(node, cst.Match):
        if not isinstance(a, ast.Match):
            raise _Mismatch
        for case, case_ast in zip(node.cases, a.cases, strict=False):
            _pair(_suite(case.body), case_ast.body, lines)
