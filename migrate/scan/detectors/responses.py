"""What a view returns: `jsonify(...)`, a dict or list literal, a `(body,
status[, headers])` tuple, `make_response`, `Response(...)`, `render_template`,
`redirect`, `send_file`/`send_from_directory`, `abort(code)`, and streaming
(`stream_with_context`, a `Response` around a generator, a view that yields).

FastAPI side: a returned dict/list (plus `response_model`), `status_code=` or
a `JSONResponse`, `Response`, `Jinja2Templates.TemplateResponse`,
`RedirectResponse`, `FileResponse`, `StreamingResponse`, `raise HTTPException`.

    return jsonify({"id": 1, "title": t}), 201   # jsonify keys ('id', 'title'); tuple status 201
    abort(404)                                   # abort, status 404

`url_for` is reported by `flask_context` (it needs the app context).
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

import libcst as cst

from migrate.scan.detectors import Context, Detector, literal
from migrate.scan.detectors.flask_context import Names, emit_as

_RESPONSE = ("Response", "wrappers.Response", "wrappers.response.Response")
FLASK = {  # dotted import -> fact name
    **dict.fromkeys(("flask.jsonify", "flask.json.jsonify"), "jsonify"),
    **dict.fromkeys(("flask.make_response", "flask.helpers.make_response"), "make_response"),
    **dict.fromkeys([f"{m}.{r}" for m in ("flask", "werkzeug") for r in _RESPONSE], "Response"),
    **dict.fromkeys(
        ("flask.render_template", "flask.templating.render_template"), "render_template"
    ),
    "flask.render_template_string": "render_template_string",
    **dict.fromkeys(("flask.redirect", "werkzeug.utils.redirect"), "redirect"),
    **{
        f"{m}.{f}": f
        for m in ("flask", "flask.helpers")
        for f in ("send_file", "send_from_directory")
    },
    **dict.fromkeys(("flask.abort", "werkzeug.exceptions.abort"), "abort"),
    **dict.fromkeys(("flask.stream_with_context", "flask.helpers.stream_with_context"), "stream"),
}
FASTAPI = {  # fact name -> what it becomes
    "jsonify": "return the value (JSONResponse)",
    "dict": "return it as is (response_model)",
    "list": "return it as is (response_model)",
    "tuple": "status_code= on the route, or a Response",
    "make_response": "a Starlette Response",
    "Response": "starlette.responses.Response",
    "render_template": "Jinja2Templates.TemplateResponse",
    "render_template_string": "a jinja2 Template rendered into an HTMLResponse",
    "redirect": "RedirectResponse (Starlette defaults to 307, Flask to 302)",
    "send_file": "FileResponse",
    "send_from_directory": "FileResponse after a safe path join, or StaticFiles",
    "abort": "raise HTTPException(status_code)",
    "stream": "StreamingResponse",
}


def _str(node: cst.BaseExpression | None) -> str | None:
    value = literal(node)
    return value if isinstance(value, str) else None


def _keys(node: cst.Dict) -> tuple[str, ...]:
    return tuple(
        key
        for e in node.elements
        if isinstance(e, cst.DictElement) and (key := _str(e.key)) is not None
    )


class Responses(Detector):
    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self.names = Names(ctx)
        self.generators: set[str] = set()  # simple names of functions that yield
        self.yielding: set[str] = set()  # their qualnames
        self.pending: list[tuple[str, int, str]] = []  # (function, line, callee) maybe streaming

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.names.enter(node)

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self.names.leave()

    def _emit(self, name: str, what: cst.CSTNode | str, **data: Any) -> None:
        what = what if isinstance(what, str) else self.ctx.code(what, 50)
        self.ctx.emit("response", name, f"{what} -> {FASTAPI[name]}", **data)

    def _status(self, node: cst.BaseExpression | None) -> int | None:
        value = literal(node)
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if node is not None:
            dotted = self.names.resolve(node)
            if dotted and dotted.startswith("http.HTTPStatus."):
                member = HTTPStatus.__members__.get(dotted.rsplit(".", 1)[1])
                return member.value if member is not None else None
        return None

    def _body(self, node: cst.BaseExpression) -> None:
        """A returned (or wrapped) body that streams."""
        if isinstance(node, cst.GeneratorExp):
            self._emit("stream", "a generator expression as the body")
        if isinstance(node, cst.Call) and self.names.resolve(node.func) is None:
            func = node.func  # a local callee; whether it yields is known at the end
            callee = func.attr if isinstance(func, cst.Attribute) else func
            if isinstance(callee, cst.Name):
                self.pending.append((self.ctx.function, self.ctx.line, callee.value))

    def visit_Return(self, node: cst.Return) -> None:
        value = node.value
        if value is None or not self.ctx.functions:
            return
        if isinstance(value, cst.Tuple) and len(value.elements) in (2, 3):
            body, second = value.elements[0].value, value.elements[1].value
            status = self._status(second)
            response = isinstance(body, cst.Call) and self.names.resolve(body.func) in FLASK
            headers = len(value.elements) == 3 or isinstance(second, cst.Dict)
            if status is not None or headers or response:
                data: dict[str, Any] = {"headers": headers}
                if status is not None:
                    data["status"] = status
                self._emit("tuple", value, **data)
                value = body
        if isinstance(value, cst.Dict):
            self._emit("dict", value, keys=_keys(value))
        elif isinstance(value, cst.DictComp):
            self._emit("dict", value)
        elif isinstance(value, cst.List | cst.ListComp):
            self._emit("list", value)
        else:
            self._body(value)

    def visit_Yield(self, node: cst.Yield) -> None:
        function = self.ctx.function
        if function and function not in self.yielding:
            self.yielding.add(function)
            self.generators.add(function.rsplit(".", 1)[-1])
            self._emit("stream", "the function yields")

    def visit_Call(self, node: cst.Call) -> None:
        name = FLASK.get(self.names.resolve(node.func) or "")
        if name is None or not self.ctx.functions:
            return
        args = [a.value for a in node.args if a.keyword is None and not a.star]
        kwargs = {a.keyword.value: a.value for a in node.args if a.keyword}
        first = args[0] if args else None
        data: dict[str, Any] = {}
        if name == "jsonify":
            if isinstance(first, cst.Dict):
                data["keys"] = _keys(first)
            elif kwargs:
                data["keys"] = tuple(kwargs)
        elif name in ("Response", "make_response"):
            mimetype = _str(kwargs.get("mimetype", kwargs.get("content_type")))
            if mimetype is not None:
                data["mimetype"] = mimetype
            status = self._status(args[1] if len(args) > 1 else kwargs.get("status"))
            if status is not None:
                data["status"] = status
            if mimetype == "text/event-stream":
                self._emit("stream", "text/event-stream (or sse-starlette)")
            elif first is not None:
                self._body(first)
        elif name == "render_template":
            template = _str(first if first is not None else kwargs.get("template_name_or_list"))
            if template is not None:
                data["template"] = template
        elif name == "redirect":
            target = first if first is not None else kwargs.get("location")
            if isinstance(target, cst.Call) and self.names.resolve(target.func) == "flask.url_for":
                endpoint = _str(target.args[0].value) if target.args else None
                if endpoint is not None:
                    data["endpoint"] = endpoint
            elif _str(target) is not None:
                data["location"] = _str(target)
            status = self._status(args[1] if len(args) > 1 else kwargs.get("code"))
            if status is not None:
                data["status"] = status
        elif name in ("send_file", "send_from_directory"):
            for key in ("mimetype", "as_attachment", "download_name"):
                if literal(kwargs.get(key)) is not ...:
                    data[key] = literal(kwargs.get(key))
        elif name == "abort":
            status = self._status(first if first is not None else kwargs.get("code"))
            if status is not None:
                data["status"] = status
        elif name == "stream":
            self._emit(name, "stream_with_context (no request context in FastAPI)")
            return
        self._emit(name, node, **data)

    def leave_Module(self, original_node: cst.Module) -> None:
        for function, line, callee in self.pending:
            if callee in self.generators:
                detail = f"body from generator {callee}() -> {FASTAPI['stream']}"
                emit_as(self.ctx, function, line, "response", "stream", detail, generator=callee)
