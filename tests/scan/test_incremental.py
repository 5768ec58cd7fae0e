"""A re-scan after one isolated file changed keeps the last inventory (`incremental`).

The oracle is a full scan without cache of the edited tree: every edit below,
of every file, must give the same inventory either way; and the edits the rule
admits must take the short way (so this file fails without it).
"""

from __future__ import annotations

import dataclasses
import json
import shutil
import textwrap
from pathlib import Path
from typing import NamedTuple

import pytest
from speed_trees import SAMPLE, fixture_dirs, scan, write_tree

from migrate import model
from migrate.scan import ScanOptions, incremental, scan_paths

# An app whose routes also depend on a registry that never mentions Flask, a test
# module, a migration and a script beside it.
TREE = {
    "shop/__init__.py": """
        from flask import Flask
        from shop import registry
        from shop.views import bp

        def create_app():
            app = Flask(__name__)
            app.register_blueprint(bp)
            for extra in registry.EXTRA:
                app.register_blueprint(extra)
            return app
    """,
    "shop/registry.py": """
        EXTRA = []
    """,
    "shop/views.py": """
        from flask import Blueprint
        from shop.settings import PREFIX

        bp = Blueprint("views", __name__, url_prefix=PREFIX)
        extra_bp = Blueprint("extra", __name__, url_prefix="/extra")
        more_bp = Blueprint("more", __name__, url_prefix="/more")

        @bp.route("/items")
        def items():
            return "[]"

        @extra_bp.route("/ping")
        def ping():
            return "pong"

        @more_bp.route("/stock")
        def stock():
            return "0"
    """,
    "shop/settings.py": """
        PREFIX = "/api"
    """,
    "shop/zz_late.py": """
        from shop import registry
        from shop.views import extra_bp

        registry.EXTRA.append(extra_bp)
    """,
    # kept by the prefilter (it names Flask) but listed under errors
    "shop/broken.py": """
        import flask

        def broken(:
    """,
    "tests/test_shop.py": """
        import pytest
        from shop import create_app

        @pytest.fixture
        def client():
            return None

        class TestItems:
            def test_items(self):
                assert create_app().test_client().get("/api/items").status_code == 200
    """,
    "migrations/versions/0001_first.py": """
        from alembic import op

        revision = "0001"

        def upgrade():
            op.create_table("items")
    """,
    "scripts/report.py": """
        import csv

        def main(path):
            return list(csv.reader(open(path)))
    """,
}

ISOLATED = ("migrations/versions/0001_first.py", "scripts/report.py", "tests/test_shop.py")
# edits, appended to a file, and the files where the rule admits them
EDITS = {
    "constant": ("\nTOUCHED = 1\n", ISOLATED),
    "own function, called": ("\ndef helper():\n    return [1]\n\nVALUE = helper()\n", ISOLATED),
    "entry point": ("\ndef test_more(client):\n    client.get('/x')\n", ISOLATED),
    # reads a value of scanned code: adds the extra blueprint's routes
    "registry write": (
        "\nfrom shop import registry\nfrom shop.views import more_bp\n"
        "registry.EXTRA.append(more_bp)\n",
        (),
    ),
    # a module that runs after the migration and the script, before the tests:
    # importing it earlier would change the link's order
    "new import": ("\nimport shop.zz_late\n", ("tests/test_shop.py",)),
    "star import": ("\nfrom shop.settings import *\n", ()),
    "names Flask": ("\nimport flask\n", ()),
    "syntax error": ("\ndef broken(:\n", ()),
    # scanned code read only in a method nobody calls; `shop` ran before the tests only
    "method": (
        "\nfrom shop import create_app\n\nclass Later:\n    def run(self):\n"
        "        return create_app()\n",
        ("tests/test_shop.py",),
    ),
    # a class body binds imports as attributes: read through the class, not the name
    "class-body import": (
        "\nclass K:\n    from shop import registry, views\n\n"
        "K.registry.EXTRA.append(K.views.more_bp)\n",
        (),
    ),
    # identifiers CPython reads as `import_module` and `flask_login` (NFKC)
    "fullwidth names": (
        "\nimport importlib\nimport \uff46\uff4c\uff41\uff53\uff4b_login\n"
        "importlib.\uff49mport_module('shop.registry').EXTRA.append("
        "importlib.\uff49mport_module('shop.views').more_bp)\n",
        (),
    ),
    # the same, and the file calls its own class: the method may run
    "method runs": (
        "\nfrom shop import create_app\n\nclass Later:\n    def run(self):\n"
        "        return create_app()\n\nLater().run()\n",
        (),
    ),
}


def edited(root: Path, rel: str, text: str) -> object:
    """The inventory after appending `text` to `rel`, from a full scan without cache."""
    path = root / rel
    original = path.read_bytes()
    path.write_bytes(original + text.encode())
    try:
        return scan(root, None)[0]
    finally:
        path.write_bytes(original)


