"""The static scan must list exactly the rules Flask puts in ``app.url_map``.

Each directory under ``tests/fixtures/apps/`` with a ``spec.txt`` is one small
Flask app showing one real-world registration pattern. The runtime oracle
(``tests/oracle.py``) imports it in a subprocess and reads ``app.url_map``; the
static scan reads the same files without importing them. The two must agree.
"""

from __future__ import annotations

import functools
import shutil
from pathlib import Path

import pytest
from oracle import (
    AUTOMATIC_METHODS,
    OracleError,
    Triple,
    format_diff,
    runtime_url_map,
    static_inventory,
)

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent
APPS = TESTS / "fixtures" / "apps"
SAMPLE = REPO / "sample_flask_app"
SAMPLE_SPEC = "sample_flask_app:create_app()"

# Has routes a static scan cannot know; tested on its own below.
LOOP_FIXTURE = "route_in_loop"


def fixture_dirs() -> list[Path]:
    return sorted(
        d
        for d in APPS.iterdir()
        if d.is_dir() and not d.name.startswith(("_", ".")) and (d / "spec.txt").is_file()
    )


def read_spec(d: Path) -> str:
    return (d / "spec.txt").read_text(encoding="utf-8").strip()


@functools.cache
def runtime(root: Path, spec: str) -> frozenset[Triple]:
    return frozenset(runtime_url_map(root, spec))


def _cases(*, include_loop: bool) -> list[object]:
    cases: list[object] = [
        pytest.param(d, d, read_spec(d), id=d.name)
        for d in fixture_dirs()
        if include_loop or d.name != LOOP_FIXTURE
    ]
    cases.append(
        pytest.param(
            REPO,
            SAMPLE,
            SAMPLE_SPEC,
            id="sample_flask_app",
            marks=pytest.mark.skipif(not SAMPLE.is_dir(), reason="sample_flask_app/ not present"),
        )
    )
    return cases


def test_enough_fixtures() -> None:
    assert len(fixture_dirs()) >= 30


@pytest.mark.parametrize(("import_root", "scan_root", "spec"), _cases(include_loop=True))
def test_runtime_oracle_loads(import_root: Path, scan_root: Path, spec: str) -> None:
    """Every fixture imports cleanly and has at least one non-static rule."""
    triples = runtime(import_root, spec)
    assert any(endpoint != "static" for _, _, endpoint in triples), sorted(triples)


@pytest.mark.parametrize(("import_root", "scan_root", "spec"), _cases(include_loop=False))
def test_static_scan_matches_runtime(import_root: Path, scan_root: Path, spec: str) -> None:
    expected = set(runtime(import_root, spec))
    actual = static_inventory(scan_root)
    assert actual == expected, format_diff(expected, actual, label=scan_root.name)


# A few facts the fixtures rely on, pinned so that a fixture that stops showing
# its pattern (or a Flask release that changes it) is noticed. The oracle stays
# the authority for everything else.
PINNED: dict[str, set[Triple]] = {
    "prefix_trailing_slash": {
        ("/api/items", ("GET",), "api.list_items"),
        ("/api/x", ("GET",), "api.x"),
        ("/api/", ("GET",), "api.api_root"),  # "" under "/api/" is the prefix itself
        ("/pages", ("GET",), "pages.bare"),  # "" under "/pages" has no slash
        ("/v2/double", ("GET",), "v2.double"),  # every leading slash of the rule is dropped
    },
    "blueprint_registered_twice": {
        ("/api/v1/users", ("GET",), "api.list_users"),
        ("/api/v2/users", ("GET",), "api_v2.list_users"),
        ("/api/users", ("GET",), "api_latest.list_users"),
    },
    "nested_blueprints": {
        ("/p/child/grand/fn", ("GET",), "parent.child.grandchild.fn"),
        ("/p/child/grand", ("GET",), "parent.child.grandchild.root"),
    },
    "decorated_views": {
        ("/slow", ("GET",), "wrapper"),  # no functools.wraps: endpoint is the wrapper's name
        ("/admin", ("GET",), "admin"),
        ("/cached", ("GET",), "cached"),  # decorator above @route does not matter
    },
    "register_prefix_override": {
        ("/new/page", ("GET",), "legacy.page"),
        ("/page", ("GET",), "keep.keep_page"),  # url_prefix="" replaces the blueprint's
    },
    "blueprint_static_folder": {
        ("/admin/static/<path:filename>", ("GET",), "admin.static"),
        ("/docs/dl/<path:filename>", ("GET",), "docs.static"),
        ("/theme_assets/<path:filename>", ("GET",), "theme.static"),
    },
    "static_spa_root": {("/<path:filename>", ("GET",), "static")},
    "static_folder_renamed": {("/public/<path:filename>", ("GET",), "static")},
    "method_view": {
        ("/all-users", ("DELETE", "GET", "POST", "PUT"), "all_users"),
        ("/ping", ("GET",), "ping"),
    },
    "flask_restful_app": {
        ("/api/a", ("GET", "POST"), "e"),
        ("/api/b", ("GET", "POST"), "e"),
        ("/api/todos/<todo_id>", ("DELETE", "GET", "PUT"), "todo"),
        ("/v2/todos", ("GET", "POST"), "v2.todolist"),
    },
    "flask_restx_app": {
        ("/api/custom/x", ("GET", "POST"), "cats_cat_list"),
        ("/docs", ("GET",), "doc"),  # doc= is not under the Api prefix
        ("/api/swagger.json", ("GET",), "specs"),
    },
    "methods_variants": {("/lower", ("GET", "POST"), "lower")},
}


