"""`migrate scan PATH...`: the route inventory of a Flask codebase, statically,
with each route's readiness; optionally one route in full (`--route`) or a CI
gate on difficulty (`--fail-on`). Defaults come from `[tool.migrate]` in the
scanned project's pyproject.toml (`migrate/config.py`); flags win."""

from __future__ import annotations

import dataclasses
import json
import os
import sys
import time
from pathlib import Path

import click

from migrate import config
from migrate.model import Inventory, Route
from migrate.report import RENDERERS, gate, json_report, route_detail
from migrate.report.levels import LEVELS, level
from migrate.scan import ScanOptions, scan_paths, scan_root
from migrate.scan.cache import default_dir as default_cache_dir
from migrate.scan.pipeline import Stats

MAX_NAMED = 5  # failing routes named on the gate's stderr line


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(sorted(RENDERERS)),
    default=None,
    help="Output format (default: table, or `format` in [tool.migrate]).",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the report to FILE instead of stdout.",
)
@click.option(
    "--exclude",
    multiple=True,
    metavar="GLOB",
    help="Skip files or folders matching GLOB (relative to the scanned root). Repeatable.",
)
@click.option(
    "--include-tests/--no-include-tests",
    default=None,
    help="Also scan test code (tests/, test_*.py, conftest.py), skipped by default.",
)
@click.option(
    "--strict/--no-strict",
    default=None,
    help="Exit 1 if any file could not be parsed or decoded.",
)
@click.option(
    "--route",
    "route_query",
    metavar="ENDPOINT",
    help="Show everything known about one route (an endpoint, or a rule starting with /).",
)
@click.option(
    "--fail-on",
    type=click.Choice(LEVELS),
    default=None,
    help="Exit 1 if any route (static rules aside) is at or above this difficulty level.",
)
@click.option(
    "--fail-on-score",
    type=click.IntRange(min=0),
    metavar="N",
    help="Exit 1 if any route (static rules aside) scores N or more.",
)
@click.option(
    "--select-blueprint",
    multiple=True,
    metavar="NAME",
    help="Only routes of blueprint NAME (and blueprints nested in it) count for "
    "--fail-on/--fail-on-score. Repeatable.",
)
# scan speed (issue 7; migrate/scan/pipeline.py): none of these changes the result
@click.option(
    "--jobs",
    type=click.IntRange(min=1),
    metavar="N",
    help="Parse with N processes, this one included (default: every core; a small "
    "tree stays in one).",
)
@click.option("--no-cache", is_flag=True, help="Neither read nor write the parse cache.")
@click.option(
    "--cache-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Parse cache folder (default: $WSGI2ASGI_CACHE_DIR, else "
    "$XDG_CACHE_HOME/wsgi2asgi, else ~/.cache/wsgi2asgi). A re-scan reuses the last "
    "inventory when no file changed, or when the one file that changed takes no part "
    "in the link (a migration, or a test module whose top-level code and functions "
    "never read the app's code), or "
    "changed only where the link never runs (comments, blank lines, the body of a "
    "method nothing calls; its lines are moved) or in statements nothing reads "
    "(a constant, a docstring or a library import binding a name no other code spells; "
    "a constant also in a module inspect.getmembers sifts with an isinstance predicate).",
)
@click.option("--quiet", is_flag=True, help="No progress bar on stderr.")
@click.option(
    "--timings",
    is_flag=True,
    help="Print where the scan's time went (read, lowering, link, libcst + detectors, "
    "how many files the workers detected while the link ran, cache hits, prefilter, "
    "processes), and the report's rendering time, to stderr.",
)
def scan(
    paths: tuple[Path, ...],
    fmt: str | None,
    output: Path | None,
    exclude: tuple[str, ...],
    include_tests: bool | None,
    strict: bool | None,
    route_query: str | None,
    fail_on: str | None,
    fail_on_score: int | None,
    select_blueprint: tuple[str, ...],
    jobs: int | None,
    no_cache: bool,
    cache_dir: Path | None,
    quiet: bool,
    timings: bool,
) -> None:
    """Find every Flask app, blueprint and route under PATHS, without importing them.

    The inventory equals what each app's own `app.url_map` would hold: rules with
    blueprint prefixes joined as Flask joins them, methods, endpoints, converters,
    and for each route its migration difficulty with the reasons behind it.
    Blueprints a factory finds at run time by listing a folder (pkgutil.iter_modules,
    os.walk, importlib loaders, inspect.getmembers, dir/getattr/isinstance) count too.
    What cannot be resolved statically is listed as a finding (file:line, reason);
    files that do not parse are listed and the scan goes on.

    Defaults are read from [tool.migrate] in the first pyproject.toml at or above
    the scanned root (keys: exclude, include-tests, format, fail-on, strict).
    """
    for path in paths:
        if not path.exists():
            raise click.UsageError(f"path does not exist: {path}")
    try:
        settings = config.load(scan_root(paths))
    except config.ConfigError as exc:
        raise click.UsageError(str(exc)) from exc
    fmt = fmt or settings.format or "table"
    options = ScanOptions(
        exclude=exclude or settings.exclude or (),
        include_tests=_first(include_tests, settings.include_tests),
        jobs=jobs,
        cache_dir=None if no_cache else cache_dir or default_cache_dir(),
        progress=not quiet and sys.stderr.isatty(),
        reuse_inventory=True,
        stats=Stats() if timings else None,
    )
    clock = time.perf_counter()
    inventory = _with_display_root(scan_paths(paths, options))
    if options.stats is not None:
        click.echo(options.stats.summary(time.perf_counter() - clock), err=True)
    if route_query is not None:
        _show_route(inventory, route_query, fmt, output)
        return
    if select_blueprint:
        unknown = gate.unknown_blueprint(inventory, select_blueprint)
        if unknown is not None:
            name, matches = unknown
            hint = f"; close matches: {', '.join(matches)}" if matches else ""
            raise click.UsageError(f"no blueprint named {name!r}{hint}")
    color = output is None and fmt == "table" and sys.stdout.isatty()
    clock = time.perf_counter()
    text = RENDERERS[fmt](inventory, color)
    if options.stats is not None:  # the report is part of the wait (a pre-commit hook's)
        click.echo(f"report: {fmt} in {time.perf_counter() - clock:.2f} s", err=True)
    _emit(text, output, f"{len(inventory.routes)} routes")
    status = 0
    if _first(strict, settings.strict) and inventory.errors:
        status = 1
    fail_on = fail_on or (settings.fail_on if fail_on_score is None else None)
    failing = gate.failing(inventory, fail_on, fail_on_score, select_blueprint)
    if failing:
        click.echo(_gate_message(failing, fail_on, fail_on_score), err=True)
        status = 1
    if status:
        sys.exit(status)


