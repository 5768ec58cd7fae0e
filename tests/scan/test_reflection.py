"""Blueprints found at run time: folder listings (`patterns/discovery.py`) and reading
modules by computed names (`patterns/reflection.py`).

The routes themselves are checked against Flask's own `url_map` by the oracle
fixture `tests/fixtures/apps/discovered_views`; these tests check what the
oracle cannot see: the answers that add no route (a member that is *not* a
blueprint), the findings, and the listings against the standard library's own.
"""

from __future__ import annotations

import os
import pkgutil
import textwrap
from pathlib import Path

import flask
import pytest

from migrate.scan import ScanOptions, scan_paths
from migrate.scan.patterns.reflection import FLASK_ATTRIBUTES

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "apps" / "discovered_views"


def write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return root


def scan(root: Path) -> object:
    return scan_paths([root], ScanOptions(jobs=1, cache_dir=None, include_tests=True))


def test_flask_attributes_cover_the_installed_flask() -> None:
    """`getattr(bp, name, default)` gives the default only for a name Flask lacks."""
    app, bp = flask.Flask("x"), flask.Blueprint("x", "x")
    public = {
        name
        for obj in (flask.Flask, flask.Blueprint, app, bp)
        for name in dir(obj)
        if not name.startswith("_")
    }
    assert public - FLASK_ATTRIBUTES == set()


def test_members_that_are_not_blueprints_are_told_apart() -> None:
    """Modules, classes, instances, dicts, lists, functions and names imported from
    Flask, `typing` or `json`: `isinstance(..., Blueprint)` is False for each, so
    no register_blueprint of a non-blueprint is reported (the oracle sees only
    routes, and an unknown answer still registers the real blueprints)."""
    inventory = scan(FIXTURE)
    codes = {(f.code, f.line) for f in inventory.findings if f.file == "portal/app.py"}
    assert ("unresolved-blueprint", 38) not in codes
    assert not any(code == "unresolved-member" for code, _ in codes)
    assert {r.endpoint for r in inventory.routes} >= {"special.special_view", "home.index"}


def test_an_unknown_answer_is_reported_once_and_left_out(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "app.py": """
                import inspect
                from flask import Blueprint, Flask
                import views

                def is_blueprint(member):
                    return isinstance(member, Blueprint)

                app = Flask(__name__)
                for name, bp in inspect.getmembers(views, is_blueprint):
                    app.register_blueprint(bp)
                for name, bp in inspect.getmembers(views, lambda m: m is not None):
                    app.register_blueprint(bp, name="again_" + name)
            """,
            "views.py": """
                from flask import Blueprint
                from sqlalchemy import Query

                bp = Blueprint("bp", __name__)

                @bp.route("/")
                def index():
                    return "hi"
            """,
        },
    )
    inventory = scan(root)
    assert [r.endpoint for r in inventory.routes if r.endpoint != "static"] == ["bp.index"]
    members = [f for f in inventory.findings if f.code == "unresolved-member"]
    assert [(f.file, f.line) for f in members] == [("app.py", 10)]
    assert "`Query` of `views`" in members[0].message  # a class from a library it cannot see
    # the lambda's answers are not known at all: the loop is over an unknown value
    assert any(f.code == "unresolved-blueprint" and f.line == 13 for f in inventory.findings)


def _listing_app(folder: str) -> str:
    return f"""
        import os
        import pkgutil
        from flask import Flask

        def listed():
            return "x"

        app = Flask(__name__)
        here = os.path.join(os.path.dirname(__file__), {folder!r})
        for info in pkgutil.iter_modules([here], "p."):
            kind = "pkg" if info.ispkg else "mod"
            app.add_url_rule("/" + info.name + "/" + kind, info.name, listed)
    """


