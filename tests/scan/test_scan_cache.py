"""The content-hash cache: what it re-parses, what it survives, where it writes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from speed_trees import CONSTANT_TREE, REPO, SAMPLE, fixture_dirs, write_tree

import migrate.scan as scan_module
from migrate.scan import ScanOptions, cache, parse_file, pipeline, scan_paths
from migrate.scan.discover import discover
from migrate.scan.pipeline import Stats


def scan(root, cache_dir, **options):
    stats = Stats()
    inv = scan_paths([root], ScanOptions(jobs=1, cache_dir=cache_dir, stats=stats, **options))
    return inv, stats


def entries(cache_dir: Path) -> list[Path]:
    return sorted(p for p in cache_dir.rglob("*") if p.is_file() and not p.name.startswith("."))


def test_rescan_parses_only_the_changed_file(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "src", CONSTANT_TREE)
    store = tmp_path / "cache"
    cold, first = scan(root, store)
    assert (first.parsed, first.cache_hits) == (2, 0)  # the two kept files
    assert first.detected == 1  # libcst and the detectors: the view's file only
    # one per file (skipped ones: a "checked" entry), the view's detectors, the manifest
    assert first.checked == 2 and len(entries(store)) == 6
    assert first.shapes_known == 0

    warm, second = scan(root, store)
    assert (second.parsed, second.checked, second.cache_hits) == (0, 0, 4)
    assert second.shapes_known == 4  # the prefilter's reading of each file, by content
    assert (second.detected, second.detect_hits) == (0, 1)
    assert warm == cold

    settings = root / "settings.py"
    settings.write_text('API_PREFIX = "/v2"\n', encoding="utf-8")
    changed, third = scan(root, store)
    assert (third.parsed, third.cache_hits, third.detected, third.detect_hits) == (1, 3, 0, 1)
    assert third.shapes_known == 3
    assert [r.rule for r in changed.routes if r.endpoint == "items"] == ["/v2/items"]


def test_two_projects_in_one_cache_keep_their_shapes(tmp_path: Path) -> None:
    """The manifest of prefilter shapes is kept per scan root: scanning another
    project in between does not make a re-scan read every shape again."""
    store = tmp_path / "cache"
    first = write_tree(tmp_path / "one", CONSTANT_TREE)
    other = write_tree(tmp_path / "two", {"lib.py": "from flask import Flask\n"})
    scan(first, store)
    scan(other, store)
    (first / "settings.py").write_text('API_PREFIX = "/v3"\n', encoding="utf-8")
    inv, stats = scan(first, store)
    assert stats.shapes_known == 3  # every file but the one that changed
    assert [r.rule for r in inv.routes if r.endpoint == "items"] == ["/v3/items"]


def test_a_moved_file_is_parsed_again(tmp_path: Path) -> None:
    """The relative path is part of the key: the facts name their file."""
    root = write_tree(tmp_path / "src", CONSTANT_TREE)
    store = tmp_path / "cache"
    scan(root, store)
    (root / "settings.py").rename(root / "config.py")
    (root / "app.py").write_text(
        (root / "app.py").read_text().replace("from settings", "from config"), encoding="utf-8"
    )
    inv, stats = scan(root, store)
    assert stats.parsed == 2
    assert inv == scan_paths([root], ScanOptions(jobs=1, prefilter=False))


def test_skipped_file_needed_later_is_parsed(tmp_path: Path) -> None:
    """A "checked" entry never stands in for a parse."""
    root = write_tree(tmp_path / "src", CONSTANT_TREE)
    store = tmp_path / "cache"
    scan(root, store)
    (root / "tools" / "report.py").write_text("from flask import Flask\n", encoding="utf-8")
    inv, stats = scan(root, store)
    assert stats.kept == 4 and stats.parsed == 2  # report.py changed; cleanup.py: "checked" only
    assert inv == scan_paths([root], ScanOptions(jobs=1, prefilter=False))


@pytest.mark.parametrize("damage", ["garbage", "truncated", "empty", "flipped"])
def test_damaged_entries_are_ignored_and_rewritten(tmp_path: Path, damage: str) -> None:
    root = SAMPLE
    store = tmp_path / "cache"
    reference, _ = scan(root, store)
    for entry in entries(store):
        data = entry.read_bytes()
        entry.write_bytes(
            {
                "garbage": b"not a cache entry at all",
                "truncated": data[: len(data) // 2],
                "empty": b"",
                "flipped": data[:-1] + bytes([data[-1] ^ 1]),
            }[damage]
        )
    again, stats = scan(root, store)
    assert again == reference
    assert (stats.cache_hits, stats.parsed) == (0, stats.files)
    _, healed = scan(root, store)
    assert healed.cache_hits == healed.files and healed.parsed == 0


def test_another_tool_version_never_reads_these_entries(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = tmp_path / "cache"
    reference, _ = scan(SAMPLE, store)
    first = {p.name for p in store.iterdir()}
    monkeypatch.setattr(cache, "fingerprint", lambda: "0" * 64)
    other, stats = scan(SAMPLE, store)
    assert stats.cache_hits == 0 and stats.parsed == stats.files
    assert other == reference
    assert {p.name for p in store.iterdir()} == first | {"scan-" + "0" * 16}


def test_fingerprint_covers_the_scan_code() -> None:
    first = cache.fingerprint()
    assert len(first) == 64
    cache.fingerprint.cache_clear()
    assert cache.fingerprint() == first  # stable within one checkout
    # a cached inventory holds the readiness link's facts and the scores
    names = {p.relative_to(REPO / "migrate").as_posix() for p in cache.fingerprint_sources()}
    assert {"model.py", "scan/interp.py", "readiness/link.py", "readiness/score.py"} <= names


def test_an_unwritable_cache_does_not_stop_the_scan(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x", encoding="utf-8")
    inv, stats = scan(SAMPLE, blocker / "cache")
    assert inv == scan_paths([SAMPLE], ScanOptions(jobs=1))
    assert stats.cache_writes == 0


def test_a_file_changed_during_the_parse_is_not_cached(tmp_path: Path) -> None:
    root = write_tree(tmp_path, {"m.py": "X = 1\n"})
    (source,) = discover([root], root)
    task = pipeline._Task(0, source, pipeline.PARSE, b"digest of other bytes")
    ((index, kind, payload, cacheable),) = pipeline.work(parse_file, [task])
    assert (index, kind, cacheable) == (0, cache.PARSED, False)
    assert cache.loads(payload) == parse_file(source)


def test_an_inventory_read_while_a_file_changed_is_not_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The whole-inventory key is made from the bytes read first; a file another
    process rewrites before the scan lowers it must not leave an inventory of the
    new bytes under the old key (it would be returned once the file goes back)."""
    root = write_tree(tmp_path / "src", CONSTANT_TREE)
    store = tmp_path / "cache"
    settings = root / "settings.py"
    before = settings.read_bytes()
    real = scan_module.lower_file

    def editor_at_work(source):  # another process saves the file just now
        if source.rel == "settings.py":
            settings.write_text('API_PREFIX = "/v2"\n', encoding="utf-8")
        return real(source)

    monkeypatch.setattr(scan_module, "lower_file", editor_at_work)
    raced, stats = scan(root, store, reuse_inventory=True)
    assert stats.drifted == 1 and "changed while read" in stats.summary(1.0)
    monkeypatch.setattr(scan_module, "lower_file", real)
    settings.write_bytes(before)  # back to the bytes the raced scan's key names
    again, stats = scan(root, store, reuse_inventory=True)
    assert stats.selection != "inventory cache" and stats.drifted == 0
    assert again == scan_paths([root]) != raced
    assert [r.rule for r in again.routes if r.endpoint == "items"] == ["/api/items"]
    # the settled scan is kept as usual
    assert scan(root, store, reuse_inventory=True)[1].selection == "inventory cache"


