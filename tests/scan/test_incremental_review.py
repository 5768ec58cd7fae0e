"""Counterexamples from the adversarial review of the short ways added in stop 15:
constants in a module `inspect.getmembers` sifts (`Record.sifted`), constant
statements moved without libcst (`incremental._constants_map`), and discovery
on `str` paths. Each failed on the first version; the oracle is a full scan
without cache (or, for discovery, what `pathlib` named the module).
"""

from __future__ import annotations

import textwrap
from pathlib import Path

from speed_trees import scan, write_tree

from migrate.scan import detect_file
from migrate.scan.discover import SourceFile, discover
from migrate.scan.incremental import detections_moved
from migrate.scan.ir import ModuleIR


def rescan_after_append(tmp_path: Path, files: dict[str, str], rel: str, text: str):
    root = write_tree(tmp_path / "src", files)
    store = tmp_path / "cache"
    scan(root, store)
    path = root / rel
    path.write_text(path.read_text() + text)
    got, stats = scan(root, store)
    return got, scan(root, None)[0], stats


# ------------------------------------------------- part 1: Record.sifted

# CKAN's loop (tests/scan/test_incremental.py SIFTED_TREE)
INIT = """
    import inspect
    import os
    import pkgutil

    from flask import Blueprint, Flask

    def is_blueprint(mm):
        return isinstance(mm, Blueprint)

    def create_app():
        app = Flask(__name__)
        path = os.path.join(os.path.dirname(__file__), "views")
        for loader, name, _ in pkgutil.iter_modules([path], "portal.views."):
            module = loader.find_module(name).load_module(name)
            for _, blueprint in inspect.getmembers(module, is_blueprint):
                app.register_blueprint(blueprint)
        return app
"""
FILES = """
    from flask import Blueprint

    files = Blueprint("files", __name__, url_prefix="/files")
    LIMIT = 10

    @files.route("/")
    def index():
        return str(LIMIT)
"""


def tree(init: str = INIT) -> dict[str, str]:
    return {
        "portal/__init__.py": init,
        "portal/views/__init__.py": "",
        "portal/views/files.py": FILES,
    }


def test_sifted_constant_unpacked_into_names(tmp_path: Path) -> None:
    """`A, B = b"ab"` is an Assign of a Const (`_constant`), but the link binds
    both names to Unknown (it does not iterate bytes): the predicate cannot
    answer for them and getmembers reports `unresolved-member`. The short way
    keeps the old inventory, without the finding."""
    got, full, stats = rescan_after_append(
        tmp_path, tree(), "portal/views/files.py", "QQA, QQB = b'ab'\n"
    )
    assert got == full, stats.incremental


def test_sifted_predicate_memo_then_class_rebound(tmp_path: Path) -> None:
    """getmembers calls the predicate on the new constant 0, which memoizes
    (is_blueprint, 0) -> False; a later `is_blueprint(0)`, after `Blueprint`
    is rebound, returns the memo instead of True: the call does write
    something the link keeps (`Interpreter.memo`)."""
    init = textwrap.dedent(INIT) + textwrap.dedent("""
        app = create_app()
        Blueprint = int

        if is_blueprint(0):
            @app.route("/zero")
            def zero():
                return "0"
    """)
    got, full, stats = rescan_after_append(
        tmp_path, tree(init), "portal/views/files.py", "QQA = 0\n"
    )
    assert got == full, stats.incremental


def test_sifted_predicate_memo_then_recursive_call(tmp_path: Path) -> None:
    """The same memo, no rebinding: the predicate's `and` tail calls it again
    on 0. Without the constant that inner call is recursive (unknown, so the
    blueprint is left out with a finding); with `AAA = 0` (sorted before
    `files`) the memo answers False and the blueprint is registered."""
    init = INIT.replace(
        "return isinstance(mm, Blueprint)",
        "return isinstance(mm, Blueprint) and not is_blueprint(0)",
    )
    got, full, stats = rescan_after_append(
        tmp_path, tree(init), "portal/views/files.py", "AAA = 0\n"
    )
    assert got == full, stats.incremental