@pytest.mark.parametrize("edit", sorted(EDITS))
def test_every_edit_of_every_file_matches_a_full_scan(tmp_path: Path, edit: str) -> None:
    root = write_tree(tmp_path / "src", TREE)
    text, admitted = EDITS[edit]
    cold = tmp_path / "cold"
    base, _ = scan(root, cold)
    for rel in sorted(TREE):
        store = tmp_path / f"cache-{rel.replace('/', '-')}"
        shutil.copytree(cold, store)
        expected = edited(root, rel, text)
        path = root / rel
        original = path.read_bytes()
        path.write_bytes(original + text.encode())
        try:
            got, stats = scan(root, store)
        finally:
            path.write_bytes(original)
        assert got == expected, (edit, rel, stats.incremental)
        short = stats.selection == "isolated change"
        assert short == (rel in admitted), (edit, rel, stats.incremental)
        if short:
            assert got == base and stats.parsed == 0 and "link" not in stats.seconds


def test_the_edits_are_not_all_harmless(tmp_path: Path) -> None:
    """The oracle can tell: some edits of an unimported, Flask-free file change the routes."""
    root = write_tree(tmp_path / "src", TREE)
    base, _ = scan(root, None)
    registry_write = edited(root, "scripts/report.py", EDITS["registry write"][0])
    assert registry_write != base
    assert {r.rule for r in registry_write.routes} - {r.rule for r in base.routes} == {
        "/more/stock"
    }
    settings = edited(root, "shop/settings.py", '\nPREFIX = "/v2"\n')
    assert "/v2/items" in {r.rule for r in settings.routes}


def test_each_scan_follows_the_last_one(tmp_path: Path) -> None:
    """Chains of short re-scans, a full one between, and back: always the full scan's answer."""
    root = write_tree(tmp_path / "src", TREE)
    store = tmp_path / "cache"
    scan(root, store)
    steps = [
        ("tests/test_shop.py", "\nA = 1\n", True),
        ("tests/test_shop.py", "\nB = 2\n", True),
        ("migrations/versions/0001_first.py", "\ndown_revision = None\n", True),
        ("shop/settings.py", '\nPREFIX = "/v2"\n', False),  # imported by views: re-linked
        ("scripts/report.py", "\nLIMIT = 10\n", True),
    ]
    for rel, text, admitted in steps:
        path = root / rel
        path.write_bytes(path.read_bytes() + text.encode())
        got, stats = scan(root, store)
        assert got == scan(root, None)[0], rel
        assert (stats.selection == "isolated change") == admitted, (rel, stats.incremental)
    # two files at once: the rule covers one
    for rel in ("tests/test_shop.py", "scripts/report.py"):
        path = root / rel
        path.write_bytes(path.read_bytes() + b"\nC = 3\n")
    got, stats = scan(root, store)
    assert stats.incremental == "2 files changed" and got == scan(root, None)[0]


def test_timings_line_says_why(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "src", TREE)
    store = tmp_path / "cache"
    scan(root, store)
    path = root / "tests/test_shop.py"
    path.write_bytes(path.read_bytes() + b"\nA = 1\n")
    _, stats = scan(root, store)
    assert "tests/test_shop.py is isolated: the last inventory" in stats.summary(0.1)
    path = root / "shop/settings.py"
    path.write_bytes(path.read_bytes() + b'\nB = len("b")\n')
    _, stats = scan(root, store)
    assert "re-linked: shop/settings.py: other code imports it" in stats.summary(0.1)


def apps() -> list[Path]:
    return [SAMPLE, *fixture_dirs()]


@pytest.mark.parametrize("app", apps(), ids=lambda p: p.name)
def test_fixture_files_touched_one_at_a_time(tmp_path: Path, app: Path) -> None:
    """Every file of every oracle app, touched: the short way or not, a full scan's answer."""
    root = tmp_path / "src"
    shutil.copytree(app, root)
    store = tmp_path / "cache"
    base, _ = scan(root, store)
    for path in sorted(root.rglob("*.py")):
        original = path.read_bytes()
        path.write_bytes(original + b"\n\ndef _touched(x=1):\n    return [x]\n")
        try:
            got, stats = scan(root, store)
            assert got == scan(root, None)[0], (path, stats.incremental)
        finally:
            path.write_bytes(original)
        assert scan(root, store)[0] == base


def test_migrate_scan_after_editing_a_test_module(tmp_path: Path) -> None:
    """The command line: an edited test module takes the short way; the report is the
    one a scan without cache prints, and --timings says why."""
    from click.testing import CliRunner

    from migrate.cli import cli

    root = write_tree(tmp_path / "src", TREE)
    args = ["scan", str(root), "--include-tests", "--format", "json"]
    cached = [*args, "--cache-dir", str(tmp_path / "cache"), "--timings"]
    runner = CliRunner()
    assert runner.invoke(cli, cached).exit_code == 0
    test_module = root / "tests" / "test_shop.py"
    test_module.write_bytes(test_module.read_bytes() + b"\n\ndef test_more(client):\n    pass\n")
    short = runner.invoke(cli, cached)
    full = runner.invoke(cli, [*args, "--no-cache"])
    assert short.exit_code == full.exit_code == 0, short.output
    assert short.stdout == full.stdout and json.loads(short.stdout)["routes"]
    assert "tests/test_shop.py is isolated: the last inventory, from the cache" in short.stderr


