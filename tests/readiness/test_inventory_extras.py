"""Extensions and WebSocket handlers are reported for the whole codebase."""

from __future__ import annotations

import textwrap
from pathlib import Path

from migrate.scan import scan_paths

SOURCE = """
    from flask import Flask
    from flask_socketio import SocketIO
    from flask_sqlalchemy import SQLAlchemy

    app = Flask(__name__)
    socketio = SocketIO(app)
    db = SQLAlchemy(app)


    @socketio.on("chat", namespace="/room")
    def chat(message):
        return message
"""


def test_extensions_and_websocket_handlers_are_listed(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(textwrap.dedent(SOURCE))
    (tmp_path / "plain.py").write_text("import os\n")
    inv = scan_paths([tmp_path])
    assert [(e.name, e.files) for e in inv.extensions] == [
        ("Flask-SocketIO", ("app.py",)),
        ("Flask-SQLAlchemy", ("app.py",)),
    ]
    assert all(e.fastapi for e in inv.extensions)
    assert [(w.function, w.line, dict(w.data).get("event")) for w in inv.websockets] == [
        ("chat", 11, "chat")
    ]


def test_no_extensions_no_websockets(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text("from flask import Flask\napp = Flask(__name__)\n")
    inv = scan_paths([tmp_path])
    assert inv.extensions == () and inv.websockets == ()


def test_websocket_handlers_in_files_without_routes_are_found(tmp_path: Path) -> None:
    """The scan runs the detectors only on files the routes need, plus every file the
    WebSocket gate lets through: each way of spelling a handler must pass it."""
    from migrate.scan import ScanOptions
    from migrate.scan.pipeline import Stats

    files = {
        "ext.py": "from flask_sock import Sock\nsock = Sock()\n",
        "ws.py": "from ext import sock\n\n@sock.route('/echo')\ndef echo(ws):\n    pass\n",
        "ns.py": (
            "from flask_socketio import Namespace\n\n"
            "class Chat(Namespace):\n    def on_join(self, data):\n        pass\n"
        ),
        "net.py": "import socket\n\ndef ping():\n    return socket.gethostname()\n",
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    stats = Stats()
    inv = scan_paths([tmp_path], ScanOptions(jobs=1, stats=stats))
    assert sorted((w.file, w.name) for w in inv.websockets) == [
        ("ns.py", "socketio.Namespace"),
        ("ws.py", "sock.route"),
    ]
    assert stats.detected == 3  # ext.py, ws.py, ns.py: not net.py ("socket" is no handler)
