"""WebSocket and Socket.IO handlers: flask-sock's `@sock.route("/ws")` (and
the older flask-sockets), Flask-SocketIO's `@socketio.on("event",
namespace=...)`, `@socketio.event`, `@socketio.on_error`,
`socketio.on_event("event", handler)` and the `on_*` methods of
`flask_socketio.Namespace` subclasses.

FastAPI side: a flask-sock route becomes `@app.websocket("/ws")` taking a
`WebSocket` (`await ws.receive_text()` / `await ws.send_text()`). FastAPI has
no Socket.IO: python-socketio's `AsyncServer` wrapped in `socketio.ASGIApp`
and mounted beside the app keeps the protocol; handlers become `async def`.

    sock = Sock(app)

    @sock.route("/echo")        # sock.route, rule '/echo' (keyed to `echo`)
    def echo(ws): ...

The fact is keyed to the handler: decorators are visited inside the decorated
function's scope (`_Tracker.visit_FunctionDef` runs before its children).
"""

from __future__ import annotations

from typing import Any

import libcst as cst

from migrate.scan.detectors import Context, Detector, literal
from migrate.scan.detectors.flask_context import Names, emit_as

CLASSES = {  # constructor -> library
    "flask_sock.Sock": "flask_sock",
    "flask_sockets.Sockets": "flask_sockets",
    "flask_socketio.SocketIO": "flask_socketio",
}
# An instance imported from the app's own module (`from app.extensions import
# socketio`) is known by its usual name only.
USUAL = {"sock": "flask_sock", "sockets": "flask_sockets", "socketio": "flask_socketio"}
NAMES = {library: name for name, library in USUAL.items()}
SOCKETIO_DECORATORS = frozenset({"on", "event", "on_error", "on_error_default"})
FASTAPI = {
    "flask_sock": "@app.websocket route with a WebSocket parameter",
    "flask_sockets": "@app.websocket route with a WebSocket parameter",
    "flask_socketio": "python-socketio AsyncServer mounted as socketio.ASGIApp",
}


def _str(node: cst.BaseExpression | None) -> str | None:
    value = literal(node)
    return value if isinstance(value, str) else None


class Websockets(Detector):
    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self.names = Names(ctx)
        self.instances: dict[str, str] = {}  # local name -> library, from `x = SocketIO(app)`
        self.classes: list[str | None] = []  # enclosing class (None inside a def) per level
        self.namespaces: dict[str, str] = {}  # Namespace subclass -> namespace registered
        self.handlers: list[tuple[str, str, int, str]] = []  # class, function, line, event

    def _library(self, node: cst.BaseExpression) -> str | None:
        if not isinstance(node, cst.Name):
            return None
        if node.value in self.instances:
            return self.instances[node.value]
        target = self.ctx.aliases.get(node.value, "")
        module, _, last = target.rpartition(".")
        if module and not self.names.local(node.value):
            return None if module.split(".")[0] in USUAL.values() else USUAL.get(last)
        return None

    def _emit(
        self, name: str, library: str, what: str, at: tuple[str, int] | None = None, **data: Any
    ) -> None:
        """Emit for the function being visited, or for the one `at` names."""
        function, line = at if at is not None else (self.ctx.function, self.ctx.line)
        detail = f"{what} -> {FASTAPI[library]}"
        data = {k: v for k, v in data.items() if v is not None}
        emit_as(self.ctx, function, line, "websocket", name, detail, library=library, **data)

    def visit_Assign(self, node: cst.Assign) -> None:
        if isinstance(node.value, cst.Call):
            library = CLASSES.get(self.names.resolve(node.value.func) or "")
            for target in node.targets:
                if library is not None and isinstance(target.target, cst.Name):
                    self.instances[target.target.value] = library

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        bases = {self.names.resolve(b.value) for b in node.bases}
        self.classes.append(node.name.value if "flask_socketio.Namespace" in bases else None)

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self.classes.pop()

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        owner = self.classes[-1] if self.classes else None
        if owner is not None and node.name.value.startswith("on_"):
            event = node.name.value[3:]
            self.handlers.append((owner, self.ctx.function, self.ctx.line, event))
        self.names.enter(node)
        self.classes.append(None)

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self.names.leave()
        self.classes.pop()

    def visit_Decorator(self, node: cst.Decorator) -> None:
        call = node.decorator if isinstance(node.decorator, cst.Call) else None
        func = call.func if call is not None else node.decorator
        if not isinstance(func, cst.Attribute):
            return
        library, method = self._library(func.value), func.attr.value
        args = [a.value for a in call.args if a.keyword is None] if call else []
        kwargs = {a.keyword.value: a.value for a in call.args if a.keyword} if call else {}
        first = args[0] if args else None
        if library in ("flask_sock", "flask_sockets") and method == "route":
            rule, bp = _str(first), kwargs.get("bp")
            what = f"WebSocket route {rule!r}" if rule else "WebSocket route"
            blueprint = self.ctx.code(bp) if bp is not None else None
            name = f"{NAMES[library]}.route"
            self._emit(name, library, what, rule=rule, blueprint=blueprint)
        elif library == "flask_socketio" and method in SOCKETIO_DECORATORS:
            # on(event, namespace); event(namespace) names the event after the
            # function; on_error(namespace); on_error_default covers them all.
            event: str | None = "error"
            rest = args
            if method == "on":
                event, rest = _str(first), args[1:]
            elif method == "event":
                event = self.ctx.function.rsplit(".", 1)[-1]
            namespace_node = kwargs.get("namespace", rest[0] if rest else None)
            namespace = "/" if namespace_node is None else _str(namespace_node)
            if method == "on_error_default":
                namespace = "*"
            what = f"Socket.IO event {event!r}"
            self._emit(f"socketio.{method}", library, what, event=event, namespace=namespace)

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if not isinstance(func, cst.Attribute) or self._library(func.value) != "flask_socketio":
            return
        args = [a.value for a in node.args if a.keyword is None]
        kwargs = {a.keyword.value: a.value for a in node.args if a.keyword}
        if func.attr.value == "on_namespace" and args and isinstance(args[0], cst.Call):
            instance = args[0]
            namespace = _str(instance.args[0].value) if instance.args else None
            if isinstance(instance.func, cst.Name) and namespace is not None:
                self.namespaces[instance.func.value] = namespace
        elif func.attr.value == "on_event" and args:
            event = _str(args[0])
            handler = args[1] if len(args) > 1 else kwargs.get("handler")
            namespace = _str(kwargs.get("namespace")) if "namespace" in kwargs else "/"
            # The fact is the handler's: a module-level function named here.
            function = handler.value if isinstance(handler, cst.Name) else self.ctx.function
            what = f"Socket.IO event {event!r}"
            at = (function, self.ctx.line)
            self._emit(
                "socketio.on_event", "flask_socketio", what, at, event=event, namespace=namespace
            )

    def leave_Module(self, original_node: cst.Module) -> None:
        for owner, function, line, event in self.handlers:
            what = f"Socket.IO event {event!r} on {owner}"
            namespace = self.namespaces.get(owner)  # from socketio.on_namespace(Owner("/ns"))
            self._emit(
                "socketio.Namespace",
                "flask_socketio",
                what,
                (function, line),
                event=event,
                namespace=namespace,
                namespace_class=owner,
            )
