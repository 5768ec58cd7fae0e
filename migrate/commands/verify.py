"""`migrate verify APP_SPEC --router M:R`: do the migrated routes answer like Flask did?

Thin: load the app and routers (``migrate.verify.target``), read the request file or
generate requests from the scan (``migrate.verify.cases``), replay them on both sides
(``migrate.verify.replay``) and render the report (``migrate.verify.report``).
Exit status: 0 when every compared request got identical responses, 1 when any
differs or none could be compared, 2 for a usage error (one line on stderr).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from adapters.loading import SpecError, load_router
from migrate.verify.compare import DEFAULT_HEADERS, CompareOptions
from migrate.verify.replay import ReplayOptions
from migrate.verify.replay import verify as run_verify
from migrate.verify.report import render_json, render_table
from migrate.verify.target import AppTarget, load_target, migrations, parse_config
from migrate.verify.traffic import RecordedRequest, RequestFileError, read_requests, write_requests

__all__ = ["VerifyError", "verify"]


class VerifyError(click.ClickException):
    """A user error: shown as one line, exit status 2."""

    exit_code = 2


@click.command()
@click.argument("app_spec", metavar="APP_SPEC")
@click.option(
    "--router",
    "routers",
    multiple=True,
    required=True,
    metavar="MODULE:ROUTER",
    help="A FastAPI APIRouter with migrated routes (@legacy_stub ones are ignored). Repeatable.",
)
@click.option(
    "--requests",
    "requests_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="JSONL of requests to replay (adapters.recording writes it). "
    "Without it, requests are generated from the scan.",
)
@click.option(
    "--save-requests",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the generated requests to this JSONL file (for review and reuse).",
)
@click.option(
    "--endpoint",
    "endpoints",
    multiple=True,
    metavar="ENDPOINT",
    help="Only requests to this Flask endpoint. Repeatable.",
)
@click.option(
    "--config",
    "config_items",
    multiple=True,
    metavar="KEY=VALUE",
    help="Call the factory with a config dict; {tmp} in a value is a new "
    "directory per instance (DATABASE={tmp}/db.sqlite). Repeatable.",
)
@click.option(
    "--header",
    "headers",
    multiple=True,
    metavar="'NAME: VALUE'",
    help="Send this header with every request (a test credential). Repeatable.",
)
@click.option(
    "--ignore-field",
    multiple=True,
    metavar="PATH",
    help="JSON field left out of body comparison: a key at any depth (created_at) "
    "or a dotted path from the root (books.*.id). Repeatable.",
)
@click.option(
    "--compare-header",
    multiple=True,
    metavar="NAME",
    help="Also compare this response header's value. Repeatable.",
)
@click.option(
    "--ignore-header",
    multiple=True,
    metavar="NAME",
    help=f"Do not compare this header (default set: {', '.join(DEFAULT_HEADERS)}).",
)
@click.option(
    "--path-value",
    multiple=True,
    metavar="NAME=VALUE",
    help="Sample value of path parameter NAME in generated requests (book_id=2).",
)
@click.option(
    "--source",
    type=click.Path(exists=True, path_type=Path),
    help="Code to scan for generated requests (default: APP_SPEC's top package).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="Report format.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the report to FILE instead of stdout.",
)
@click.option(
    "--max-diffs",
    type=click.IntRange(min=0),
    default=3,
    show_default=True,
    help="Differences shown in full in the table (JSON lists all).",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=10.0,
    show_default=True,
    help="Seconds each side has to answer one request.",
)
@click.option(
    "--app-dir",
    default=".",
    metavar="DIR",
    show_default=True,
    help="Put this folder first on sys.path to import APP_SPEC and routers.",
)
def verify(
    app_spec: str,
    routers: tuple[str, ...],
    requests_file: Path | None,
    save_requests: Path | None,
    endpoints: tuple[str, ...],
    config_items: tuple[str, ...],
    headers: tuple[str, ...],
    ignore_field: tuple[str, ...],
    compare_header: tuple[str, ...],
    ignore_header: tuple[str, ...],
    path_value: tuple[str, ...],
    source: Path | None,
    fmt: str,
    output: Path | None,
    max_diffs: int,
    timeout: float,
    app_dir: str,
) -> None:
    """Replay requests on the legacy Flask app and on the native routes replacing it,
    and compare status, headers and body, per endpoint.

    APP_SPEC is module:create_app() (a fresh app per side, and per state-changing
    request) or module:app (one shared app: POST/PUT/PATCH/DELETE are skipped).
    """
    if save_requests is not None and requests_file is not None:
        raise VerifyError("--save-requests writes generated requests: leave out --requests")
    try:
        loaded = [load_router(spec, app_dir=app_dir) for spec in routers]
        config = parse_config(config_items) if config_items else None
        target = load_target(app_spec, loaded, config=config, app_dir=app_dir)
    except SpecError as exc:
        raise VerifyError(str(exc)) from None
    try:
        options = ReplayOptions(
            compare=CompareOptions(ignore_fields=ignore_field).with_headers(
                compare_header, ignore_header
            ),
            endpoints=endpoints,
            headers=tuple(_header(h) for h in headers),
            timeout=timeout,
        )
        requests = _requests(target, app_spec, options, requests_file, source, path_value)
        if save_requests is not None:
            count = write_requests(save_requests, requests)
            click.echo(f"migrate verify: wrote {count} requests to {save_requests}", err=True)
        result = run_verify(target, requests, options)
    finally:
        target.close()
    text = render_json(result) if fmt == "json" else render_table(result, max_diffs=max_diffs)
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        click.echo(f"migrate verify: report written to {output}", err=True)
    compared = sum(1 for o in result.outcomes if o.status in ("identical", "differing"))
    if compared == 0:
        click.echo("migrate verify: no request reached a migrated route", err=True)
    sys.exit(1 if result.differing or compared == 0 else 0)


def _requests(
    target: AppTarget,
    app_spec: str,
    options: ReplayOptions,
    requests_file: Path | None,
    source: Path | None,
    path_value: tuple[str, ...],
) -> list[RecordedRequest]:
    probe = target.new_app()
    known = {rule.endpoint for rule in probe.url_map.iter_rules()}
    for endpoint in options.endpoints:
        if endpoint not in known:
            raise VerifyError(f"--endpoint {endpoint!r} is not an endpoint of the legacy app")
    found, _ = migrations(probe, target.routers)
    if not found:
        raise VerifyError(
            "no native route replaces a legacy endpoint "
            "(every route is a @legacy_stub, or none matches a Flask rule)"
        )
    if requests_file is not None:
        try:
            return read_requests(requests_file)
        except RequestFileError as exc:
            raise VerifyError(str(exc)) from None
    from migrate.scan import ScanOptions, scan_paths
    from migrate.verify.cases import generate_requests

    root = source or _package_dir(app_spec)
    if root is None:
        raise VerifyError("cannot find APP_SPEC's source to scan: pass --source PATH")
    inventory = scan_paths([root], ScanOptions())
    values = {}
    for item in path_value:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise VerifyError(f"--path-value expects NAME=VALUE, got {item!r}")
        values[name] = value
    if options.endpoints:
        found = [m for m in found if m.endpoint in options.endpoints]
    generated = generate_requests(found, inventory, values)
    click.echo(
        f"migrate verify: {len(generated)} requests generated for {len(found)} migrated "
        f"endpoint(s) from a scan of {root}",
        err=True,
    )
    return generated


def _package_dir(app_spec: str) -> Path | None:
    module = sys.modules.get(app_spec.split(":", 1)[0].split(".", 1)[0])
    paths = list(getattr(module, "__path__", []) or [])
    if paths:
        return Path(paths[0])
    file = getattr(module, "__file__", None)
    return Path(file).parent if file else None


def _header(text: str) -> tuple[str, str]:
    name, sep, value = text.partition(":")
    if not sep or not name.strip():
        raise VerifyError(f"--header expects 'NAME: VALUE', got {text!r}")
    return name.strip().lower(), value.strip()