def test_memo_keys_keep_nested_objects_alive(tmp_path: Path) -> None:
    """A memo key names a dict argument's items by id: an item replaced after the call
    must not free its id for a later object (which would hit the stale entry)."""
    loop = "[" + ", ".join(str(i) for i in range(60)) + "]"
    body = """
        R = []
        for i in {loop}:
            o = C()
            o.p = "{letter}"
            d = {{"k": o}}
            R.append(f(d))
            d["k"] = None
            o = None
    """
    root = write_tree(
        tmp_path / "src",
        {
            "shop/__init__.py": "",
            "shop/a.py": "class C:\n    pass\n\ndef f(d):\n    return d['k'].p\n"
            + textwrap.dedent(body.format(loop=loop, letter="a")),
            "shop/z.py": "from shop.a import C, f\n"
            + textwrap.dedent(body.format(loop=loop, letter="b"))
            + "from flask import Blueprint\n"
            + 'bp = Blueprint("z", __name__, url_prefix="/" + "".join(R))\n',
        },
    )
    (blueprint,) = scan(root, None)[0].blueprints
    assert blueprint.url_prefix == "/" + "b" * 60


def test_back_to_an_earlier_tree_then_another_change(tmp_path: Path) -> None:
    """A scan that finds its inventory in the cache also makes that scan's record the
    last one: the next one-file change compares with it, not with an older tree."""
    root = write_tree(tmp_path / "src", TREE)
    store = tmp_path / "cache"
    scan(root, store)
    test_module, script = root / "tests/test_shop.py", root / "scripts/report.py"
    original = test_module.read_bytes()
    test_module.write_bytes(original + b"\nA = 1\n")
    assert scan(root, store)[1].selection == "isolated change"
    test_module.write_bytes(original)
    assert scan(root, store)[1].selection == "inventory cache"
    script.write_bytes(script.read_bytes() + b"\nB = 1\n")
    got, stats = scan(root, store)
    assert stats.selection == "isolated change", stats.incremental
    assert got == scan(root, None)[0]


# ---------------------------------------------------- the second rule: same link

# `models.py` takes part in the link (views import it; it makes a blueprint and an
# environment finding) but `Item.total` never runs in it: `items` calls `price`.
LINKED_TREE = {
    "shop/__init__.py": """
        from flask import Flask
        from shop.views import bp
        from shop.models import extra

        def create_app():
            app = Flask(__name__)
            app.register_blueprint(bp)
            app.register_blueprint(extra)
            return app
    """,
    "shop/models.py": """
        import os

        from flask import Blueprint

        class Item:
            def price(self):
                return 1

            def total(self, count):
                return count * 2

        extra = Blueprint("extra", __name__, url_prefix="/extra")
        MODE = os.environ.get("MODE", "dev")
        LIMIT = 50
    """,
    "shop/views.py": """
        from flask import Blueprint, request
        from shop.models import Item, extra

        bp = Blueprint("views", __name__)

        @bp.route("/items")
        def items():
            return str(Item().price())

        @bp.route("/search")
        def search():
            return request.args.get("q", "")

        @extra.route("/ping")
        def ping():
            return "pong"
    """,
}
TOTAL = "        return count * 2\n"
# (file, old text, new text, whether the rule admits it)
SAME_LINK_EDITS = {
    "comment on top": ("shop/models.py", "import os\n", "# models\n\nimport os\n", True),
    "unrun body grows": (
        "shop/models.py",
        TOTAL,
        "        count = count + 1\n        # more\n" + TOTAL,
        True,
    ),
    "unrun body shrinks to a line": ("shop/models.py", TOTAL, "        return 0\n", True),
    "blank line removed": ("shop/models.py", "import os\n\n", "import os\n", True),
    "run body": ("shop/models.py", "return 1\n", "return 2\n", False),
    "unrun body imports an extension": (
        "shop/models.py",
        TOTAL,
        "        import flask_login\n" + TOTAL,
        False,
    ),
    "unrun docstring": ("shop/models.py", TOTAL, '        """Twice."""\n' + TOTAL, False),
    "one statement over three lines": (
        "shop/models.py",
        'extra = Blueprint("extra", __name__, url_prefix="/extra")\n',
        'extra = Blueprint(\n    "extra", __name__, url_prefix="/extra"\n)\n',
        True,
    ),
    # the link tells objects apart by the line that made them
    "two statements on one line": (
        "shop/models.py",
        'extra = Blueprint("extra", __name__, url_prefix="/extra")\nMODE',
        'extra = Blueprint("extra", __name__, url_prefix="/extra"); MODE',
        False,
    ),
    # a file the readiness link reads facts from: only lines may move, facts alike
    "a view file's comment": ("shop/views.py", "from flask", "# views\nfrom flask", True),
    "a comment inside a view": (
        "shop/views.py",
        "    return str(Item().price())\n",
        "    # the price, as text\n    return str(Item().price())\n",
        True,
    ),
    "a view's body": (
        "shop/views.py",
        "    return str(Item().price())\n",
        "    return str(Item().total(2))\n",
        False,
    ),
    "a view reads the request": (
        "shop/views.py",
        "    return str(Item().price())\n",
        "    request.args.get('page')\n    return str(Item().price())\n",
        False,
    ),
    # statements whose run nothing reads: they bind names no other code spells out
    "a constant nothing reads": ("shop/models.py", "import os\n", "import os\nX = 1\n", True),
    "a constant changes": ("shop/models.py", "LIMIT = 50", "LIMIT = [50, {'a': 'b'}, f'c']", True),
    "a constant removed": ("shop/models.py", "LIMIT = 50\n", "", True),
    "an unused library import": (
        "shop/models.py",
        "import os\n",
        "import os\nimport json as js, xml.dom\nfrom csv import reader, writer as w\n",
        True,
    ),
    "a module docstring in a view file": (
        "shop/views.py",
        "from flask",
        '"""Views."""\nfrom flask',
        True,
    ),
    "a constant in a view's body": (
        "shop/views.py",
        "    return str(Item().price())\n",
        "    unused, spare = 1, 2\n    return str(Item().price())\n",
        True,
    ),
    # and what they must not admit
    "a constant a view reads": ("shop/models.py", "LIMIT = 50\n", "LIMIT = 50\nextra = 1\n", False),
    "a name another file spells out": ("shop/models.py", "LIMIT", "request = 1\nLIMIT", False),
    "a name the file reads": ("shop/models.py", "import os\n", "import os\nos = 1\n", False),
    "a call": ("shop/models.py", "LIMIT = 50", "LIMIT = len('50')", False),
    "a name read": ("shop/models.py", "LIMIT = 50", "LIMIT = MODE", False),
    "an attribute write": ("shop/models.py", "LIMIT = 50", "Item.limit = 50", False),
    "a dunder": ("shop/models.py", "LIMIT = 50", "__all__ = ['extra']", False),
    "an import of scanned code": ("shop/models.py", "LIMIT = 50", "import shop.views as sv", False),
    "a relative import": ("shop/models.py", "LIMIT = 50", "from . import nothing", False),
    "an extension import": ("shop/models.py", "LIMIT = 50", "import flask_login", False),
    "a class attribute": (
        "shop/models.py",
        "class Item:\n",
        "class Item:\n    methods = ['POST']\n",
        False,
    ),
    "a view reads a new local": (
        "shop/views.py",
        "    return str(Item().price())\n",
        "    q = 'x'\n    return request.args.get(q, '')\n",
        False,
    ),
}