def test_iter_modules_lists_what_pkgutil_lists(tmp_path: Path) -> None:
    """Modules, packages, folders that are not packages, `__init__`: the scan's
    listing is pkgutil's own, in its order."""
    tree = {
        "lib/zeta.py": "",
        "lib/alpha.py": "",
        "lib/__init__.py": "",
        "lib/pkg/__init__.py": "",
        "lib/pkg/inner.py": "",
        "lib/loose/mod.py": "",  # a folder without __init__.py: not a package
        "lib/pkg2/__init__.py": "",
        "lib/pkg2.py": "",  # the folder sorts first, and wins
    }
    root = write(tmp_path / "src", {**tree, "app.py": _listing_app("lib")})
    expected = [
        (info.name, info.ispkg) for info in pkgutil.iter_modules([os.fspath(root / "lib")], "p.")
    ]
    assert [name for name, _ in expected] == ["p.alpha", "p.pkg", "p.pkg2", "p.zeta"]
    inventory = scan(root)
    rules = [r.rule for r in inventory.routes if r.endpoint != "static"]
    assert rules == [f"/{name}/{'pkg' if ispkg else 'mod'}" for name, ispkg in expected]


def test_a_path_outside_the_tree_is_not_listed(tmp_path: Path) -> None:
    root = write(tmp_path, {"app.py": _listing_app("/etc"), "lib/a.py": ""})
    inventory = scan(root)
    assert [r.endpoint for r in inventory.routes] == ["static"]


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("os.path.join(os.path.dirname(__file__), 'a', '..', 'b')", "/<root>/pkg/a/../b"),
        ("os.path.normpath(os.path.join(os.path.dirname(__file__), '..'))", "/<root>"),
        ("os.path.basename(__file__)", "mod.py"),
        ("os.path.relpath(__file__, os.path.dirname(os.path.dirname(__file__)))", "pkg/mod.py"),
        ("os.path.abspath(__file__)", "/<root>/pkg/mod.py"),
        ("os.path.splitext(os.path.basename(__file__))[0]", "mod"),
        ("os.sep.join(['a', 'b'])", "a/b"),
    ],
)
def test_paths_compute_as_posixpath_does(tmp_path: Path, expr: str, expected: str) -> None:
    root = write(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/mod.py": f"""
                import os
                from flask import Flask

                app = Flask(__name__)
                app.add_url_rule("/" + {expr}, "x", lambda: "x")
            """,
        },
    )
    inventory = scan(root)
    assert [r.rule for r in inventory.routes if r.endpoint == "x"] == ["/" + expected]


def test_a_relative_path_stays_unknown(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "app.py": """
                import os
                from flask import Flask

                app = Flask(__name__)
                app.add_url_rule("/" + os.path.abspath("x"), "x", lambda: "x")
            """
        },
    )
    inventory = scan(root)
    assert [f.code for f in inventory.findings] == ["dynamic-rule"]


DATACLASS_APP = """
                from dataclasses import dataclass
                from flask import Blueprint, Flask

                admin = Blueprint("admin", __name__)

                @admin.route("/admin")
                def admin_index():
                    return "a"

                class Registry:
                    def __init__(self, **items):
                        self._items = items

                    def __getattr__(self, name):
                        return self._items[name]

                @dataclass
                class Plugin:
                    name: str
                    blueprint: Blueprint = None

                app = Flask(__name__)
                for plugin in [Plugin("admin", admin)]:
                    bp = getattr(plugin, "blueprint", None)
                    if bp is not None:
                        app.register_blueprint(bp)
                shop = getattr(Registry(shop=admin), "shop", None)
                if shop is not None:
                    app.register_blueprint(shop, name="shop", url_prefix="/shop")
            """

# Found by review: each an app whose url_map the scan got wrong (a blueprint
# dropped or invented) before the fix; the scan must now list Flask's own rules.
REVIEWED_APPS = {
    "setattr hides a blueprint from its loop": (
        "app:app",
        {
            "app.py": """
                import inspect
                from flask import Blueprint, Flask
                import views

                def is_blueprint(member):
                    return isinstance(member, Blueprint) and getattr(member, "auto_register", True)

                app = Flask(__name__)
                for _, bp in inspect.getmembers(views, is_blueprint):
                    app.register_blueprint(bp)
            """,
            "views.py": """
                from flask import Blueprint

                public = Blueprint("public", __name__)
                hidden = Blueprint("hidden", __name__)
                setattr(hidden, "auto_register", False)

                @public.route("/public")
                def pub():
                    return "p"

                @hidden.route("/hidden")
                def hid():
                    return "h"
            """,
        },
    ),
    "dir of a package lists the submodules imported": (
        "portal.app:create_app()",
        {
            "portal/__init__.py": "",
            "portal/views/__init__.py": "",
            "portal/views/home.py": """
                from flask import Blueprint

                bp = Blueprint("home", __name__)

                @bp.route("/home")
                def index():
                    return "home"
            """,
            "portal/app.py": """
                import types
                from flask import Blueprint, Flask
                import portal.views
                import portal.views.home

                def create_app():
                    app = Flask(__name__)
                    for name in dir(portal.views):
                        module = getattr(portal.views, name)
                        if isinstance(module, types.ModuleType):
                            for attr in dir(module):
                                value = getattr(module, attr)
                                if isinstance(value, Blueprint):
                                    app.register_blueprint(value)
                    return app
            """,
        },
    ),
    "getattr with a default imports nothing": (
        "portal.app:create_app()",
        {
            "portal/__init__.py": "",
            "portal/plugins/__init__.py": "",
            "portal/plugins/legacy.py": """
                from flask import Blueprint

                bp = Blueprint("legacy", __name__)

                @bp.route("/legacy")
                def index():
                    return "old"
            """,
            "portal/app.py": """
                from flask import Blueprint, Flask
                from portal import plugins

                def create_app():
                    app = Flask(__name__)
                    app.add_url_rule("/", "index", lambda: "i")
                    for name in ("legacy", "missing"):
                        module = getattr(plugins, name, None)
                        if module is not None:
                            app.register_blueprint(module.bp)
                    return app
            """,
        },
    ),
    "isinstance of a Protocol or an ABC": (
        "app:app",
        {
            "app.py": """
                import abc
                from typing import Protocol, runtime_checkable
                from flask import Blueprint, Flask

                admin = Blueprint("admin", __name__)
                shop = Blueprint("shop", __name__)

                @admin.route("/admin")
                def admin_index():
                    return "a"

                @shop.route("/shop")
                def shop_index():
                    return "s"

                @runtime_checkable
                class ProvidesBlueprint(Protocol):
                    def get_blueprint(self): ...

                class AdminPlugin:
                    def get_blueprint(self):
                        return admin

                class Mountable(abc.ABC):
                    pass

                Mountable.register(Blueprint)

                app = Flask(__name__)
                plugin = AdminPlugin()
                if isinstance(plugin, ProvidesBlueprint):
                    app.register_blueprint(plugin.get_blueprint())
                if isinstance(shop, Mountable):
                    app.register_blueprint(shop)
            """,
        },
    ),
}


@pytest.mark.parametrize("case", sorted(REVIEWED_APPS))
def test_reviewed_apps_list_flasks_own_rules(tmp_path: Path, case: str) -> None:
    from oracle import format_diff, runtime_url_map, static_inventory

    spec, files = REVIEWED_APPS[case]
    root = write(tmp_path, files)
    expected = runtime_url_map(root, spec)
    actual = static_inventory(root, spec)
    assert actual == expected, format_diff(expected, actual, label=case)


def test_getattr_of_an_instance_is_unknown_not_its_class_default(tmp_path: Path) -> None:
    """A `@dataclass` field or a `__getattr__` holds what the class body does not show:
    the scan cannot know the blueprint, and says so at each registration rather
    than dropping it silently (before the fix, the class default `None` won)."""
    root = write(tmp_path, {"app.py": DATACLASS_APP})
    inventory = scan(root)
    lines = {f.line for f in inventory.findings if f.code == "unresolved-blueprint"}
    assert lines == {27, 30}  # the two register_blueprint calls


def test_a_class_as_predicate_makes_no_blueprint(tmp_path: Path) -> None:
    """`inspect.getmembers(m, Blueprint)` would construct blueprints (CPython raises)."""
    root = write(
        tmp_path,
        {
            "app.py": """
                import inspect
                from flask import Blueprint, Flask
                import views

                app = Flask(__name__)
                for _, bp in inspect.getmembers(views, Blueprint):
                    app.register_blueprint(bp)
            """,
            "views.py": "from flask import Blueprint\nbp = Blueprint('bp', __name__)\n",
        },
    )
    inventory = scan(root)
    assert {b.name for b in inventory.blueprints} == {"bp"}
