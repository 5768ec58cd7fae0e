"""`migrate scan PATH...`: the route inventory of a Flask codebase, statically."""

from __future__ import annotations

import dataclasses
import os
import sys
from pathlib import Path

import click

from migrate.model import Inventory
from migrate.report import RENDERERS
from migrate.scan import ScanOptions, scan_paths


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(sorted(RENDERERS)),
    default="table",
    show_default=True,
    help="Output format.",
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
    "--include-tests",
    is_flag=True,
    help="Also scan test code (tests/, test_*.py, conftest.py), skipped by default.",
)
@click.option("--strict", is_flag=True, help="Exit 1 if any file could not be parsed or decoded.")
def scan(
    paths: tuple[Path, ...],
    fmt: str,
    output: Path | None,
    exclude: tuple[str, ...],
    include_tests: bool,
    strict: bool,
) -> None:
    """Find every Flask app, blueprint and route under PATHS, without importing them.

    The inventory equals what each app's own `app.url_map` would hold: rules with
    blueprint prefixes joined as Flask joins them, methods, endpoints, converters.
    What cannot be resolved statically is listed as a finding (file:line, reason);
    files that do not parse are listed and the scan goes on.
    """
    for path in paths:
        if not path.exists():
            raise click.UsageError(f"path does not exist: {path}")
    inventory = scan_paths(paths, ScanOptions(exclude=exclude, include_tests=include_tests))
    inventory = _with_display_root(inventory)
    color = output is None and fmt == "table" and sys.stdout.isatty()
    text = RENDERERS[fmt](inventory, color)
    if output is not None:
        try:
            output.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise click.UsageError(f"cannot write {output}: {exc.strerror or exc}") from exc
        click.echo(f"wrote {output} ({len(inventory.routes)} routes)", err=True)
    else:
        click.echo(text, nl=False)
    if strict and inventory.errors:
        sys.exit(1)


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