@pytest.mark.parametrize("edit", sorted(SAME_LINK_EDITS))
def test_edits_the_link_never_runs_keep_the_inventory(tmp_path: Path, edit: str) -> None:
    """A file that takes part in the link, edited where the link never runs (a method
    nobody calls, comments, blank lines): the last inventory, its lines moved, is a
    full scan's answer; an edit the link may see re-links."""
    rel, old, new, admitted = SAME_LINK_EDITS[edit]
    root = write_tree(tmp_path / "src", LINKED_TREE)
    store = tmp_path / "cache"
    base, _ = scan(root, store)
    assert {r.rule for r in base.routes} >= {"/items", "/extra/ping"} and base.findings
    path = root / rel
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    got, stats = scan(root, store)
    expected, _ = scan(root, None)
    assert got == expected, (edit, stats.incremental)
    assert (stats.selection == "same link") == admitted, (edit, stats.incremental)
    if admitted:
        assert stats.parsed == 0 and "link" not in stats.seconds
        if edit in ("comment on top", "unrun body grows"):  # lines of models.py moved
            assert got != base and got.findings[0].line > base.findings[0].line
        if edit in ("a view file's comment", "a comment inside a view"):  # facts moved
            facts = {(f.name, f.line) for r in got.routes for f in r.facts}
            assert facts and facts != {(f.name, f.line) for r in base.routes for f in r.facts}
        assert "only what the link never runs or never reads changed" in stats.summary(0.1)
    # and the next scan follows from this one, the short way or not
    path.write_text(text)
    assert scan(root, store)[0] == base


def test_messages_never_spell_out_lowered_code(tmp_path: Path) -> None:
    """A rule that is a function, not a string: the finding says what it is, briefly.
    It used to hold the function's whole repr (its lowered code, line numbers and
    all), which no relabelling of lines could keep true."""
    root = write_tree(
        tmp_path / "src",
        {
            "app.py": """
                from flask import Flask

                app = Flask(__name__)

                def rule():
                    return "/x"

                def view():
                    return "x"

                app.add_url_rule(rule, "view", view)

                import os

                HOME = os.environ.get("HOME_DIR", str(app))
            """
        },
    )
    inventory, _ = scan(root, None)
    (message,) = [f.message for f in inventory.findings if "is not known statically" in f.message]
    assert "function `rule`" in message and "line=" not in message and len(message) < 200
    (env,) = [f.message for f in inventory.findings if f.code == "env-default"]
    assert "(value not known statically: " in env and "line=" not in env


