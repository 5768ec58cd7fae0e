"""Findings that blame an entry point's unknown argument (`Interpreter.settle`).

A top-level function no code called while the modules ran is run last, as an
entry point, with unknown arguments, in definition order. A helper defined
before the factory that calls it therefore ran first, alone, and its
`app.register_blueprint(...)` on an unknown `app` became an
`unresolved-receiver` finding saying "which no scanned code calls": false,
since the factory then called it with the real app. Such a finding is dropped
once scanned code has called the function and the same call ran on a Flask
object; a finding another call made at the
same place is shown instead. Each project is also imported, and the static
rules must equal its `url_map`. An adversarial review of a first fix (running
callers first) found the four layouts marked "review": that order lost or
added routes, or moved the false finding elsewhere. A second review found four
true findings the first `settle` dropped (`KEPT`): a finding is now dropped
only where the same call also ran on a Flask object.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from oracle import format_diff, runtime_url_map, static_inventory

from migrate.scan import ScanOptions, scan_paths

BLUEPRINTS = """
from flask import Blueprint

a = Blueprint("a", __name__, url_prefix="/a")


@a.route("/")
def index():
    return "a"
"""

HELPERS = """
def health():
    return "ok"


def register_blueprints(app):
    from .blueprints import a
    app.register_blueprint(a)


def add_routes(app, prefix):
    app.add_url_rule(prefix + "/h", "health" + prefix.strip("/"), health)
"""

FACTORY = """
def create_app():
    app = Flask(__name__)
    register_blueprints(app)
    add_routes(app, "/v1")
    add_routes(app, prefix="/v2")
    return app
"""

IMPORTS = "from flask import Flask\n\nfrom .{} import add_routes, register_blueprints\n"

# the helpers are called by the factory: no unresolved-receiver finding
NO_FINDING = {
    "same module, helpers above": {"__init__.py": "from flask import Flask\n" + HELPERS + FACTORY},
    "same module, helpers below (review)": {
        "__init__.py": "from flask import Flask\n" + FACTORY + HELPERS
    },
    "helpers imported": {"helpers.py": HELPERS, "__init__.py": IMPORTS.format("helpers") + FACTORY},
    "helpers in a module sorting after": {
        "zz_helpers.py": HELPERS,
        "__init__.py": IMPORTS.format("zz_helpers") + FACTORY,
    },
    "helpers imported inside the factory (review)": {
        "setup.py": HELPERS,
        "__init__.py": "from flask import Flask\n"
        + FACTORY.replace(
            "(__name__)\n", "(__name__)\n    from .setup import add_routes, register_blueprints\n"
        ),
    },
}

# the routes depend on which entry point runs and when
ROUTES = {
    # a later function calls the factory with an argument that skips a blueprint
    "test factory after the factory (review)": """
        from flask import Flask
        from .blueprints import a


        def create_app(testing=False):
            app = Flask(__name__)
            if not testing:
                app.register_blueprint(a)
            return app


        def create_test_app():
            return create_app(testing=True)
    """,
    # an uncalled function defined after the factory fills a list the factory reads
    "registry filled by a later uncalled function (review)": """
        from flask import Flask
        from .blueprints import a

        EXTRA = []


        def create_app():
            app = Flask(__name__)
            for bp in EXTRA:
                app.register_blueprint(bp)

            @app.route("/")
            def home():
                return "h"
            return app


        def enable_a():
            EXTRA.append(a)
    """,
}


def write(root: Path, files: dict[str, str]) -> None:
    package = root / "proj"
    package.mkdir()
    (package / "blueprints.py").write_text(BLUEPRINTS)
    for name, text in files.items():
        (package / name).write_text(textwrap.dedent(text))


def receivers(root: Path) -> list[tuple[str, int, str]]:
    findings = scan_paths([root], ScanOptions(jobs=1)).findings
    return [(f.file, f.line, f.message) for f in findings if f.code == "unresolved-receiver"]


@pytest.mark.parametrize("case", sorted(NO_FINDING))
def test_a_helper_the_factory_calls_makes_no_finding(tmp_path: Path, case: str) -> None:
    write(tmp_path, NO_FINDING[case])
    expected = runtime_url_map(tmp_path, "proj:create_app()")
    actual = static_inventory(tmp_path)
    assert actual == expected, format_diff(expected, actual, label=case)
    assert len(expected) == 4
    assert receivers(tmp_path) == []


@pytest.mark.parametrize("case", sorted(ROUTES))
def test_the_rules_stay_those_of_the_url_map(tmp_path: Path, case: str) -> None:
    write(tmp_path, {"__init__.py": ROUTES[case]})
    expected = runtime_url_map(tmp_path, "proj:create_app()")
    actual = static_inventory(tmp_path)
    assert actual == expected, format_diff(expected, actual, label=case)


def test_a_helper_nobody_calls_still_makes_its_finding(tmp_path: Path) -> None:
    write(tmp_path, {"__init__.py": "from flask import Flask\n" + HELPERS})
    found = receivers(tmp_path)
    assert {line for _, line, _ in found} == {9, 13}
    assert all("of `register_blueprints`" in m or "of `add_routes`" in m for _, _, m in found)


def test_a_call_with_an_unknown_app_of_its_own_keeps_a_finding(tmp_path: Path) -> None:
    """`setup(app)` is uncalled and calls the helper: the helper is called by code,
    but with `setup`'s unknown app, so the finding stays, now blaming `setup`."""
    setup = "\n\ndef setup(app):\n    register_blueprints(app)\n"
    write(tmp_path, {"__init__.py": "from flask import Flask\n" + HELPERS + setup})
    found = receivers(tmp_path)
    assert [(line, "parameter `app` of `setup`" in m) for _, line, m in found if line == 9] == [
        (9, True)
    ]


