"""Parallel parse, cache and prefilter together give the serial scan's inventory."""

from __future__ import annotations

import gc
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from speed_trees import APPS, CONSTANT_TREE, SAMPLE, dies_in_a_worker, fixture_dirs, write_tree

from migrate.cli import cli
from migrate.scan import ScanOptions, parse_file, pipeline, scan_paths
from migrate.scan.discover import discover
from migrate.scan.pipeline import Stats


def reference(root: Path):
    return scan_paths([root], ScanOptions(jobs=1, prefilter=False))


@pytest.mark.parametrize("tree", [APPS, SAMPLE], ids=["all-fixtures-as-one-tree", "sample"])
def test_two_processes_give_the_serial_inventory(tree: Path) -> None:
    stats = Stats()
    assert scan_paths([tree], ScanOptions(jobs=2, prefilter=False, stats=stats)) == reference(tree)
    assert stats.jobs == 2 and stats.parsed == stats.files


def test_everything_on_cold_then_warm(tmp_path: Path) -> None:
    expected = reference(SAMPLE)
    cold, warm = Stats(), Stats()
    options = ScanOptions(jobs=2, cache_dir=tmp_path / "cache", progress=True)
    assert scan_paths([SAMPLE], ScanOptions(**{**vars(options), "stats": cold})) == expected
    assert scan_paths([SAMPLE], ScanOptions(**{**vars(options), "stats": warm})) == expected
    assert cold.parsed == cold.files and warm.parsed == 0 and warm.cache_hits == warm.files


@pytest.mark.parametrize("tree", fixture_dirs(), ids=lambda p: p.name)
def test_each_oracle_fixture_cached_and_prefiltered(tree: Path, tmp_path: Path) -> None:
    expected = reference(tree)
    for _ in range(2):  # cold, then warm
        assert scan_paths([tree], ScanOptions(cache_dir=tmp_path / "c")) == expected


def test_small_tree_stays_in_one_process_by_default() -> None:
    stats = Stats()
    scan_paths([SAMPLE], ScanOptions(stats=stats))
    assert stats.jobs == 1  # a pool would cost more than the whole scan


def test_running_workers_take_even_a_small_batch(tmp_path: Path) -> None:
    """The detectors' few files go to the workers the lowering started (no new spawn),
    and stay in this process when none are running."""
    root = write_tree(tmp_path, CONSTANT_TREE)
    sources = list(discover([root], root))
    tasks = [pipeline._Task(i, s, pipeline.PARSE, None) for i, s in enumerate(sources)]
    sizes = [1] * len(tasks)  # far under PARALLEL_BYTES
    expected = pipeline.parse_all(sources, root, parse_file, jobs=1, use_prefilter=False)
    with pipeline.Workers(None) as workers:
        workers.size = 2  # as on a machine with two cores or more
        idle, busy = Stats(), Stats()
        list(pipeline._execute(parse_file, tasks, sizes, workers, idle))
        assert idle.jobs == 1 and workers.pool is None
        workers.start()
        results = sorted(pipeline._execute(parse_file, tasks, sizes, workers, busy))
        assert busy.jobs == 2
    # this process takes chunks too (from the small end) while the worker starts
    assert any(isinstance(payload, pipeline._Direct) for _, _, payload, _ in results)
    assert [index for index, *_ in results] == list(range(len(tasks)))
    got = [pipeline._decode(kind, payload, pipeline.PARSE) for _, kind, payload, _ in results]
    assert [c for c in got if c is not None] == [code for _, code in expected.parsed]


def test_the_scan_shares_its_workers_with_the_detectors(tmp_path: Path) -> None:
    """By default a large tree starts workers; the views' two files (a batch far
    too small to start them for) then go to those workers too."""
    admin = """
        from app import app

        @app.route("/admin")
        def admin():
            return "ok"
    """
    root = write_tree(tmp_path, {**CONSTANT_TREE, "admin.py": admin})
    with (root / "settings.py").open("a", encoding="utf-8") as settings:
        settings.write("".join(f"SETTING_{n} = {n}\n" for n in range(60_000)))
    stats = Stats()
    scan_paths([root], ScanOptions(stats=stats))
    expected = 1 if pipeline.cpu_count() < 2 else 2
    assert (stats.jobs, stats.detected, stats.detect_jobs) == (expected, 2, expected)


def test_chunks_put_the_largest_files_first() -> None:
    sources = [object()] * 5
    tasks = [pipeline._Task(i, sources[i], pipeline.PARSE, None) for i in range(5)]
    sizes = [10, 500, 30, 400, 20]
    chunks = pipeline._chunks(tasks, sizes, workers=2)
    order = [t.index for chunk in chunks for t in chunk]
    assert order == [1, 3, 2, 4, 0] and sorted(order) == list(range(5))


def test_progress_bar_opens_and_closes() -> None:
    bar = pipeline.Progress(delay=0.0)
    bar.start_parse(3)
    for _ in range(3):
        bar.advance()
    bar.phase("linking")
    bar.close()
    bar.close()  # twice is harmless
    assert bar.closed