# Found by review: each a one-file edit where the short way once differed from a
# full scan. (file, old, new) edits, applied one after another to the tree.
REVIEWED = {
    # the isolated way leaves the record's "what ran" of the old file: the next
    # edit, of an entry point that did run, must not count as never run
    "isolated, then an entry point's body": (
        {
            "app.py": 'from flask import Flask\napp = Flask(__name__)\n\n@app.route("/")\n'
            'def index():\n    return "hi"\n',
            "zscript.py": "import app\n\ndef main():\n    return 1\n",
        },
        [
            ("zscript.py", "import app", "\nimport app"),
            ("zscript.py", "    return 1\n", "    app.app.add_url_rule('/new', 'new', main)\n"),
        ],
    ),
    # a WebSocket handler in a method nobody calls, removed: the file was a socket file
    "socket handler removed": (
        {
            "app.py": "from flask import Flask\nimport ws\napp = Flask(__name__)\n\n"
            '@app.route("/")\ndef index():\n    return "hi"\n',
            "ext.py": "sock = None\n",
            "ws.py": "import ext\n\nclass Later:\n    def install(self):\n"
            "        from ext import sock\n\n        @sock.route('/echo')\n"
            "        def echo(ws):\n            return ws\n",
        },
        [
            (
                "ws.py",
                "        from ext import sock\n\n        @sock.route('/echo')\n"
                "        def echo(ws):\n            return ws\n",
                "        pass\n",
            )
        ],
    ),
    # a route added in a loop of another file: the finding names the loop's file
    "loop in another file": (
        {
            "app.py": "from flask import Flask\napp = Flask(__name__)\nimport loop\n",
            "views.py": 'def view():\n    return "x"\n',
            "helpers.py": "from app import app\nfrom views import view\n\ndef add(rule):\n"
            '    app.add_url_rule(rule, "ep" + rule, view)\n',
            "loop.py": 'from helpers import add\n\nfor r in ["/a", "/b"]:\n    add(r)\n',
        },
        [
            ("loop.py", "from helpers", "\n\n\nfrom helpers"),
            ("helpers.py", "from app import app\n", "from app import app\n\n\n"),
        ],
    ),
    # 0.0 == -0.0, yet the link prints the sign (second review)
    "signed zero": (
        {
            "app.py": "from flask import Flask\nimport views, conf\napp = Flask(__name__)\n"
            'app.add_url_rule(f"/v{conf.V}", "index", views.index)\n',
            "views.py": 'def index():\n    return "x"\n',
            "conf.py": 'import os\nV = 0.0\nT = os.environ.get("T", 0.0)\n',
        },
        [
            (
                "conf.py",
                'V = 0.0\nT = os.environ.get("T", 0.0)',
                'V = -0.0\nT = os.environ.get("T", -0.0)',
            )
        ],
    ),
    # a decorator factory's name rebound by a later import from another file
    "decorator name rebound": (
        {
            "deco.py": "from flask import Flask\napp = Flask(__name__)\n\n"
            "def roles(*names):\n    def deco(f):\n        return f\n    return deco\n\n"
            'admin = roles("admin")\n\n@app.route("/")\n@admin\ndef index():\n'
            '    return "x"\n\nfrom compat import roles\n',
            "compat.py": "def roles(*names):\n    return None\n",
        },
        [("compat.py", "def roles", "\n\n\ndef roles")],
    ),
    # statements nothing reads (third review): a name `[^\\W\\d]\\w*` splits in two
    "identifier with a combining mark": (
        {
            "app.py": "from flask import Flask\napp = Flask(__name__)\n"
            '\u0928\u093e\u092e = "/old"\n\n@app.route(\u0928\u093e\u092e)\n'
            'def a():\n    return "a"\n',
        },
        [("app.py", '"/old"', '"/new"'), ("app.py", '"/new"', '"/newer"')],
    ),
    "identifier with a middle dot": (
        {
            "app.py": "from flask import Flask\napp = Flask(__name__)\n"
            'p\u00b7x = "/old"\n\n@app.route(p\u00b7x)\ndef a():\n    return "a"\n',
        },
        [("app.py", '"/old"', '"/new"')],
    ),
    # an f-string of an int past str()'s digit limit raises: a finding, the rest lost
    "a value that fails to convert": (
        {
            "app.py": "from flask import Flask\napp = Flask(__name__)\nMARK = 1\n\n"
            '@app.route("/a")\ndef a():\n    return "a"\n',
        },
        [
            ("app.py", "MARK = 1\n", "MARK = 1\nzq = f'{0x" + "f" * 4000 + "}'\n"),
            ("app.py", "zq = f", "zz = f"),
        ],
    ),
    # an ASCII file in UTF-7 spells `foo` as `+AGYAbwBv-`
    "a name spelled through a coding line": (
        {
            "cfg.py": "q9 = 1\n",
            "app.py": "# coding: utf-7\nfrom flask import Flask\n+AGYAbwBv- = '/old'\n"
            "from cfg import *\napp = Flask(__name__)\n\n@app.route(+AGYAbwBv-)\n"
            "def r():\n    return 'r'\n",
        },
        [("cfg.py", "q9 = 1\n", "q9 = 1\nfoo = '/new'\n")],
    ),
    # CPython refuses a star import in a class body; the link copied `methods` there
    "a star import in a class body": (
        {
            "cfg.py": "q9 = 1\n",
            "app.py": "from flask import Flask\nfrom flask.views import View\n"
            "app = Flask(__name__)\n\nclass V(View):\n    from cfg import *\n\n"
            "    def dispatch_request(self):\n        return 'x'\n\n"
            "app.add_url_rule('/v', view_func=V.as_view('v'))\n",
        },
        [("cfg.py", "q9 = 1\n", "q9 = 1\nmethods = ['POST']\n")],
    ),
    # a name nobody spells, read by one the link computed (`dir`, `getattr`)
    "constant in a module read by computed names": (
        {
            "app.py": "from flask import Flask\nimport views\n\napp = Flask(__name__)\n"
            "for name in dir(views):\n    if name.startswith('P_'):\n"
            "        app.register_blueprint(\n            views.bp, name=name.lower(),"
            " url_prefix=getattr(views, name)\n        )\n",
            "views.py": "from flask import Blueprint\n\nbp = Blueprint('bp', __name__)\n"
            "P_ONE = '/one'\n\n@bp.route('/')\ndef index():\n    return 'hi'\n",
        },
        [("views.py", "P_ONE = '/one'\n", "P_ONE = '/one'\nP_TWO = '/two'\n")],
    ),
    # the module listed holds the changed module's names through a star import
    "constant in a module star-imported into one read by computed names": (
        {
            "app.py": "from flask import Flask\nimport hub\n\napp = Flask(__name__)\n\n"
            "def view():\n    return 'x'\n\nfor n in dir(hub):\n"
            "    if not n.startswith('_'):\n        app.add_url_rule('/' + n, n, view)\n",
            "hub.py": "from names import *\n",
            "names.py": "alpha = 1\n",
        },
        [("names.py", "alpha = 1\n", "alpha = 1\nbeta = 2\n")],
    ),
    # `module_from_spec` hands over a module without an import statement
    "module from a spec in a file nothing imports": (
        {
            "portal/__init__.py": "",
            "portal/app.py": "from flask import Flask\nfrom portal import registry\n\n"
            "def view():\n    return 'x'\n\ndef create_app():\n    app = Flask(__name__)\n"
            "    for p in registry.PREFIXES:\n"
            "        app.add_url_rule(p, endpoint=p, view_func=view)\n    return app\n",
            "portal/registry.py": "PREFIXES = ['/base']\n",
            "portal/zz_tweak.py": "import importlib.util\n"
            "spec = importlib.util.find_spec('portal.registry')\n"
            "mod = importlib.util.module_from_spec(spec)\nmod.PREFIXES.append('/extra')\n",
        },
        [("portal/zz_tweak.py", "'/extra'", "'/other'")],
    ),
}


