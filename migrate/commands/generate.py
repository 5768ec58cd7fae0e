"""`migrate generate PATH --out DIR`: FastAPI routers and Pydantic models from the scan."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from migrate.generate import GenerateOptions, OutsideOutput, apply
from migrate.generate import generate as build
from migrate.scan import ScanOptions, scan_paths


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Package directory to write (created if missing).",
)
@click.option(
    "--diff", is_flag=True, help="Write nothing; print a unified diff that `git apply` accepts."
)
@click.option(
    "--check", is_flag=True, help="Write nothing; exit 1 if generating would change any file."
)
@click.option(
    "--select",
    multiple=True,
    metavar="ENDPOINT|BLUEPRINT",
    help="Only these endpoints or blueprints (with their nested ones). Repeatable.",
)
@click.option("--force", is_flag=True, help="Overwrite files a person edited.")
@click.option("--exclude", multiple=True, metavar="GLOB", help="Skip files when scanning.")
def generate(
    paths: tuple[Path, ...],
    out: Path,
    diff: bool,
    check: bool,
    select: tuple[str, ...],
    force: bool,
    exclude: tuple[str, ...],
) -> None:
    """Generate async FastAPI routers and Pydantic models for the Flask app under PATHS.

    One router module per blueprint plus `app_routes.py`, a `models.py`, and an
    `__init__.py` exposing `router` and `include_all(app)`. Every endpoint is a
    `@legacy_stub`: mounted through the hybrid, Flask keeps serving it until a
    person implements it. Files a person edited are never overwritten without --force.
    """
    for path in paths:
        if not path.exists():
            raise click.UsageError(f"path does not exist: {path}")
    inventory = scan_paths(paths, ScanOptions(exclude=exclude))
    files = build(inventory, GenerateOptions(select=select))
    try:
        outcome = apply(files, out, force=force, write=not (diff or check), diff=diff)
    except OutsideOutput as exc:
        raise click.UsageError(str(exc)) from exc
    if diff:
        click.echo(outcome.diff, nl=False)
    for rel in outcome.skipped:
        click.echo(f"skipped {out / rel}: edited by a person (use --force to overwrite)", err=True)
    if check:
        for rel in outcome.written:
            click.echo(f"would change {out / rel}", err=True)
        sys.exit(1 if outcome.written else 0)
    if not diff:
        click.echo(
            f"{len(outcome.written)} written, {len(outcome.unchanged)} unchanged, "
            f"{len(outcome.skipped)} skipped in {out}",
            err=True,
        )