def test_sifted_predicate_tail_rebinds_the_class(tmp_path: Path) -> None:
    """`rejects_constants` looks at `Blueprint` once, before the loop; the `and`
    tail, run for the blueprint, rebinds it to `str`, so the predicate accepts
    the constant `zzz` sorted after it."""
    init = textwrap.dedent(
        INIT.replace(
            "return isinstance(mm, Blueprint)", "return isinstance(mm, Blueprint) and widen()"
        ).replace(
            "                app.register_blueprint(blueprint)",
            "                if isinstance(blueprint, str):\n"
            "                    app.add_url_rule('/five', 'five', lambda: '5')\n"
            "                else:\n"
            "                    app.register_blueprint(blueprint)",
        )
    ) + textwrap.dedent("""
        def widen():
            import portal
            portal.Blueprint = str
            return True
    """)
    got, full, stats = rescan_after_append(
        tmp_path, tree(init), "portal/views/files.py", "zzz = 'five'\n"
    )
    assert got == full, stats.incremental


def test_sifted_method_predicate_reads_class_cell(tmp_path: Path) -> None:
    """A predicate reached through its class (`Picker.pick`): the module scope
    binds `__class__` to Blueprint, but the call frame binds `__class__` to
    the owner (`Interpreter.invoke`), so isinstance is unknown for every
    member, and the finding names the first: `AAA` once it is added."""
    init = textwrap.dedent(
        INIT.replace(
            "inspect.getmembers(module, is_blueprint)", "inspect.getmembers(module, Picker.pick)"
        )
    ) + textwrap.dedent("""
        __class__ = Blueprint

        class Picker:
            def pick(mm):
                return isinstance(mm, __class__)
    """)
    got, full, stats = rescan_after_append(
        tmp_path, tree(init), "portal/views/files.py", "AAA = 0\n"
    )
    assert got == full, stats.incremental


def test_sifted_constant_replaces_a_binding_made_by_computed_name(tmp_path: Path) -> None:
    """Another module binds `extra` in the sifted module by a computed name
    (`setattr(module, "ex" + "tra", bp)`) before its body runs; `extra = 0`
    appended to it replaces the blueprint getmembers found. No file spells
    `extra`, so `_named_elsewhere` does not see it (before the change the
    module was `listed` and no top-level name was free)."""
    init = """
        import importlib.util
        import inspect

        from flask import Blueprint, Flask

        more = Blueprint("more", __name__, url_prefix="/more")

        @more.route("/")
        def more_index():
            return "more"

        def is_blueprint(mm):
            return isinstance(mm, Blueprint)

        def create_app():
            app = Flask(__name__)
            spec = importlib.util.find_spec("portal.views.files")
            module = importlib.util.module_from_spec(spec)
            setattr(module, "ex" + "tra", more)
            spec.loader.exec_module(module)
            for _, blueprint in inspect.getmembers(module, is_blueprint):
                app.register_blueprint(blueprint)
            return app

        app = create_app()
    """
    got, full, stats = rescan_after_append(
        tmp_path, tree(init), "portal/views/files.py", "extra = 0\n"
    )
    assert got == full, stats.incremental


# ------------------------------------------- part 2: incremental._constants_map


def detected(path: Path, data: bytes) -> ModuleIR:
    path.write_bytes(data)
    out = detect_file(SourceFile(path, path.name, path.stem, False))
    assert isinstance(out, ModuleIR)
    return out