@pytest.mark.parametrize("case", sorted(REVIEWED))
def test_reviewed_edits_match_a_full_scan(tmp_path: Path, case: str) -> None:
    files, edits = REVIEWED[case]
    root = tmp_path / "src"
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    store = tmp_path / "cache"
    scan(root, store)
    for rel, old, new in edits:
        path = root / rel
        text = path.read_text()
        assert old in text
        path.write_text(text.replace(old, new, 1))
        got, stats = scan(root, store)
        assert got == scan(root, None)[0], (case, rel, stats.incremental)


def test_a_loop_finding_names_the_loops_own_file(tmp_path: Path) -> None:
    """`route-in-loop` is reported where the loop is, not at the registering call's
    file with the loop's line (which named a line of another file)."""
    files, _ = REVIEWED["loop in another file"]
    root = write_tree(tmp_path / "src", files)
    inventory, _ = scan(root, None)
    loops = {(f.file, f.line) for f in inventory.findings if f.code == "route-in-loop"}
    assert loops == {("loop.py", 3)}


def test_a_record_serves_only_its_own_options(tmp_path: Path) -> None:
    """Scans with and without the prefilter share inventories, never records: a
    record's `linked` and `order` are of one selection (second review)."""
    root = write_tree(
        tmp_path / "src",
        {
            "app.py": "from flask import Flask, Blueprint\napp = Flask(__name__)\n"
            "more = Blueprint('more', __name__, url_prefix='/more')\n\n"
            "@more.route('/x')\ndef x():\n    return 'x'\n\napp.register_blueprint(more)\n",
            "zz.py": "A = 1\n",  # no seed in its component: the prefilter skips it
        },
    )
    store = tmp_path / "cache"

    def scan_with(prefilter: bool, cache_dir: Path | None) -> object:
        options = ScanOptions(
            jobs=1,
            cache_dir=cache_dir,
            reuse_inventory=cache_dir is not None,
            prefilter=prefilter,
        )
        return scan_paths([root], options)

    scan_with(True, store)
    scan_with(False, store)  # the inventory cache answers; the record is not its own
    (root / "zz.py").write_text("import app\napp.more.url_prefix = '/changed'\n")
    got = scan_with(False, store)
    assert got == scan_with(False, None)
    assert "/changed/x" in {r.rule for r in got.routes}


