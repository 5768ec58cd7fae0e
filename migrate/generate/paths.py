"""Flask rules to FastAPI paths, and converters to parameter annotations.

<int:book_id>              {book_id}        book_id: int
<float:price>              {price}          price: float
<path:topic>               {topic:path}     topic: str
<uuid:order_id>            {order_id}       order_id: UUID
<any(a, b):kind>           {kind}           kind: Literal["a", "b"]
<string(length=2):lang>    {lang}           lang: Annotated[str, Path(min_length=2, max_length=2)]
<isbn:isbn> (custom)       {isbn}           isbn: str   (note: custom converter)
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from migrate.model import Param

_PARAM = re.compile(
    r"<(?:(?P<converter>[a-zA-Z_][a-zA-Z0-9_]*)(?:\((?P<args>.*?)\))?:)?"
    r"(?P<name>[a-zA-Z_][a-zA-Z0-9_]*)>"
)


@dataclass(frozen=True)
class PathParam:
    name: str  # the Python identifier in the signature
    flask_name: str
    annotation: str
    imports: tuple[str, ...] = ()  # "from uuid import UUID", ...
    note: str = ""


def _converter_args(text: str) -> tuple[list[object], dict[str, object]]:
    """Werkzeug converter arguments are Python-literal-like: parse them as a call."""
    try:
        call = ast.parse(f"f({text})", mode="eval").body
    except SyntaxError:
        return [], {}
    assert isinstance(call, ast.Call)
    args: list[object] = []
    kwargs: dict[str, object] = {}
    for node in call.args:
        args.append(node.value if isinstance(node, ast.Constant) else getattr(node, "id", None))
    for kw in call.keywords:
        if kw.arg and isinstance(kw.value, ast.Constant):
            kwargs[kw.arg] = kw.value.value
    return args, kwargs


def convert_param(param: Param, identifier: str) -> PathParam:
    converter = param.converter
    args, kwargs = _converter_args(param.args) if param.args else ([], {})
    if converter == "int":
        constraints = _number_constraints(kwargs)
        if constraints:
            return PathParam(
                identifier,
                param.name,
                f"Annotated[int, Path({constraints})]",
                ("from typing import Annotated", "from fastapi import Path"),
            )
        return PathParam(identifier, param.name, "int")
    if converter == "float":
        return PathParam(identifier, param.name, "float")
    if converter in ("string", "default", "path"):
        length = kwargs.get("length")
        bounds = []
        if isinstance(length, int):
            bounds = [f"min_length={length}", f"max_length={length}"]
        else:
            if isinstance(kwargs.get("minlength"), int):
                bounds.append(f"min_length={kwargs['minlength']}")
            if isinstance(kwargs.get("maxlength"), int):
                bounds.append(f"max_length={kwargs['maxlength']}")
        if bounds:
            return PathParam(
                identifier,
                param.name,
                f"Annotated[str, Path({', '.join(bounds)})]",
                ("from typing import Annotated", "from fastapi import Path"),
            )
        return PathParam(identifier, param.name, "str")
    if converter == "uuid":
        return PathParam(identifier, param.name, "UUID", ("from uuid import UUID",))
    if converter == "any":
        values = [a for a in args if isinstance(a, str)]
        if values:
            literal = ", ".join(repr(v) for v in values)
            return PathParam(
                identifier, param.name, f"Literal[{literal}]", ("from typing import Literal",)
            )
        return PathParam(identifier, param.name, "str", note="any() converter without literals")
    return PathParam(
        identifier, param.name, "str", note=f"custom converter `{converter}` is a plain str here"
    )


def _number_constraints(kwargs: dict[str, object]) -> str:
    parts = []
    if isinstance(kwargs.get("min"), int):
        parts.append(f"ge={kwargs['min']}")
    if isinstance(kwargs.get("max"), int):
        parts.append(f"le={kwargs['max']}")
    return ", ".join(parts)


def fastapi_path(rule: str, names: dict[str, str]) -> str:
    """`/books/<int:id>/<path:rest>` -> `/books/{id}/{rest:path}` (names: flask -> python)."""

    def sub(match: re.Match[str]) -> str:
        name = names.get(match["name"], match["name"])
        return f"{{{name}:path}}" if match["converter"] == "path" else f"{{{name}}}"

    return _PARAM.sub(sub, rule)
