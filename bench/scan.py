"""Scan speed on a large real Flask codebase: prefilter, parallel parse, cache.

Not part of the test suite (the first run needs the network). Run it with the
project's interpreter::

    .venv/bin/python bench/scan.py --workdir /tmp/scanbench [--jobs N] [--repeat N] [--no-matrix]

It downloads the pinned distributions in `TIMED` and `ROUTES` from PyPI with
`pip download --no-deps` (never installs them), unpacks their `.py` files
under `WORKDIR/tree/`, and prints: files, lines, the time to merely parse every
file with `libcst.parse_module` in one process (the baseline), the cold scan
(empty cache), the warm re-scan with nothing changed and with one file
changed, peak memory, and the ratios. Every scan runs in a fresh process
(`bench/scan.py _scan ...`) with `include_tests=True`, so the scan reads the
same files the baseline parses.

The "no loss" matrix then scans each tree with the reference settings (one
process, no prefilter, no cache) and with each optimisation, and compares the
whole inventories (routes, apps, blueprints, findings, errors), on Indico +
CKAN (both find their blueprints by listing folders, which the scan follows)
and on `ROUTES`, a codebase that registers its routes by plain imports.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import resource
import shutil
import subprocess
import sys
import tarfile
import time
import zipfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from migrate.scan import ScanOptions, pipeline, prefilter, scan_paths  # noqa: E402
from migrate.scan.discover import discover  # noqa: E402

TIMED = {"indico-ckan": ["indico==3.2.9", "ckan==2.12.0"]}
ROUTES = {"changedetection": ["changedetection.io==0.60.10"]}
VARIANTS: dict[str, dict[str, Any]] = {  # name -> ScanOptions fields (cache: a fresh dir)
    "reference": {"jobs": 1, "prefilter": False},
    "prefilter": {"jobs": 1, "prefilter": True},
    "parallel": {"jobs": None, "prefilter": False},
    "cache-cold": {"jobs": None, "prefilter": True, "cache": True},
    "cache-warm": {"jobs": None, "prefilter": True, "cache": True},
}


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# -------------------------------------------------------------- the codebase


def fetch(workdir: Path, name: str, requirements: list[str]) -> Path:
    """Download the pinned distributions and unpack their .py files into one tree."""
    dist = workdir / "dist"
    tree = workdir / "tree" / name
    if tree.is_dir():
        return tree
    dist.mkdir(parents=True, exist_ok=True)
    for requirement in requirements:
        log(f"pip download --no-deps {requirement}")
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", str(dist)]
            + [requirement],
            check=True,
        )
    partial = tree.with_name(name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    for requirement in requirements:
        project, _, version = requirement.partition("==")
        stem = project.replace("-", "_").replace(".", "_").lower()
        for archive in sorted(dist.iterdir()):
            norm = archive.name.replace("-", "_").replace(".", "_").lower()
            if norm.startswith(f"{stem}_{version.replace('.', '_')}"):
                _unpack(archive, partial)
                break
        else:
            raise SystemExit(f"no archive for {requirement} in {dist}")
    partial.rename(tree)
    return tree


def _unpack(archive: Path, into: Path) -> None:
    if archive.suffix == ".whl":
        with zipfile.ZipFile(archive) as zf:
            for member in zf.namelist():
                top = member.split("/", 1)[0]
                if member.endswith(".py") and not top.endswith((".data", ".dist-info")):
                    zf.extract(member, into)
        return
    with tarfile.open(archive) as tf:  # an sdist: drop its `name-version/` folder
        for info in tf.getmembers():
            parts = info.name.split("/", 1)
            if info.isfile() and info.name.endswith(".py") and len(parts) == 2:
                target = into / parts[1]
                target.parent.mkdir(parents=True, exist_ok=True)
                source = tf.extractfile(info)
                if source is not None:
                    target.write_bytes(source.read())


# -------------------------------------------------------------- measurements


def baseline(tree: Path) -> tuple[int, int, float]:
    """Files, lines, and seconds to parse them all with libcst in this process."""
    import libcst as cst

    files = [s.path for s in discover([tree], tree, (), include_tests=True)]
    datas = [f.read_bytes() for f in files]
    clock = time.perf_counter()
    for data in datas:
        with contextlib.suppress(Exception):  # a file that fails counts all the same
            cst.parse_module(data)
    return len(files), sum(d.count(b"\n") for d in datas), time.perf_counter() - clock


def run_scan(tree: Path, cache: Path | None, jobs: int | None, prefilter: bool) -> dict[str, Any]:
    """One scan in a fresh interpreter; its timings, peak memory and an inventory digest."""
    argv = [sys.executable, str(Path(__file__).resolve()), "_scan", str(tree)]
    argv += ["--cache", str(cache) if cache else "-", "--jobs", str(jobs or 0)]
    argv += ["--prefilter", "on" if prefilter else "off"]
    out = subprocess.run(argv, check=True, capture_output=True, text=True).stdout
    return dict(json.loads(out.strip().splitlines()[-1]))


def _scan_child(tree: Path, cache: str, jobs: int, prefilter: str) -> None:
    stats = pipeline.Stats()
    options = ScanOptions(
        include_tests=True,
        jobs=jobs or None,
        cache_dir=None if cache == "-" else Path(cache),
        prefilter=prefilter == "on",
        stats=stats,
        reuse_inventory=True,  # as `migrate scan` does
    )
    clock = time.perf_counter()
    inv = scan_paths([tree], options)
    seconds = time.perf_counter() - clock
    mine = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    body = repr((inv.apps, inv.blueprints, inv.routes, inv.findings, inv.errors))
    result = {
        "seconds": seconds,
        "phases": stats.seconds,
        "parsed": stats.parsed,
        "checked": stats.checked,
        "hits": stats.cache_hits,
        "detected": stats.detected,
        "detect_hits": stats.detect_hits,
        "ahead": stats.ahead,
        "kept": stats.kept,
        "files": stats.files,
        "selection": stats.selection,
        "incremental": stats.incremental,
        "jobs": stats.jobs,
        "rss_mb": mine,
        "worker_rss_mb": workers,
        "routes": len(inv.routes),
        "findings": len(inv.findings),
        "errors": len(inv.errors),
        "digest": hashlib.sha256(body.encode()).hexdigest()[:16],
        "items": sorted(
            [f"route {r.app} {r.rule} {','.join(r.methods)} {r.endpoint}" for r in inv.routes]
            + [f"finding {f.code} {f.file}:{f.line}" for f in inv.findings]
            + [f"error {e.file}:{e.line}" for e in inv.errors]
        ),
    }
    print(json.dumps(result))


def fresh(workdir: Path, stem: str) -> Path:
    """A cache folder no earlier run used."""
    n = 0
    while (workdir / f"{stem}-{n}").exists():
        n += 1
    return workdir / f"{stem}-{n}"


def tidy(workdir: Path) -> None:
    for folder in sorted(workdir.glob("cache*")):
        shutil.rmtree(folder, ignore_errors=True)


def pick_file(tree: Path, names_flask: bool = False) -> Path:
    """A middle-sized file (of those that name Flask, if `names_flask`): the one a
    warm re-scan re-parses. Picked by size alone, never by what the scan makes of it."""
    files = sorted((s.path for s in discover([tree], tree, (), True)), key=_size)
    if names_flask:
        files = [f for f in files if prefilter.shape_of(f.read_bytes()).seed]
    return files[len(files) // 2]


def _size(path: Path) -> int:
    return path.stat().st_size


def cli_wall(tree: Path, cache: Path, hook: bool = False) -> float:
    """Seconds a person waits for `migrate scan` (process start, imports, the scan,
    the report, exit): with a JSON report, or (`hook`) as the pre-commit hook runs
    it, the default table on stdout and `--fail-on hard` (exit 1 when a route is
    hard, which is not a failure here)."""
    script = Path(sys.executable).with_name("migrate")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "migrate.cli"]
    argv = [*command, "scan", str(tree), "--include-tests", "--cache-dir", str(cache)]
    argv += ["--fail-on", "hard"] if hook else ["--format", "json", "-o", os.devnull]
    clock = time.perf_counter()
    done = subprocess.run(argv, capture_output=True)
    seconds = time.perf_counter() - clock
    if done.returncode not in ((0, 1) if hook else (0,)):
        raise SystemExit(f"{' '.join(argv)} exited {done.returncode}: {done.stderr[-500:]!r}")
    return seconds


def appended(n: int | str) -> Any:
    # a statement, not a comment: the file's lowered form changes
    return lambda data: data + f"\n_TOUCHED_BY_BENCH = {n!r}\n".encode()


def called(n: int | str) -> Any:
    # a statement the link runs (a call), which no short way admits
    return lambda data: data + f"\nprint({n!r})\n".encode()


def in_function(n: int | str) -> Any:
    # a line added at the top of the first top-level function (an edit of its body,
    # the most common kind): the link ran the function, so it re-links
    def edit(data: bytes) -> bytes:
        lines = data.splitlines(keepends=True)
        at = next(
            i
            for i, line in enumerate(lines)
            if line.startswith(b"def ") and line.rstrip().endswith(b":")
        )
        return b"".join(
            [*lines[: at + 1], f"    _touched_by_bench = {n!r}\n".encode(), *lines[at + 1 :]]
        )

    return edit


def commented(n: int | str) -> Any:
    # a comment line on top: every line of the file moves down one
    return lambda data: f"# touched by the bench: {n}\n".encode() + data


def timings(workdir: Path, tree: Path, jobs: int | None, repeat: int) -> None:
    """Each figure is the best of `repeat` runs (the machine may be shared)."""
    # one middle-sized file with a constant appended; one of those that name Flask
    # with a constant appended, a call appended, a comment line on top
    middle, flask_file = pick_file(tree), pick_file(tree, names_flask=True)
    changes = {
        "one": (middle, appended),
        "flask": (flask_file, appended),
        "call": (flask_file, called),
        "body": (flask_file, in_function),
        "comment": (flask_file, commented),
    }
    runs: dict[str, list[dict[str, Any]]] = {k: [] for k in ("cold", "warm", *changes)}
    walls: dict[str, list[float]] = {"warm": [], "hook": [], "flask": []}
    bases = []
    for n in range(repeat):
        files, lines, seconds = baseline(tree)
        bases.append(seconds)
        # a new, empty folder: deleting thousands of entries just before a cold
        # scan slows its writes on this machine's disk for seconds (`tidy` runs last)
        cache = fresh(workdir, "cache")
        log(f"[{n + 1}/{repeat}] cold scan ...")
        runs["cold"].append(run_scan(tree, cache, jobs, True))
        log(f"[{n + 1}/{repeat}] warm scan, nothing changed ...")
        runs["warm"].append(run_scan(tree, cache, jobs, True))
        walls["warm"].append(cli_wall(tree, cache))
        walls["hook"].append(cli_wall(tree, cache, hook=True))
        for kind, (changed, edit) in changes.items():
            original = changed.read_bytes()
            try:
                changed.write_bytes(edit(n)(original))
                where = changed.relative_to(tree)
                log(f"[{n + 1}/{repeat}] warm scan, {where} changed ({kind}) ...")
                runs[kind].append(run_scan(tree, cache, jobs, True))
            finally:
                changed.write_bytes(original)
            # back to the cold scan's tree, so the next change is the only one
            run_scan(tree, cache, jobs, True)
            if kind == "call":  # what a person waits for, the same kind of change
                try:
                    changed.write_bytes(edit(f"{n}-cli")(original))
                    walls["flask"].append(cli_wall(tree, cache))
                finally:
                    changed.write_bytes(original)
                run_scan(tree, cache, jobs, True)
    base = min(bases)
    best = {k: min(v, key=lambda r: float(r["seconds"])) for k, v in runs.items()}
    cold = best["cold"]
    rss = max(r["rss_mb"] for k in runs for r in runs[k])
    worker_rss = max(r["worker_rss_mb"] for r in runs["cold"])

    def of_cold(run: dict[str, Any], target: str) -> str:
        return f"{run['seconds'] / cold['seconds']:.3f}x cold (target {target})"

    rows = [
        ("files", f"{files}", ""),
        ("lines", f"{lines}", ""),
        ("baseline: libcst parse, 1 process", f"{base:.2f} s", ""),
        ("cold scan", _secs(cold), f"{cold['seconds'] / base:.2f}x baseline (target <= 0.5)"),
        ("warm, nothing changed", _secs(best["warm"]), of_cold(best["warm"], "< 1 s")),
        ("warm, one file changed", _secs(best["one"]), of_cold(best["one"], "<= 0.05")),
        (
            "warm, Flask file: constant appended",
            _secs(best["flask"]),
            of_cold(best["flask"], "<= 0.05"),
        ),
        ("warm, Flask file: call appended", _secs(best["call"]), of_cold(best["call"], "<= 0.05")),
        (
            "warm, Flask file: line in a function",
            _secs(best["body"]),
            of_cold(best["body"], "<= 0.05"),
        ),
        (
            "warm, Flask file: comment on top",
            _secs(best["comment"]),
            of_cold(best["comment"], "<= 0.05"),
        ),
        (
            "migrate scan wall, nothing changed",
            f"{min(walls['warm']):.2f} s",
            "process, end to end",
        ),
        (
            "pre-commit hook wall, nothing changed",
            f"{min(walls['hook']):.2f} s",
            "table report, --fail-on hard",
        ),
        (
            "migrate scan wall, Flask file: call",
            f"{min(walls['flask']):.2f} s",
            "process, end to end",
        ),
        ("peak memory, main process", f"{rss:.0f} MB", ""),
        ("peak memory, one worker", f"{worker_rss:.0f} MB", f"x {cold['jobs']} jobs"),
    ]
    print(f"\n{tree.name}: {', '.join(TIMED.get(tree.name, []))}  ({os.cpu_count()} cores)")
    print(
        f"  best of {repeat}; warm runs changed {middle.relative_to(tree)},"
        f" then {flask_file.relative_to(tree)}"
        " (a constant, a call, a line in a function, a comment on top)"
    )
    for label, value, note in rows:
        print(f"  {label:38} {value:>10}  {note}")
    for name, run in best.items():
        phases = ", ".join(f"{k} {v:.2f}" for k, v in run["phases"].items())
        print(
            f"  {name:8} {phases}; lowered {run['parsed']}, cache hits {run['hits']}, "
            f"libcst+detectors {run['detected']} (cached {run['detect_hits']},"
            f" ahead {run.get('ahead', 0)}),"
            f" kept {run['kept']}/{run['files']} ({run['selection']}), jobs {run['jobs']}"
            + (f"; {run['incremental']}" if run["incremental"] else "")
        )


def _secs(run: dict[str, Any]) -> str:
    return f"{run['seconds']:.2f} s"


def matrix(workdir: Path, tree: Path) -> bool:
    print(f"\nno loss, {tree.name}: the whole inventory per setting")
    same = True
    reference = None
    cache = fresh(workdir, "cache-matrix")
    for name, v in VARIANTS.items():
        run = run_scan(tree, cache if v.get("cache") else None, v["jobs"], v["prefilter"])
        reference = reference or run
        same = _compare(name, run, reference) and same
    # one file changed: the cached scan (a short way, if one applies) against the
    # reference settings on the changed tree; a constant appended to a middle-sized
    # file, then to a middle-sized Flask file, then a comment atop it (lines move)
    for changed, edit in (
        (pick_file(tree), appended(-1)),
        (pick_file(tree, names_flask=True), appended(-2)),
        (pick_file(tree, names_flask=True), commented(-1)),
    ):
        original = changed.read_bytes()
        try:
            changed.write_bytes(edit(original))
            print(f"  {changed.relative_to(tree)} changed:")
            truth = run_scan(tree, None, 1, False)  # the oracle for the changed tree
            print(f"  {'reference':12} routes {truth['routes']:5} findings {truth['findings']:4}")
            run = run_scan(tree, cache, None, True)
            same = _compare("cache-one", run, truth) and same
        finally:
            changed.write_bytes(original)
        run_scan(tree, cache, None, True)  # back to the matrix's tree
    return same


def _compare(name: str, run: dict[str, Any], reference: dict[str, Any]) -> bool:
    ok = bool(run["digest"] == reference["digest"])
    print(
        f"  {name:12} routes {run['routes']:5} findings {run['findings']:4}"
        f" errors {run['errors']:3}  {run['seconds']:7.2f} s"
        f"  kept {run['kept']}/{run['files']} ({run['selection']})  "
        + ("identical" if ok else "DIFFERENT")
    )
    if not ok:
        mine, theirs = set(run["items"]), set(reference["items"])
        for item in sorted(mine - theirs)[:5]:
            print(f"      only here:         {item}")
        for item in sorted(theirs - mine)[:5]:
            print(f"      only in reference: {item}")
    return ok


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args and args[0] == "_scan":
        ap = argparse.ArgumentParser()
        ap.add_argument("tree", type=Path)
        ap.add_argument("--cache", default="-")
        ap.add_argument("--jobs", type=int, default=0)
        ap.add_argument("--prefilter", default="on")
        child = ap.parse_args(args[1:])
        _scan_child(child.tree, child.cache, child.jobs, child.prefilter)
        return 0
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workdir", type=Path, required=True)
    ap.add_argument("--jobs", type=int, default=None, help="default: every core")
    ap.add_argument("--repeat", type=int, default=1, help="report the best of N runs")
    ap.add_argument("--no-matrix", action="store_true", help="skip the no-loss comparison")
    opts = ap.parse_args(args)
    workdir = opts.workdir.resolve()
    trees = {name: fetch(workdir, name, reqs) for name, reqs in {**TIMED, **ROUTES}.items()}
    try:
        for name in TIMED:
            timings(workdir, trees[name], opts.jobs, max(1, opts.repeat))
        if opts.no_matrix:
            return 0
        # every tree, even after a miss
        results = [matrix(workdir, tree) for tree in trees.values()]
        return 0 if all(results) else 1
    finally:
        tidy(workdir)


if __name__ == "__main__":
    sys.exit(main())