def _first(flag: bool | None, configured: bool | None) -> bool:
    if flag is not None:
        return flag
    return bool(configured)


def _emit(text: str, output: Path | None, what: str) -> None:
    if output is None:
        click.echo(text, nl=False)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise click.UsageError(f"cannot write {output}: {exc.strerror or exc}") from exc
    click.echo(f"wrote {output} ({what})", err=True)


def _show_route(inventory: Inventory, query: str, fmt: str, output: Path | None) -> None:
    routes = route_detail.find(inventory, query)
    if not routes:
        matches = route_detail.close_matches(inventory, query)
        what = "rule" if query.startswith("/") else "endpoint"
        hint = f"; close matches: {', '.join(matches)}" if matches else ""
        raise click.UsageError(f"no route with {what} {query!r}{hint}")
    if fmt == "json":
        text = json.dumps([json_report.route_dict(r) for r in routes], indent=2, default=str)
        text += "\n"
    else:
        text = route_detail.render(routes)
    _emit(text, output, f"{len(routes)} route(s)")


def _gate_message(failing: list[Route], fail_on: str | None, fail_on_score: int | None) -> str:
    lines = []
    if fail_on:
        lines.append(f"level {fail_on}")
    if fail_on_score is not None:
        lines.append(f"score {fail_on_score}")
    named = ", ".join(f"{r.endpoint} ({r.score} {level(r.score)})" for r in failing[:MAX_NAMED])
    more = f" and {len(failing) - MAX_NAMED} more" if len(failing) > MAX_NAMED else ""
    return f"migrate: {len(failing)} route(s) at or above {' or '.join(lines)}: {named}{more}"


def _with_display_root(inventory: Inventory) -> Inventory:
    """Show the root relative to the working directory when it is below it."""
    root = inventory.root
    try:
        shown = os.path.relpath(root)
    except ValueError:
        shown = root
    if shown.startswith(".."):
        shown = root
    return dataclasses.replace(inventory, root=shown)