def test_a_skipped_file_rewritten_mid_scan_is_not_judged_on_new_bytes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The isolated way lowers a skipped file again: if it changed since it was
    read, the verdict is not of the bytes the inventory key names (second review)."""
    import migrate.scan as scan_module

    root = write_tree(
        tmp_path / "src",
        {"app.py": "from flask import Flask\napp = Flask(__name__)\n", "tool.py": "A = 1\n"},
    )
    store = tmp_path / "cache"
    tool = root / "tool.py"
    scan(root, store)
    broken, fixed = "def broken(:\n", "A = 2\n"
    real = scan_module.lower_file

    def editor_saves_again(source):
        if source.rel == "tool.py" and tool.read_text() == broken:
            tool.write_text(fixed)
        return real(source)

    monkeypatch.setattr(scan_module, "lower_file", editor_saves_again)
    tool.write_text(broken)
    scan(root, store)
    monkeypatch.setattr(scan_module, "lower_file", real)
    tool.write_text(broken)  # the bytes the raced scan read first
    got, _ = scan(root, store)
    assert got == scan(root, None)[0] and got.errors


def test_a_defect_in_a_short_way_costs_only_speed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A short way that raises (a scanner defect) leaves the scan to the long way."""
    root = write_tree(tmp_path / "src", LINKED_TREE)
    store = tmp_path / "cache"
    scan(root, store)

    def defect(change: object) -> object:
        raise KeyError("planted")

    monkeypatch.setattr(incremental, "_same_link", defect)
    path = root / "shop/models.py"
    path.write_text("# models\n" + path.read_text())
    got, stats = scan(root, store)
    assert got == scan(root, None)[0]
    assert stats.incremental.startswith("the short way failed (KeyError: 'planted')")
    assert "link" in stats.seconds


def test_statements_nothing_reads_need_a_link_that_had_stack_to_spare(tmp_path: Path) -> None:
    """Where the link ran out of Python stack, a step more or less can move where it
    did: after such a link, an added constant re-links."""
    files = {f"m{i:03}.py": f"import m{i + 1:03}\n" for i in range(400)}
    files["app.py"] = "from flask import Flask\nimport m000\napp = Flask(__name__)\n"
    root = write_tree(tmp_path / "src", files)
    store = tmp_path / "cache"
    base, _ = scan(root, store)
    assert any(f.message == "code nested too deeply to follow" for f in base.findings)
    path = root / "m000.py"
    path.write_text(path.read_text() + "TOUCHED = 1\n")
    got, stats = scan(root, store)
    assert got == scan(root, None)[0]
    assert stats.selection != "same link", stats.incremental
    # a link with stack to spare takes the short way for the same kind of edit
    (root / "m005.py").write_text("")
    assert not scan(root, store)[0].findings
    path.write_text(path.read_text() + "ALSO_TOUCHED = 1\n")
    got, stats = scan(root, store)
    assert got == scan(root, None)[0]
    assert stats.selection == "same link", stats.incremental


# CKAN's loop: every module of a folder, its blueprints picked by a predicate
SIFTED_TREE = {
    "portal/__init__.py": """
        import inspect
        import os
        import pkgutil

        from flask import Blueprint, Flask

        def is_blueprint(mm):
            '''A blueprint the app registers.'''
            return isinstance(mm, Blueprint) and getattr(mm, "auto_register", True)

        def create_app():
            app = Flask(__name__)
            path = os.path.join(os.path.dirname(__file__), "views")
            for loader, name, _ in pkgutil.iter_modules([path], "portal.views."):
                module = loader.find_module(name).load_module(name)
                for _, blueprint in inspect.getmembers(module, PICK):
                    app.register_blueprint(blueprint)
            return app
    """,
    "portal/views/__init__.py": "",
    "portal/views/files.py": """
        from flask import Blueprint

        files = Blueprint("files", __name__, url_prefix="/files")
        LIMIT = 10

        @files.route("/")
        def index():
            return str(LIMIT)
    """,
}
# (predicate, edit of files.py, whether the rule admits it)
SIFTED_EDITS = {
    "a constant appended": ("is_blueprint", "TOUCHED = 0\n", True),
    "a text constant appended": ("is_blueprint", "TOUCHED = 'x'\n", True),
    # the predicate sees every member: these are values it does not reject by type
    "a list appended": ("is_blueprint", "TOUCHED = [0]\n", False),
    "a library import appended": ("is_blueprint", "import json\n", False),
    "a constant, every member kept": ("lambda_free", "TOUCHED = 0\n", False),
    "a constant, isinstance of object": ("of_object", "TOUCHED = 0\n", False),
    "a constant, isinstance shadowed": ("shadowed", "TOUCHED = 0\n", False),
}
PREDICATES = {
    "is_blueprint": "",
    "lambda_free": "def lambda_free(mm):\n    return True\n",
    "of_object": "def of_object(mm):\n    return isinstance(mm, object)\n",
    "shadowed": "def shadowed(mm):\n    return isinstance(mm, Blueprint)\n\n"
    "def isinstance(value, cls):\n    return True\n",
}