@pytest.mark.parametrize("name", sorted(PINNED))
def test_runtime_pinned_facts(name: str) -> None:
    d = APPS / name
    triples = runtime(d, read_spec(d))
    assert PINNED[name] <= triples, format_diff(PINNED[name], set(triples), label=name)


def test_static_folder_none_has_no_static_rule() -> None:
    d = APPS / "static_folder_none"
    assert all(endpoint != "static" for _, _, endpoint in runtime(d, read_spec(d)))


UNKNOWABLE = {
    ("/p/a", ("GET",), "p_a"),
    ("/p/b", ("GET",), "p_b"),
}


def test_route_in_loop_unknowable_routes() -> None:
    """Loops over literals are resolved; a loop over runtime data is reported, not guessed."""
    from migrate.scan import scan_paths

    root = APPS / LOOP_FIXTURE
    expected = set(runtime(root, read_spec(root)))
    assert expected >= UNKNOWABLE  # the fixture still shows what its README says

    inv = scan_paths([root])
    actual = {
        (r.rule, tuple(sorted(set(r.methods) - AUTOMATIC_METHODS)), r.endpoint) for r in inv.routes
    }
    known = expected - UNKNOWABLE
    assert actual == known, format_diff(known, actual, label=LOOP_FIXTURE)

    source = (root / "app.py").read_text(encoding="utf-8").splitlines()
    (line,) = [i for i, text in enumerate(source, 1) if 'app.add_url_rule(f"/p/{slug}"' in text]
    hits = [f for f in inv.findings if Path(f.file).as_posix() == "app.py" and f.line == line]
    assert hits, (
        f"expected a finding at app.py:{line} (the add_url_rule in the loop over pages.json); "
        f"findings: {[(f.code, f.file, f.line) for f in inv.findings]}"
    )


def _tree(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*")}


def test_scan_never_executes_code(tmp_path: Path) -> None:
    """Every module in _no_exec writes pwned*.txt when imported; scanning must not."""
    src = APPS / "_no_exec"
    scanned = tmp_path / "scanned"
    shutil.copytree(src, scanned)
    before = _tree(scanned)

    actual = static_inventory(scanned)

    assert _tree(scanned) == before, f"the scan created files: {_tree(scanned) - before}"

    # The tripwire works: importing a second copy does create the files, and
    # the routes the scan found are the ones the import yields.
    imported = tmp_path / "imported"
    shutil.copytree(src, imported)
    expected = runtime_url_map(imported, "app:app")
    assert (imported / "pwned.txt").exists()
    assert ("/still-found", ("GET",), "still_found") in actual
    assert actual == expected, format_diff(expected, actual, label="_no_exec")


def test_oracle_reports_import_failure(tmp_path: Path) -> None:
    (tmp_path / "broken.py").write_text("import flask\nraise RuntimeError('boom at import')\n")
    with pytest.raises(OracleError, match="boom at import"):
        runtime_url_map(tmp_path, "broken:app")


def test_oracle_calls_factory(tmp_path: Path) -> None:
    (tmp_path / "fac.py").write_text(
        "from flask import Flask\n"
        "def make():\n"
        "    app = Flask(__name__, static_folder=None)\n"
        "    app.add_url_rule('/m', 'm', lambda: 'm', methods=['GET', 'HEAD', 'OPTIONS'])\n"
        "    return app\n"
        "print('noise on stdout')\n"
    )
    assert runtime_url_map(tmp_path, "fac:make()") == {("/m", ("GET",), "m")}
