"""`migrate`: the command line. Thin: parse options, call the core, render.

Errors a user can cause (a bad path, a bad option) are one line on stderr and
exit status 2; no traceback.
"""

from __future__ import annotations

import importlib
import sys

import click

from migrate import __version__

# name -> "module:attribute"; imported when the command runs (or `--help` lists it)
COMMANDS = {
    "scan": "migrate.commands.scan:scan",
    "generate": "migrate.commands.generate:generate",
    "verify": "migrate.commands.verify:verify",
    "serve": "migrate.commands.serve:serve",  # needs the adapters package
}


class LazyGroup(click.Group):
    """Each subcommand is imported when it is used: `migrate scan` (a pre-commit
    hook runs it on every commit) does not load FastAPI, uvicorn or httpx,
    which `verify` and `serve` need (0.3 s of every run)."""

    def __init__(self, *args: object, lazy: dict[str, str], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.lazy = lazy

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.lazy and cmd_name not in self.commands:
            module, _, attribute = self.lazy[cmd_name].partition(":")
            try:
                command = getattr(importlib.import_module(module), attribute)
            except ImportError:  # pragma: no cover - serve lands with the adapters package
                return None
            self.add_command(command, cmd_name)
        return super().get_command(ctx, cmd_name)


@click.group(cls=LazyGroup, lazy=COMMANDS, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="migrate")
def cli() -> None:
    """Move a Flask app to FastAPI one route at a time.

    \b
    scan      inventory every app, blueprint and route, statically (ast + libcst; cached;
              a one-file change the link cannot see reuses the last inventory; --timings)
    serve     run the legacy app inside FastAPI under uvicorn (--bridge, --no-freeze-gc)
    generate  async FastAPI routers + Pydantic models from the scan, as files or a diff
    verify    replay requests on Flask and on the native routes; compare status, headers, body
    """


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