@pytest.mark.parametrize("edit", sorted(SIFTED_EDITS))
def test_a_constant_in_a_module_getmembers_sifts_is_not_read(tmp_path: Path, edit: str) -> None:
    """`inspect.getmembers(module, is_blueprint)` passes every name of the module to
    a predicate that rejects constants: a constant appended to the module keeps
    the inventory (same link); any other value, or a predicate that may accept a
    constant, re-links."""
    predicate, line, admitted = SIFTED_EDITS[edit]
    files = dict(SIFTED_TREE)
    init = textwrap.dedent(files["portal/__init__.py"]).replace("PICK", predicate)
    files["portal/__init__.py"] = init + "\n\n" + PREDICATES[predicate]
    root = write_tree(tmp_path / "src", files)
    store = tmp_path / "cache"
    base, _ = scan(root, store)
    assert "/files/" in {r.rule for r in base.routes}, base.findings
    path = root / "portal/views/files.py"
    path.write_text(path.read_text() + line)
    got, stats = scan(root, store)
    assert got == scan(root, None)[0], (edit, stats.incremental)
    assert (stats.selection == "same link") == admitted, (edit, stats.incremental)


def test_relabel_reads_no_text_when_none_says_line(tmp_path: Path) -> None:
    """`relabel(..., spelled=False)` (the inventory's pickle holds no "line=") skips
    reading texts and most facts, and moves the same lines; with a text that says
    "line=", the texts are read and the short way refused."""
    root = write_tree(tmp_path / "src", LINKED_TREE)
    inventory, _ = scan(root, None)
    assert isinstance(inventory, model.Inventory)
    lines = {n: n + 2 for n in range(1, 40)}
    moved = incremental.relabel(inventory, "shop/views.py", lines)
    assert moved is not None and moved != inventory
    assert incremental.relabel(inventory, "shop/views.py", lines, spelled=False) == moved
    view_lines = {r.view.line for r in moved.routes if r.view and r.view.file == "shop/views.py"}
    assert view_lines == {
        r.view.line + 2 for r in inventory.routes if r.view and r.view.file == "shop/views.py"
    }
    said = dataclasses.replace(
        inventory,
        findings=(*inventory.findings, model.Finding("x", "Site(line=3)", "a.py", 1)),
    )
    assert incremental.relabel(said, "shop/views.py", lines) is None


@pytest.mark.parametrize("root", [SAMPLE, *fixture_dirs()[:12]], ids=lambda p: p.name)
def test_relabel_with_the_route_index_moves_what_the_whole_walk_moves(root: Path) -> None:
    """With the record's `touched` (file -> routes holding an object of it), `relabel`
    walks only those routes; for every file of the inventory, every line moved
    down by one, the result is the whole walk's."""
    inventory = scan_paths([root], ScanOptions(jobs=1))
    index = incremental.touched(inventory)
    files = set(index) | {f.file for f in inventory.findings} | {a.file for a in inventory.apps}
    skipped = 0
    for file in sorted(files):
        lines = {n: n + 1 for n in range(1, 2000)}
        whole = incremental.relabel(inventory, file, lines, spelled=False)
        assert whole is not None
        assert incremental.relabel(inventory, file, lines, False, index) == whole, file
        skipped += len(inventory.routes) - len(index.get(file, ()))
    if root == SAMPLE:  # routes in several files: some route was left unwalked
        assert skipped > len(inventory.routes)


def test_a_refused_short_way_leaves_its_forms_to_the_re_link(tmp_path: Path) -> None:
    """The second rule lowered the changed file and ran libcst on it; when it refuses
    (a call appended to a view module), the re-link reads both from the cache
    instead of making them again, and equals a full scan."""
    root = write_tree(tmp_path / "src", LINKED_TREE)
    store = tmp_path / "cache"
    scan(root, store)
    views = root / "shop/views.py"
    views.write_text(views.read_text() + "\nprint(1)\n")
    got, stats = scan(root, store)
    assert stats.selection != "same link" and "more than code" in stats.incremental
    assert got == scan(root, None)[0]
    assert stats.parsed == 0 and stats.detected == 0, stats.summary(0.0)


class _Pair(NamedTuple):
    at: model.Location
    note: str


def test_the_route_index_walks_tuples_as_relabel_does() -> None:
    """A tuple subclass inside a route (a review's counterexample; no scan makes one
    today) is walked by both: the route is indexed under the file it names."""
    route = model.Route(
        rule="/x",
        methods=("GET",),
        endpoint="x",
        app="a:app",
        blueprint=None,
        view=model.View("x", "views.py", 3),
        defaults=(("where", _Pair(model.Location("other.py", 5), "n")),),
    )
    inventory = model.Inventory(root="r", files_scanned=2, routes=(route,))
    lines = {n: n + 10 for n in range(1, 100)}
    index = incremental.touched(inventory)
    assert index["other.py"] == (0,)
    whole = incremental.relabel(inventory, "other.py", lines, spelled=False)
    assert whole != inventory
    assert incremental.relabel(inventory, "other.py", lines, False, index) == whole
