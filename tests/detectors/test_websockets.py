from __future__ import annotations

import pytest
from detector_run import facts, lines


@pytest.mark.parametrize(
    "source",
    (
        pytest.param(
            """\
            from flask import Flask

            app = Flask(__name__)

            @app.route("/ws")
            def not_a_socket():
                pass
            """,
            id="an ordinary route",
        ),
        pytest.param(
            """\
            import socketio

            sio = socketio.Server()

            @sio.on("chat")
            def chat(sid, data):
                pass

            @socketio.on("x")
            def x():
                pass
            """,
            id="python-socketio, not Flask-SocketIO",
        ),
        pytest.param(
            """\
            class Namespace:
                pass

            class Chat(Namespace):
                def on_message(self, data):
                    pass
            """,
            id="a local class named Namespace",
        ),
    ),
)
def test_noop(source: str) -> None:
    assert facts(source, "websockets") == []


@pytest.mark.parametrize(
    ("source", "expected"),
    (
        pytest.param(
            """\
            from flask import Flask
            from flask_sock import Sock

            app = Flask(__name__)
            sock = Sock(app)

            @sock.route("/echo")
            def echo(ws):
                while True:
                    ws.send(ws.receive())
            """,
            [("echo", "sock.route", {"library": "flask_sock", "rule": "/echo"})],
            id="flask-sock route",
        ),
        pytest.param(
            """\
            from app.extensions import sock

            @sock.route("/feed", bp=api)
            def feed(ws):
                pass
            """,
            [
                (
                    "feed",
                    "sock.route",
                    {"library": "flask_sock", "rule": "/feed", "blueprint": "api"},
                )
            ],
            id="flask-sock instance imported from the app",
        ),
        pytest.param(
            """\
            from flask_socketio import SocketIO

            socketio = SocketIO(app)

            @socketio.on("chat", namespace="/chat")
            def on_chat(data):
                pass

            @socketio.on("join")
            def join(data):
                pass

            @socketio.event
            def connect():
                pass

            @socketio.event(namespace="/admin")
            def ping():
                pass

            @socketio.on_error("/chat")
            def chat_error(e):
                pass
            """,
            [
                (
                    "on_chat",
                    "socketio.on",
                    {"library": "flask_socketio", "event": "chat", "namespace": "/chat"},
                ),
                (
                    "join",
                    "socketio.on",
                    {"library": "flask_socketio", "event": "join", "namespace": "/"},
                ),
                (
                    "connect",
                    "socketio.event",
                    {"library": "flask_socketio", "event": "connect", "namespace": "/"},
                ),
                (
                    "ping",
                    "socketio.event",
                    {"library": "flask_socketio", "event": "ping", "namespace": "/admin"},
                ),
                (
                    "chat_error",
                    "socketio.on_error",
                    {"library": "flask_socketio", "event": "error", "namespace": "/chat"},
                ),
            ],
            id="Flask-SocketIO decorators",
        ),
        pytest.param(
            """\
            from app.extensions import socketio as sio

            def handle(data):
                pass

            def register():
                sio.on_event("my event", handle, namespace="/test")
            """,
            [
                (
                    "handle",
                    "socketio.on_event",
                    {"library": "flask_socketio", "event": "my event", "namespace": "/test"},
                )
            ],
            id="on_event is keyed to the handler",
        ),
        pytest.param(
            """\
            import flask_socketio

            class Chat(flask_socketio.Namespace):
                def on_connect(self):
                    pass

                def on_message(self, data):
                    pass

                def helper(self):
                    pass

            socketio = flask_socketio.SocketIO()
            socketio.on_namespace(Chat("/chat"))
            """,
            [
                (
                    "Chat.on_connect",
                    "socketio.Namespace",
                    {
                        "library": "flask_socketio",
                        "event": "connect",
                        "namespace": "/chat",
                        "namespace_class": "Chat",
                    },
                ),
                (
                    "Chat.on_message",
                    "socketio.Namespace",
                    {
                        "library": "flask_socketio",
                        "event": "message",
                        "namespace": "/chat",
                        "namespace_class": "Chat",
                    },
                ),
            ],
            id="Namespace subclass methods",
        ),
    ),
)
def test_facts(source: str, expected: list[object]) -> None:
    assert facts(source, "websockets") == expected


def test_decorator_facts_belong_to_the_decorated_function() -> None:
    source = """\
    from flask_sock import Sock

    sock = Sock()

    def outer():
        @sock.route("/inner")
        def inner(ws):
            pass
    """
    assert lines(source, "websockets") == [("outer.<locals>.inner", "sock.route", 6)]


def test_lines() -> None:
    source = """\
    from flask_socketio import SocketIO

    socketio = SocketIO()


    @socketio.on(
        "chat",
    )
    def chat(data):
        pass
    """
    assert lines(source, "websockets") == [("chat", "socketio.on", 6)]
