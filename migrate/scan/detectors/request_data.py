"""Request data a view reads: `request.args`, `form`, `values`, `files`,
`headers`, `cookies` (with literal keys, defaults and `type=` casts), the JSON
body (`get_json()`, `json`) and the keys read from it through a local
variable, and whole-body reads (`data`, `stream`, `environ`).

FastAPI side: query parameters, `Form`/`UploadFile`, `Header`/`Cookie`
parameters, a Pydantic body model.

    page = request.args.get("page", 1, type=int)   # request.args key 'page', default 1, type int
    data = request.get_json()
    title = data["title"]                          # request.json key 'title' (required)
"""

from __future__ import annotations

from typing import Any

import libcst as cst

from migrate.scan.detectors import Detector, literal

SOURCES = frozenset({"args", "form", "values", "files", "headers", "cookies"})
WHOLE = frozenset({"data", "stream", "environ", "json"})
REQUEST = "flask.request"


def _describe(key: Any, default: Any, cast: str | None, required: bool) -> str:
    parts = [f"key {key!r}" if key is not ... else "a computed key"]
    if required:
        parts.append("required")
    elif default is not ...:
        parts.append(f"default {default!r}")
    if cast:
        parts.append(f"type {cast}")
    return ", ".join(parts)


class RequestData(Detector):
    def __init__(self, ctx: Any) -> None:
        super().__init__(ctx)
        self.json_vars: dict[str, set[str]] = {}  # function -> local names bound to the body

    def _json_var(self, node: cst.BaseExpression) -> bool:
        return isinstance(node, cst.Name) and node.value in self.json_vars.get(
            self.ctx.function, ()
        )

    def _source(self, node: cst.BaseExpression) -> str | None:
        dotted = self.ctx.dotted(node)
        if dotted and dotted.startswith(REQUEST + "."):
            source = dotted[len(REQUEST) + 1 :]
            if source in SOURCES:
                return source
        return None

    def _key(
        self,
        source: str,
        key: Any,
        default: Any,
        cast: str | None,
        required: bool,
        many: bool = False,
    ) -> None:
        data: dict[str, Any] = {"source": source, "required": required, "many": many}
        if key is not ...:
            data["key"] = key
        if default is not ...:
            data["default"] = default
        if cast:
            data["type"] = cast
        self.ctx.emit(
            "request", f"request.{source}", _describe(key, default, cast, required), **data
        )

    def visit_Assign(self, node: cst.Assign) -> None:
        value = node.value
        is_body = False
        if isinstance(value, cst.Call):
            is_body = self.ctx.dotted(value.func) == f"{REQUEST}.get_json"
        elif isinstance(value, cst.Attribute):
            is_body = self.ctx.dotted(value) == f"{REQUEST}.json"
        elif isinstance(value, cst.BooleanOperation):  # data = request.get_json() or {}
            left = value.left
            is_body = (
                isinstance(left, cst.Call) and self.ctx.dotted(left.func) == f"{REQUEST}.get_json"
            )
        if is_body:
            for target in node.targets:
                if isinstance(target.target, cst.Name):
                    self.json_vars.setdefault(self.ctx.function, set()).add(target.target.value)

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        dotted = self.ctx.dotted(func)
        if dotted == f"{REQUEST}.get_json":
            kwargs = {a.keyword.value: literal(a.value) for a in node.args if a.keyword}
            self.ctx.emit(
                "request",
                "request.json",
                "JSON body (get_json)",
                source="json",
                silent=kwargs.get("silent", False) is True,
            )
            return
        if not isinstance(func, cst.Attribute) or func.attr.value not in ("get", "getlist"):
            return
        positional = [a.value for a in node.args if a.keyword is None and not a.star]
        keywords = {a.keyword.value: a.value for a in node.args if a.keyword}
        key = literal(positional[0]) if positional else literal(keywords.get("key"))
        default_node = positional[1] if len(positional) > 1 else keywords.get("default")
        default = literal(default_node) if default_node is not None else None
        cast_node = keywords.get("type")
        cast = self.ctx.code(cast_node) if cast_node is not None else None
        source = self._source(func.value)
        if source is not None:
            many = func.attr.value == "getlist"
            self._key(source, key, ... if many else default, cast, False, many)
        elif self._json_var(func.value) and func.attr.value == "get":
            self._key("json", key, default, cast, False)

    def visit_Subscript(self, node: cst.Subscript) -> None:
        if len(node.slice) != 1 or not isinstance(node.slice[0].slice, cst.Index):
            return
        key = literal(node.slice[0].slice.value)
        source = self._source(node.value)
        if source is not None:
            self._key(source, key, ..., None, True)
        elif self._json_var(node.value):
            self._key("json", key, ..., None, True)

    def visit_Attribute(self, node: cst.Attribute) -> None:
        dotted = self.ctx.dotted(node)
        if dotted and dotted.startswith(REQUEST + "."):
            attr = dotted[len(REQUEST) + 1 :]
            if attr in WHOLE:
                label = "JSON body" if attr == "json" else f"raw request {attr}"
                self.ctx.emit("request", f"request.{attr}", label, source=attr)