def test_fast_pickles_round_trip_every_fixture_file() -> None:
    for tree in [*fixture_dirs(), SAMPLE]:
        for source in discover([tree], tree):
            result = parse_file(source)
            assert cache.loads(cache.dumps(result)) == result, source.rel


_CHILD = """
import hashlib, sys
from pathlib import Path
from migrate.scan import ScanOptions, scan_paths
inv = scan_paths([Path(sys.argv[1])], ScanOptions(jobs=1, cache_dir=Path(sys.argv[2])))
print(hashlib.sha256(repr(inv).encode()).hexdigest())
"""


def test_two_scans_at_once_into_one_empty_cache(tmp_path: Path) -> None:
    store = tmp_path / "shared"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _CHILD, str(SAMPLE), str(store)],
            cwd=REPO,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=120)[0].strip() for p in procs]
    assert [p.returncode for p in procs] == [0, 0]
    assert outputs[0] == outputs[1] and outputs[0]
    warm, stats = scan(SAMPLE, store)
    assert stats.cache_hits == stats.files
    assert warm == scan_paths([SAMPLE], ScanOptions(jobs=1, prefilter=False))
    assert not list(store.rglob(".tmp-*"))  # no temporary file left behind


def test_default_location(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("WSGI2ASGI_CACHE_DIR", str(tmp_path / "explicit"))
    assert cache.default_dir() == tmp_path / "explicit"
    monkeypatch.delenv("WSGI2ASGI_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache.default_dir() == tmp_path / "xdg" / "wsgi2asgi"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache.default_dir() == tmp_path / "home" / ".cache" / "wsgi2asgi"


def test_json_of_a_cached_scan_is_byte_identical(tmp_path: Path) -> None:
    from migrate.report import RENDERERS

    plain = RENDERERS["json"](scan_paths([SAMPLE], ScanOptions(jobs=1, prefilter=False)), False)
    scan(SAMPLE, tmp_path / "c")
    cached = RENDERERS["json"](scan(SAMPLE, tmp_path / "c")[0], False)
    assert cached == plain
    assert json.loads(cached)["routes"]


def test_unchanged_tree_reuses_the_whole_inventory(tmp_path: Path) -> None:
    """`migrate scan`'s warm path: nothing parsed or linked when nothing changed."""
    root = write_tree(tmp_path / "src", CONSTANT_TREE)
    store = tmp_path / "cache"
    cold, _ = scan(root, store, reuse_inventory=True)
    warm, stats = scan(root, store, reuse_inventory=True)
    assert warm == cold
    assert (stats.selection, stats.parsed, list(stats.seconds)) == ("inventory cache", 0, ["read"])
    settings = root / "settings.py"
    settings.write_text('API_PREFIX = "/v2"\n', encoding="utf-8")
    changed, stats = scan(root, store, reuse_inventory=True)
    # re-linked (the short ways' check lowered the changed file and left it cached)
    assert stats.selection != "inventory cache" and "link" in stats.seconds
    assert changed == scan_paths([root]) != cold
    # and an option that changes the result is part of the key
    tests_too, stats = scan(root, store, reuse_inventory=True, include_tests=True)
    assert stats.selection != "inventory cache"


def test_a_folder_that_becomes_a_package_renames_its_modules(tmp_path: Path) -> None:
    """Two scans in one process: the second sees the new `__init__.py` (the package
    answers were kept for the process's life, and a wrong inventory was cached)."""
    root = write_tree(
        tmp_path / "src",
        {
            "app.py": "from flask import Flask\nfrom pkg.views import bp\n"
            "app = Flask(__name__)\napp.register_blueprint(bp)\n",
            "pkg/views.py": "from flask import Blueprint\nbp = Blueprint('v', __name__)\n\n"
            "@bp.route('/v')\ndef v():\n    return 'v'\n",
        },
    )
    store = tmp_path / "cache"
    before, _ = scan(root, store, reuse_inventory=True)
    assert {r.view.module for r in before.routes if r.view} == {"views"}
    (root / "pkg" / "__init__.py").write_text("")
    after, _ = scan(root, store, reuse_inventory=True)
    assert {r.view.module for r in after.routes if r.view} == {"pkg.views"}