def test_constant_on_line_one_turns_off_a_coding_line(tmp_path: Path) -> None:
    """A coding line counts on line 2 only after a comment or blank line 1. A
    constant put on line 1 turns it off (the file reads as UTF-8, not latin-1),
    but `_constants_map` compares the files without it, where the coding line
    is line 1 again: the old facts are kept, decoded the old way."""
    old = (
        b"# -*- coding: latin-1 -*-\nfrom flask import session\n\n"
        b"def v():\n    return session['\xc3\xa9']\n"
    )
    work = tmp_path / "m.py"
    before = detected(work, old)
    for new in (b"X = 1\n" + old,):
        moved = detections_moved(before, new)
        assert moved is None or moved == detected(work, new)
    # and back: the constant removed turns the coding line on
    after = detected(work, b"X = 1\n" + old)
    moved = detections_moved(after, old)
    assert moved is None or moved == detected(work, old)


def test_constant_on_line_one_coding_line_end_to_end(tmp_path: Path) -> None:
    """The same, through a scan: the non-ASCII text is in a comment inside a call
    (the lowered form never holds it; the fact's detail does)."""
    root = tmp_path / "src"
    root.mkdir()
    old = (
        b"# -*- coding: latin-1 -*-\nfrom flask import Flask, url_for\n\napp = Flask(__name__)\n\n"
        b"@app.route('/')\ndef index():\n    return url_for('index'  # \xc3\xa9\n    )\n"
    )
    (root / "app.py").write_bytes(old)
    store = tmp_path / "cache"
    scan(root, store)
    (root / "app.py").write_bytes(b"ZZQ = 1\n" + old)
    got, stats = scan(root, store)
    assert got == scan(root, None)[0], stats.incremental


# ------------------------------------------------------- part 4: discover


def test_discover_names_a_dot_py_file_as_pathlib_did(tmp_path: Path) -> None:
    """`Path(".py").stem` is ".py" (a dot file has no suffix); the str rewrite
    strips ".py" and names the module "pkg." (the app's import name changes)."""
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / ".py").write_text("")
    (tmp_path / "pkg" / "a.").write_text("")
    got = {s.rel: s.module for s in discover([tmp_path], tmp_path)}
    assert got["pkg/.py"] == "pkg..py"  # HEAD~3
    given = {s.rel: s.module for s in discover([tmp_path / "pkg" / "a."], tmp_path)}
    assert given["pkg/a."] == "pkg.a."  # HEAD~3: Path("a.").stem == "a."


# the second review


def test_sifted_constant_shadows_a_star_imported_name_bound_by_computed_name(
    tmp_path: Path,
) -> None:
    """`shared` binds `extra` on itself by a computed name (setattr marks `shared`
    listed, not the modules that star-import it); `files` star-imports it, so its
    namespace holds the blueprint under a name no file spells. `files` is only
    sifted; `extra = 0` appended to it replaces the blueprint."""
    files = {
        "portal/__init__.py": INIT,
        "portal/views/__init__.py": "",
        "portal/shared.py": """
            from flask import Blueprint
            import portal.shared as _me

            _more = Blueprint("more", __name__, url_prefix="/more")

            @_more.route("/")
            def more_index():
                return "more"

            setattr(_me, "ex" + "tra", _more)
        """,
        "portal/views/files.py": """
            from portal.shared import *
        """,
    }
    assert "/more/" in {r.rule for r in scan(write_tree(tmp_path / "base", files), None)[0].routes}
    got, full, stats = rescan_after_append(tmp_path, files, "portal/views/files.py", "extra = 0\n")
    assert got == full, stats.incremental


def test_deeply_nested_literal_in_a_view_does_not_crash_the_scan(tmp_path: Path) -> None:
    """CPython and libcst parse a list literal nested 150 deep, but libcst's
    recursive visitors do not: the RecursionError of `detectors.collect` ended
    the whole scan (before stop 15 too). The file keeps its routes and loses its
    readiness facts, as a file libcst cannot parse does."""
    root = tmp_path / "src"
    root.mkdir()
    nested = "[" * 150 + "]" * 150
    (root / "app.py").write_text(
        "from flask import Flask\napp = Flask(__name__)\n\n"
        f"@app.route('/')\ndef index():\n    x = {nested}\n    return ''\n"
    )
    inventory, _ = scan(root, None)
    assert "/" in {r.rule for r in inventory.routes}
