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


def _call_name(func: cst.BaseExpression) -> str | None:
    parts: list[str] = []
    while isinstance(func, cst.Attribute):
        parts.append(func.attr.value)
        func = func.value
    if not isinstance(func, cst.Name):
        return None
    return ".".join([func.value, *reversed(parts)])


class RequestData(Detector):
    def __init__(self, ctx: Any) -> None:
        super().__init__(ctx)
        self.json_vars: dict[str, set[str]] = {}  # function -> local names bound to the body
        self.params: dict[str, tuple[str, ...]] = {}  # function -> parameter names

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        p = node.params
        self.params[self.ctx.function] = tuple(
            param.name.value for param in (*p.posonly_params, *p.params, *p.kwonly_params)
        )

    def _param(self, node: cst.BaseExpression) -> str | None:
        """A parameter of the current function read like a mapping (for JSON tracing)."""
        if isinstance(node, cst.Name) and node.value in self.params.get(self.ctx.function, ()):
            return node.value
        return None

    def _is_body(self, node: cst.BaseExpression) -> bool:
        if isinstance(node, cst.Call):
            return self.ctx.dotted(node.func) == f"{REQUEST}.get_json"
        if isinstance(node, cst.Attribute):
            return self.ctx.dotted(node) == f"{REQUEST}.json"
        return self._json_var(node)

    def _json_args(self, node: cst.Call) -> None:
        """`validate(request.get_json())`: the link step follows the body into `validate`."""
        callee = _call_name(node.func)
        if callee is None:
            return
        position = 0
        for arg in node.args:
            if arg.star:
                return
            if arg.keyword is None:
                if self._is_body(arg.value):
                    self.ctx.emit(
                        "json-arg", callee, "JSON body passed on", callee=callee, index=position
                    )
                position += 1
            elif self._is_body(arg.value):
                self.ctx.emit(
                    "json-arg",
                    callee,
                    "JSON body passed on",
                    callee=callee,
                    keyword=arg.keyword.value,
                )

    def _param_key(self, param: str, key: Any, default: Any, required: bool) -> None:
        if not isinstance(key, str):
            return
        data: dict[str, Any] = {"param": param, "key": key, "required": required}
        if default is not ...:
            data["default"] = default
        self.ctx.emit("param-key", f"param.{param}", f"key {key!r} of parameter {param}", **data)

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
        self._json_args(node)
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
        elif func.attr.value == "get" and (param := self._param(func.value)) is not None:
            self._param_key(param, key, default, False)

    def visit_Subscript(self, node: cst.Subscript) -> None:
        if len(node.slice) != 1 or not isinstance(node.slice[0].slice, cst.Index):
            return
        key = literal(node.slice[0].slice.value)
        source = self._source(node.value)
        if source is not None:
            self._key(source, key, ..., None, True)
        elif self._json_var(node.value):
            self._key("json", key, ..., None, True)
        elif (param := self._param(node.value)) is not None:
            self._param_key(param, key, ..., True)

    def visit_Attribute(self, node: cst.Attribute) -> None:
        dotted = self.ctx.dotted(node)
        if dotted and dotted.startswith(REQUEST + "."):
            attr = dotted[len(REQUEST) + 1 :]
            if attr in WHOLE:
                label = "JSON body" if attr == "json" else f"raw request {attr}"
                self.ctx.emit("request", f"request.{attr}", label, source=attr)
