"""The two lowerers agree: `lower_ast` (CPython's ast, what the scan uses) and
`lower` (libcst, the fallback) give the same `ir` for every fixture, the sample
app and this repository's own code, and the same imports the detectors record."""

from __future__ import annotations

import ast
import codecs
import dataclasses
from pathlib import Path
from typing import Any

import libcst as cst
import pytest
from speed_trees import REPO, SAMPLE, fixture_dirs

from migrate.scan import detectors, ir
from migrate.scan.lower import lower_module, module_lines
from migrate.scan.lower_ast import lower_tree

FILES = sorted(
    p
    for tree in [*fixture_dirs(), SAMPLE, REPO / "migrate", REPO / "adapters"]
    for p in tree.rglob("*.py")
)


def canonical(node: Any, cst_side: bool) -> Any:
    """The `ir` with the differences the module docstring of `lower_ast` names
    taken out: opaque text (libcst keeps a node's own parentheses), and string
    concatenation (ast merges implicitly concatenated f-strings into one; libcst
    keeps f-string text escaped)."""
    if isinstance(node, ir.Opaque):
        return ("opaque", node.line)
    if isinstance(node, ir.FStr | ir.BinOp) and _is_string_concat(node):
        parts = _flatten(node, cst_side)
        opaque = [p for p in parts if isinstance(p, ir.Opaque)]
        if opaque:  # ast: the whole concatenation is one opaque f-string
            return ("opaque", opaque[0].line)
        return ("fstr", tuple(_merge(parts, cst_side)))
    if isinstance(node, ir.ModuleIR):
        return canonical(node.body, cst_side)
    if dataclasses.is_dataclass(node):
        fields = (canonical(getattr(node, f.name), cst_side) for f in dataclasses.fields(node))
        return (type(node).__name__, *fields)
    if isinstance(node, tuple | list):
        return tuple(canonical(item, cst_side) for item in node)
    return node


def _is_string_concat(node: Any) -> bool:
    if isinstance(node, ir.FStr):
        return True
    if isinstance(node, ir.BinOp) and node.op == "+":
        return all(
            isinstance(side, ir.FStr | ir.Opaque)
            or (isinstance(side, ir.Const) and isinstance(side.value, str))
            or (isinstance(side, ir.BinOp) and _is_string_concat(side))
            for side in (node.left, node.right)
        )
    return False


def _flatten(node: Any, cst_side: bool) -> list[Any]:
    if isinstance(node, ir.FStr):
        return [
            codecs.decode(p, "unicode_escape") if cst_side and isinstance(p, str) else p
            for p in node.parts
        ]
    if isinstance(node, ir.Const):
        return [node.value]
    if isinstance(node, ir.Opaque):
        return [node]
    return [*_flatten(node.left, cst_side), *_flatten(node.right, cst_side)]


def _merge(parts: list[Any], cst_side: bool) -> list[Any]:
    out: list[Any] = []
    for part in parts:
        if isinstance(part, str):
            if out and isinstance(out[-1], str):
                out[-1] += part
            elif part:
                out.append(part)
        else:
            out.append(canonical(part, cst_side))
    return out


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.relative_to(REPO).as_posix())
def test_ast_and_libcst_lowering_agree(path: Path) -> None:
    data = path.read_bytes()
    try:
        tree = ast.parse(data)
    except SyntaxError:
        pytest.skip("a fixture that is meant not to parse")
    module = cst.parse_module(data)
    lines = module_lines(module, data)
    from_ast = lower_tree(tree, data, "m.py", False)
    from_cst = lower_module(module, "m.py", False, lines=lines)
    assert canonical(from_ast, False) == canonical(from_cst, True)
    _, _, imports = detectors.collect(module, "m.py", lines)
    assert from_ast.imports == imports
    assert not from_ast.detected


SNIPPETS = [
    "x = a[1:2,]",  # a tuple index, not a slice (found by review)
    "x = a[::2,]",
    "x = a[1,]",
    "x = a[::]",
    "x = a[1:2, 3]",
    "x = a[-1:]",
    "x = a[b[1:]:c]",
    "a[1:] = x",
    "for i in x:\n    if i: break\n    y = 1; continue",
    "while x:\n    break\nelse:\n    y = 1",
    "for i in x:\n    try:\n        pass\n    except* E:\n        continue",
]


@pytest.mark.parametrize("snippet", SNIPPETS)
def test_ast_and_libcst_lowering_agree_on_snippets(snippet: str) -> None:
    data = snippet.encode() + b"\n"
    module = cst.parse_module(data)
    from_ast = lower_tree(ast.parse(data), data, "m.py", False)
    from_cst = lower_module(module, "m.py", False, lines=module_lines(module, data))
    assert canonical(from_ast, False) == canonical(from_cst, True)


def test_the_known_differences_are_the_only_ones() -> None:
    data = b'x = f"a{b}" "c\\n"\ny = a[1, 2]\nz = a[(1, 2)]\nw = (lambda: 1)\n'
    from_ast = lower_tree(ast.parse(data), data, "m.py", False)
    x, y, z, w = from_ast.body
    assert x.value == ir.FStr(("a", ir.Name("b"), "c\n"))  # one f-string, text unescaped
    assert isinstance(y.value, ir.Opaque)  # two subscript elements, as libcst reads it
    assert z.value == ir.Subscript(ir.Name("a"), ir.Seq("tuple", (ir.Const(1), ir.Const(2))))
    assert isinstance(w.value, ir.Opaque) and w.value.text == "lambda: 1"


def test_nodes_compare_and_hash_by_value() -> None:
    """`ir.node` classes build with a plain `__init__` (a frozen dataclass's is
    3.5x slower per node) yet keep value semantics: equal forms are equal and hash
    alike, so a cached form equals a fresh one."""
    made = [
        ir.Call(
            ir.Attr(ir.Name("bp"), "route"),
            (ir.Const("/x"),),
            (("methods", ir.Seq("list", ())),),
            3,
        )
        for _ in range(2)
    ]
    assert made[0] == made[1] and made[0] is not made[1]
    assert hash(made[0]) == hash(made[1]) and len(set(made)) == 1
    assert not hasattr(made[0], "__dict__")  # slotted
