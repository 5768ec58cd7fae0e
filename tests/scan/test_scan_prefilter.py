"""The prefilter skips only files that cannot change the inventory.

Every case compares the whole inventory with the prefilter on and off, and
checks which files the rule kept.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest
from speed_trees import APPS, CONSTANT_TREE, REPO, SAMPLE, fixture_dirs, write_tree

from migrate.readiness.extensions import EXTENSIONS
from migrate.scan import ScanOptions, library, prefilter, scan_paths
from migrate.scan.detectors import websockets
from migrate.scan.discover import discover
from migrate.scan.pipeline import Stats


def kept(root: Path) -> set[str]:
    sources = list(discover([root], root))
    shapes = [prefilter.shape_of(s.path.read_bytes()) for s in sources]
    selection = prefilter.select(sources, shapes, root)
    return {sources[i].rel for i in selection.keep}


def same_either_way(root: Path) -> Stats:
    stats = Stats()
    on = scan_paths([root], ScanOptions(jobs=1, stats=stats))
    off = scan_paths([root], ScanOptions(jobs=1, prefilter=False))
    assert on == off
    return stats


# ---------------------------------------------------------------- the rule


def test_constant_module_imported_by_routes_is_kept(tmp_path: Path) -> None:
    root = write_tree(tmp_path, CONSTANT_TREE)
    assert kept(root) == {"app.py", "settings.py"}
    stats = same_either_way(root)
    inv = scan_paths([root])
    assert [r.rule for r in inv.routes if r.endpoint == "items"] == ["/api/items"]
    assert (stats.files, stats.kept, stats.checked) == (4, 2, 2)


def test_plugin_that_registers_into_a_kept_registry_is_kept(tmp_path: Path) -> None:
    """Nothing imports the plugin and it never mentions Flask, yet its view is served."""
    root = write_tree(
        tmp_path,
        {
            "web/__init__.py": """
                from flask import Flask
                from web.registry import VIEWS

                def create_app():
                    app = Flask(__name__)
                    for rule, view in VIEWS:
                        app.add_url_rule(rule, view_func=view)
                    return app
            """,
            "web/registry.py": """
                VIEWS = []

                def register(rule):
                    def deco(fn):
                        VIEWS.append((rule, fn))
                        return fn
                    return deco
            """,
            "plugins/hello.py": """
                from web.registry import register

                @register("/hello")
                def hello():
                    return "hi"
            """,
            "scripts/unrelated.py": "print('hello')\n",
        },
    )
    assert kept(root) == {"web/__init__.py", "web/registry.py", "plugins/hello.py"}
    same_either_way(root)


def test_helper_without_flask_words_is_kept(tmp_path: Path) -> None:
    """A helper that registers through a parameter (duck typing) is reached by import."""
    root = write_tree(
        tmp_path,
        {
            "app.py": """
                from flask import Flask
                from helpers import apply

                app = Flask(__name__)

                def view():
                    return "x"

                apply(app.add_url_rule, "/x", view_func=view)
            """,
            "helpers.py": """
                def apply(fn, *args, **kwargs):
                    return fn(*args, **kwargs)
            """,
        },
    )
    assert kept(root) == {"app.py", "helpers.py"}
    same_either_way(root)


def test_submodule_reached_as_an_attribute_is_kept(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path,
        {
            "app.py": """
                import conf
                from flask import Blueprint

                bp = Blueprint("bp", __name__, url_prefix=conf.values.PREFIX)
            """,
            "conf/__init__.py": "",
            "conf/values.py": 'PREFIX = "/v"\n',
        },
    )
    assert kept(root) == {"app.py", "conf/__init__.py", "conf/values.py"}
    same_either_way(root)


def test_dynamic_import_keeps_everything(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path,
        {
            **CONSTANT_TREE,
            "loader.py": """
                import importlib

                def load(name):
                    return importlib.import_module(name)
            """,
        },
    )
    assert kept(root) == set(CONSTANT_TREE) | {"loader.py"}
    stats = same_either_way(root)
    assert stats.selection == "dynamic-import"


@pytest.mark.parametrize(
    "app",
    [
        # identifiers CPython reads as `flask` and `Flask` (NFKC)
        "from \uff46\uff4c\uff41\uff53\uff4b import \uff26lask\n\n"
        "app = \uff26lask(__name__)\n\n@app.get('/x')\ndef x():\n    return ''\n",
        # pure ASCII bytes, read as UTF-7
        "# coding: utf-7\nfrom +AGY-lask import +AEY-lask\n\n"
        "app = +AEY-lask(__name__)\n\n@app.get('/x')\ndef x():\n    return ''\n",
    ],
    ids=["fullwidth", "utf-7"],
)
def test_names_are_matched_as_python_reads_them(tmp_path: Path, app: str) -> None:
    root = write_tree(tmp_path, {"app.py": app})
    assert kept(root) == {"app.py"}
    same_either_way(root)
    assert "/x" in [r.rule for r in scan_paths([root]).routes]


def test_without_flask_nothing_is_parsed_but_errors_are_still_listed(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path,
        {
            "a.py": "import b\nX = 1\n",
            "b.py": "Y = 2\n",
            "broken.py": "def f(:\n    pass\n",
        },
    )
    (root / "latin.py").write_bytes(b'S = "caf\xe9"\n')  # not UTF-8, no coding cookie
    assert kept(root) == set()
    stats = same_either_way(root)
    assert (stats.kept, stats.parsed, stats.checked) == (0, 2, 4)  # the two bad files in full
    inv = scan_paths([root])
    assert [e.file for e in inv.errors] == ["broken.py", "latin.py"]


def test_same_module_name_in_two_folders(tmp_path: Path) -> None:
    """First file with a name wins, with or without the prefilter."""
    root = write_tree(
        tmp_path,
        {
            "a_tools/settings.py": 'PREFIX = "/tools"\n',
            "b_app/settings.py": 'PREFIX = "/app"\n',
            "b_app/main.py": """
                from flask import Flask
                from settings import PREFIX

                app = Flask(__name__)

                @app.get(PREFIX + "/ping")
                def ping():
                    return "ok"
            """,
        },
    )
    assert kept(root) == {"a_tools/settings.py", "b_app/settings.py", "b_app/main.py"}
    same_either_way(root)


@pytest.mark.parametrize("tree", [*fixture_dirs(), SAMPLE], ids=lambda p: p.name)
def test_oracle_trees_same_with_and_without_prefilter(tree: Path) -> None:
    same_either_way(tree)


def test_every_known_library_name_is_a_token() -> None:
    """Adding a library to `patterns/` or the extensions table means adding its token."""
    library.load_patterns()
    words = [t.decode() for t in (*prefilter.TOKENS, *prefilter.DYNAMIC)]
    inert = (
        "functools.",  # decide endpoint names only, on views reached by import
        # compute paths, listings and answers from values reached otherwise; the
        # loaders that run a module are DYNAMIC (`exec_module`, `load_module`)
        "os.path.",
        "posixpath.",
        "os.walk",
        "os.listdir",
        "pkgutil.iter_modules",
        "importlib.util.",
        "builtins.dir",
        "builtins.getattr",
        "builtins.isinstance",
        "builtins.setattr",  # writes only onto values reached otherwise
    )
    names = {
        *library.CONSTRUCTORS,
        *library.ALIASES,
        *library.ALIASES.values(),
        *library.ANCESTORS,
        *library.ANCESTORS.values(),
        *EXTENSIONS,
        *websockets.CLASSES,
        *websockets.USUAL,
    }
    missing = sorted(n for n in names if not n.startswith(inert) and not any(w in n for w in words))
    assert missing == [], f"add a token to migrate/scan/prefilter.py for {missing}"


# ----------------------------------------------------------- import scan


@pytest.mark.parametrize(
    ("source", "refs"),
    [
        pytest.param("import a.b.c as d, e\n", {(0, "a.b.c", ()), (0, "e", ())}, id="import"),
        pytest.param("from.x import y\n", {(1, "x", ("y",))}, id="no-blank-after-from"),
        pytest.param("from . . import y\n", {(2, "", ("y",))}, id="spaced-dots"),
        pytest.param(
            "from ...pkg import (a,\n  # b)\n  c)\n", {(3, "pkg", ("a", "c"))}, id="paren"
        ),
        pytest.param("from a \\\n  import b, \\\n  c\n", {(0, "a", ("b", "c"))}, id="continued"),
        pytest.param("x = 1; import q\n", {(0, "q", ())}, id="semicolon"),
        pytest.param("if x: from m import n\n", {(0, "m", ("n",))}, id="one-line-if"),
        pytest.param("def f():\n\timport deep.er\n", {(0, "deep.er", ())}, id="tab-indent"),
        pytest.param("from m import *\n", {(0, "m", ())}, id="star"),
    ],
)
def test_import_scan_finds(source: str, refs: set[tuple[int, str, tuple[str, ...]]]) -> None:
    found = {(r.level, r.module, r.names) for r in prefilter.shape_of(source.encode()).imports}
    for level, module, names in refs:
        assert any(f[0] == level and f[1] == module and set(names) <= set(f[2]) for f in found), (
            source,
            found,
        )


def _python_files() -> list[Path]:
    site = Path(sys.modules["libcst"].__file__ or "").parent.parent
    names = ("flask", "werkzeug", "click", "jinja2", "libcst", "rich")
    roots = [APPS, SAMPLE, REPO / "migrate", *(site / n for n in names)]
    return [p for root in roots if root.is_dir() for p in sorted(root.rglob("*.py"))]


def test_import_scan_covers_every_import_ast_sees() -> None:
    """Over-approximation only: every import CPython parses is in the byte scan."""
    checked = 0
    for path in _python_files():
        data = path.read_bytes()
        try:
            tree = ast.parse(data)
        except (SyntaxError, ValueError):
            continue
        refs = prefilter.shape_of(data).imports
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    assert any(r.level == 0 and r.module == alias.name for r in refs), (path, alias)
            elif isinstance(node, ast.ImportFrom):
                want = {a.name for a in node.names} - {"*"}
                assert any(
                    r.level == node.level
                    and r.module == (node.module or "")
                    and want <= set(r.names)
                    for r in refs
                ), (path, node.lineno)
        checked += 1
    assert checked > 600
