"""`migrate`: the command line. Thin: parse options, call the core, render.

Errors a user can cause (a bad path, a bad option) are one line on stderr and
exit status 2; no traceback.
"""

from __future__ import annotations

import sys

import click

from migrate import __version__
from migrate.commands.generate import generate
from migrate.commands.scan import scan
from migrate.commands.verify import verify


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="migrate")
def cli() -> None:
    """Move a Flask app to FastAPI one route at a time.

    \b
    scan      inventory every app, blueprint and route, statically (ast + libcst; cached;
              an isolated one-file change reuses the last inventory; --timings)
    serve     run the legacy app inside FastAPI under uvicorn (--bridge, --no-freeze-gc)
    generate  async FastAPI routers + Pydantic models from the scan, as files or a diff
    verify    replay requests on Flask and on the native routes; compare status, headers, body
    """


cli.add_command(scan)
cli.add_command(generate)
cli.add_command(verify)
try:
    from migrate.commands.serve import serve

    cli.add_command(serve)
except ImportError:  # pragma: no cover - serve lands with the adapters package
    pass


def main(argv: list[str] | None = None) -> int:
    try:
        cli.main(args=argv, prog_name="migrate", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("migrate: aborted", err=True)
        return 130
    except click.ClickException as exc:
        click.echo(f"migrate: error: {exc.format_message()}", err=True)
        return 2 if isinstance(exc, click.UsageError) else exc.exit_code
    except SystemExit as exc:
        return int(exc.code or 0) if not isinstance(exc.code, str) else 1
    except BrokenPipeError:
        return 0
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