def test_cli_speed_options(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    default_dir = tmp_path / "default"
    monkeypatch.setenv("WSGI2ASGI_CACHE_DIR", str(default_dir))
    runner = CliRunner()
    plain = runner.invoke(cli, ["scan", str(SAMPLE), "--format", "json", "--no-cache"])
    assert plain.exit_code == 0, plain.output
    assert not default_dir.exists()

    mine = tmp_path / "mine"
    args = ["scan", str(SAMPLE), "--format", "json", "--jobs", "2", "--cache-dir", str(mine)]
    fast = runner.invoke(cli, [*args, "--quiet"])
    assert fast.exit_code == 0, fast.output
    assert json.loads(fast.stdout) == json.loads(plain.stdout)
    assert any(mine.rglob("*")) and not default_dir.exists()

    default = runner.invoke(cli, ["scan", str(SAMPLE), "--format", "json"])
    assert default.exit_code == 0 and json.loads(default.stdout) == json.loads(plain.stdout)
    assert any(p.is_file() for p in default_dir.rglob("*"))

    bad = runner.invoke(cli, ["scan", str(SAMPLE), "--jobs", "0"])
    assert bad.exit_code == 2


def test_timings_go_to_stderr_and_leave_the_report_alone(tmp_path: Path) -> None:
    runner = CliRunner()
    args = ["scan", str(SAMPLE), "--format", "json", "--cache-dir", str(tmp_path / "c")]
    plain = runner.invoke(cli, [*args, "--no-cache"])
    cold = runner.invoke(cli, [*args, "--timings"])
    warm = runner.invoke(cli, [*args, "--timings"])
    assert plain.exit_code == cold.exit_code == warm.exit_code == 0, cold.output
    assert json.loads(cold.stdout) == json.loads(warm.stdout) == json.loads(plain.stdout)
    assert plain.stderr == ""
    files = len(list(discover([SAMPLE], SAMPLE)))
    line, report = cold.stderr.strip().splitlines()
    assert line.startswith(f"scan: {files} files in ")
    assert re.fullmatch(r"report: json in \d+\.\d\d s", report)
    for part in ("read ", "lowering ", "link ", "libcst + detectors ", f"lowered {files} "):
        assert part in line
    assert warm.stderr.startswith(f"scan: {files} files in ")
    assert "no file changed: the last inventory, from the cache" in warm.stderr


def test_a_dead_worker_does_not_lose_files(tmp_path: Path) -> None:
    """A killed worker (or a script without a main guard): the rest runs in this process."""
    root = write_tree(tmp_path, CONSTANT_TREE)
    sources = list(discover([root], root))
    expected = pipeline.parse_all(sources, root, parse_file, jobs=1, use_prefilter=False)
    stats = Stats()
    got = pipeline.parse_all(
        sources, root, dies_in_a_worker, jobs=2, use_prefilter=False, stats=stats
    )
    assert got == expected and stats.jobs == 1


def scan_then_collect(root: Path):
    """The inventory, and how many unreachable objects a full collection then finds
    (the collector is off during the scan, as a caller's may be)."""
    was = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        inventory = scan_paths([root], ScanOptions(jobs=1, prefilter=False))
        return inventory, gc.collect()
    finally:
        if was:
            gc.enable()


def test_the_scan_leaves_no_cyclic_garbage() -> None:
    """The link's heap (modules and their namespaces, closures, classes, Flask
    object models) is untied before the scan returns (`Interpreter.release`), so
    reference counts free it: the caller's next full collection, or the CLI's
    exit, does not walk it (about a million objects on Indico + CKAN)."""
    inventory, left = scan_then_collect(APPS)
    assert inventory.routes
    assert left < 50  # without `release`: about 9,600 objects on this tree


def test_bound_methods_in_a_factory_leave_no_cycles(tmp_path: Path) -> None:
    """A bound method kept in a factory's frame (frame -> bound copy -> frame)."""
    body = "".join(
        f"    class H{i}:\n        def get(self):\n            return 'x'\n"
        f"    h{i} = H{i}().get\n    app.add_url_rule('/r{i}', 'r{i}', h{i})\n"
        for i in range(50)
    )
    root = write_tree(
        tmp_path / "src",
        {
            "app.py": "from flask import Flask\n\ndef create_app():\n    app = Flask(__name__)\n"
            + body
            + "    return app\n"
        },
    )
    inventory, left = scan_then_collect(root)
    assert len(inventory.routes) == 51  # and static
    assert left < 50  # without untying the frames: about 1,350 objects


def test_collections_after_a_parse_walk_only_what_it_made(tmp_path: Path) -> None:
    """Inside the scan's pause, `_serial` first moves the heap built so far out of
    the collector's generations (`gc.freeze`): the collection after each libcst
    parse then walks only that parse's objects. All is unfrozen at the end."""
    root = write_tree(tmp_path / "src", CONSTANT_TREE)
    sources = list(discover([root], root))
    frozen: list[int] = []

    def parse(source):
        frozen.append(gc.get_freeze_count())
        return parse_file(source)

    gc.unfreeze()  # the hybrid's tests (`freeze_gc=True`) leave this process frozen
    with pipeline.gc_paused(settle=True):
        pipeline.parse_all(sources, root, parse, jobs=1, use_prefilter=False)
    assert len(frozen) == len(sources) and min(frozen) > 0
    assert gc.get_freeze_count() == 0
    # no settling outside the scan's own pause
    frozen.clear()
    with pipeline.gc_paused():
        pipeline.parse_all(sources, root, parse, jobs=1, use_prefilter=False)
    assert frozen == [0] * len(sources)


def test_a_callers_frozen_objects_stay_frozen() -> None:
    """A server that froze its startup heap (`migrate serve --freeze-gc` does) and
    then scans keeps its freeze: the scan neither settles nor unfreezes."""
    gc.freeze()
    try:
        before = gc.get_freeze_count()
        assert scan_paths([SAMPLE], ScanOptions(jobs=1)).routes
        # neither settled (the count would grow by the scan's heap) nor unfrozen (0);
        # a frozen object may still be freed
        assert 0 < gc.get_freeze_count() <= before
    finally:
        gc.unfreeze()