def test_a_helper_that_only_calls_itself_keeps_its_finding(tmp_path: Path) -> None:
    recursive = """
from flask import Flask


def register_all(app, depth=0):
    from .blueprints import a
    app.register_blueprint(a)
    if depth < 1:
        register_all(app, depth + 1)
"""
    write(tmp_path, {"__init__.py": recursive})
    found = receivers(tmp_path)
    assert [(line, "of `register_all`" in m) for _, line, m in found] == [(7, True)]


# A second review of `settle`: in each, the finding is true and must stay. Its first
# version dropped it whenever code called the blamed function at all.
KEPT = {
    # the factory's call of `register(a)` hits the memo of the entry run's call, so
    # the line never runs on the real app: the route is lost, the finding says so
    "a memoised helper": (
        {
            "__init__.py": """
                from flask import Flask
                from .blueprints import a

                _state = {}


                def init_extensions(app):
                    _state["app"] = app
                    register(a)


                def register(bp):
                    _state["app"].register_blueprint(bp)


                def create_app():
                    app = Flask(__name__)
                    init_extensions(app)
                    return app
            """
        },
        ("unresolved-receiver", "proj/__init__.py", 14),
    ),
    # the resolver's findings come after `settle`, at a place it emptied
    "a prefix the resolver cannot know": (
        {
            "__init__.py": """
                from flask import Blueprint, Flask

                api = Blueprint("api", __name__, url_prefix="/api")


                def mount(child, prefix):
                    api.register_blueprint(child, url_prefix=prefix)


                def create_app():
                    app = Flask(__name__)
                    app.config.from_prefixed_env()
                    from .blueprints import a
                    mount(a, app.config["A_PREFIX"])
                    app.register_blueprint(api)
                    return app
            """
        },
        ("unresolved-blueprint", "proj/__init__.py", 8),
    ),
    # the only caller passes a stand-in app of the project's own
    "a stand-in app": (
        {
            "__init__.py": """
                from flask import Flask


                def create_app():
                    return Flask(__name__)


                def register_all(app):
                    from .blueprints import a
                    app.register_blueprint(a)


                from . import checks  # noqa: E402
            """,
            "checks.py": """
                class FakeApp:
                    def register_blueprint(self, bp, **options):
                        pass


                def dry_run():
                    from . import register_all
                    register_all(FakeApp())
            """,
        },
        ("unresolved-receiver", "proj/__init__.py", 11),
    ),
    # the unknown escaped into module state; the finding is in a function nobody runs
    "a receiver kept in module state": (
        {
            "__init__.py": """
                from flask import Flask
                STATE = {}


                def init(app):
                    STATE["app"] = app


                from . import zfactory  # noqa: E402
                from . import extra  # noqa: E402
            """,
            "extra.py": """
                from . import STATE


                def register_extra():
                    from .blueprints import a
                    STATE["app"].register_blueprint(a)
            """,
            "zfactory.py": """
                from flask import Flask


                def create_app():
                    from . import init
                    app = Flask(__name__)
                    init(app)
                    return app
            """,
        },
        ("unresolved-receiver", "proj/extra.py", 7),
    ),
}


@pytest.mark.parametrize("case", sorted(KEPT))
def test_a_true_finding_stays(tmp_path: Path, case: str) -> None:
    files, place = KEPT[case]
    write(tmp_path, files)
    findings = scan_paths([tmp_path], ScanOptions(jobs=1)).findings
    assert place in {(f.code, f.file, f.line) for f in findings}, findings
