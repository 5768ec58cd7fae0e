"""Line numbers in the inventory: view at its `def`, rule at its registration.

Lines come from CPython's `ast` walked beside the libcst tree; when `ast` cannot
parse the file, libcst's PositionProvider is used. Both must agree.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import libcst as cst

from migrate.scan import scan_paths
from migrate.scan.lower import lower_module

SOURCE = textwrap.dedent(
    """\
    from flask import Flask, Blueprint

    app = Flask(__name__)
    bp = Blueprint("b", __name__)


    def deco(f):
        return f


    @app.route("/a")
    @deco
    def a():
        return "a"


    try:
        import missing  # noqa
    except ImportError:
        with open("x") as fh:
            pass
    finally:
        if True: pass


    match 1:
        case 1:
            @bp.route(
                "/b",
                methods=["POST"],
            )
            def b():
                return "b"

    app.add_url_rule("/c", "c", a)
    app.register_blueprint(bp)
    """
)


def test_view_and_registration_lines(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(SOURCE)
    routes = {r.endpoint: r for r in scan_paths([tmp_path]).routes}
    assert routes["a"].view is not None and routes["a"].view.line == 13
    assert routes["a"].source is not None and routes["a"].source.line == 11
    assert routes["b.b"].view is not None and routes["b.b"].view.line == 32
    assert routes["b.b"].source is not None and routes["b.b"].source.line == 28
    assert routes["c"].source is not None and routes["c"].source.line == 35


def test_ast_lines_equal_position_provider_lines() -> None:
    module = cst.parse_module(SOURCE)
    fast = lower_module(module, "app.py", False, SOURCE.encode())
    slow = lower_module(module, "app.py", False)
    assert fast == slow
