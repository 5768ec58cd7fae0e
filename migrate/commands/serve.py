"""`migrate serve APP_SPEC`: run the legacy app and migrated routers as one hybrid app.

Builds :func:`adapters.hybrid` from ``APP_SPEC`` (``module:app`` or
``module:create_app()``) and each ``--router module:router``, then runs it under
uvicorn. Everything is imported and the port checked before uvicorn starts, so a
bad spec, a missing module or a port in use is one line on stderr and exit status 2.

With ``--workers N`` or ``--reload`` uvicorn needs an import string: the options
travel in the ``WSGI2ASGI_SERVE`` environment variable to :func:`app_from_environ`,
which each worker process calls.
"""

from __future__ import annotations

import copy
import errno
import json
import os
import socket
from dataclasses import asdict, dataclass, field
from typing import Any

import click
import uvicorn
from starlette.types import ASGIApp
from uvicorn.config import LOGGING_CONFIG

from adapters.hybrid import DEFAULT_DOCS_URL, DEFAULT_OPENAPI_URL, DEFAULT_THREADS, HybridApp
from adapters.hybrid import hybrid as build_hybrid
from adapters.legacy import BRIDGES
from adapters.loading import SpecError, load_router, load_wsgi_app

__all__ = ["ServeError", "ServeSettings", "app_from_environ", "build_app", "serve"]

ENV_VAR = "WSGI2ASGI_SERVE"
SERVED_BY_HEADER = "X-Served-By"


class ServeError(click.ClickException):
    """A user error: shown as one line, exit status 2."""

    exit_code = 2


@dataclass(frozen=True)
class ServeSettings:
    """What `migrate serve` builds, as plain data (it crosses process boundaries)."""

    app_spec: str
    routers: tuple[str, ...] = ()
    threads: int = DEFAULT_THREADS
    progress: bool = False
    progress_url: str | None = None
    docs_url: str | None = DEFAULT_DOCS_URL
    openapi_url: str | None = DEFAULT_OPENAPI_URL
    app_dir: str = field(default_factory=os.getcwd)
    shadow: float | None = None  # seconds allowed to the shadow-run native handler
    record: str | None = None  # JSONL file for sampled legacy traffic
    record_rate: float = 0.01
    bridge: str = BRIDGES[0]
    freeze_gc: bool = True


def wrap(app: HybridApp, settings: ServeSettings) -> ASGIApp:
    """The opt-in layers around the hybrid: shadow mode inside, recording outside."""
    wrapped: ASGIApp = app
    if settings.shadow is not None:
        from adapters.shadow import ShadowMiddleware

        wrapped = ShadowMiddleware(app, timeout=settings.shadow)
    if settings.record is not None:
        from adapters.recording import TrafficRecorder

        wrapped = TrafficRecorder(wrapped, settings.record, rate=settings.record_rate)
    return wrapped


def build_app(settings: ServeSettings) -> HybridApp:
    """Import the legacy app and routers named in ``settings`` and build the hybrid."""
    try:
        legacy = load_wsgi_app(settings.app_spec, app_dir=settings.app_dir)
        routers = [load_router(spec, app_dir=settings.app_dir) for spec in settings.routers]
        return build_hybrid(
            legacy,
            *routers,
            threads=settings.threads,
            bridge=settings.bridge,
            freeze_gc=settings.freeze_gc,
            docs_url=settings.docs_url,
            openapi_url=settings.openapi_url,
            served_by_header=SERVED_BY_HEADER if settings.progress else None,
            progress=settings.progress or settings.progress_url is not None,
            progress_url=settings.progress_url,
        )
    except (SpecError, ValueError) as exc:
        raise ServeError(str(exc)) from None


def app_from_environ() -> ASGIApp:
    """uvicorn factory for worker and reload processes (settings in ``WSGI2ASGI_SERVE``)."""
    data: dict[str, Any] = json.loads(os.environ[ENV_VAR])
    data["routers"] = tuple(data["routers"])
    settings = ServeSettings(**data)
    return wrap(build_app(settings), settings)


@click.command()
@click.argument("app_spec", metavar="APP_SPEC")
@click.option(
    "--router",
    "routers",
    multiple=True,
    metavar="MODULE:ROUTER",
    help="A FastAPI APIRouter whose routes are served natively. Repeatable.",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option(
    "--port", type=click.IntRange(0, 65535), default=8000, show_default=True, help="Port to bind."
)
@click.option(
    "--workers", type=click.IntRange(min=1), default=1, show_default=True, help="Worker processes."
)
@click.option(
    "--threads",
    type=click.IntRange(min=1),
    default=DEFAULT_THREADS,
    show_default=True,
    help="Threads running the legacy WSGI app, per worker.",
)
@click.option(
    "--bridge",
    type=click.Choice(BRIDGES),
    default=BRIDGES[0],
    show_default=True,
    help="How legacy requests reach the WSGI app: wsgi2asgi (two thread hand-offs per "
    "buffered request) or a2wsgi as published.",
)
@click.option(
    "--freeze-gc/--no-freeze-gc",
    default=True,
    show_default=True,
    help="After startup, gc.freeze() what the app built, so full collections skip it "
    "(most of the p99 tail otherwise).",
)
@click.option("--reload", is_flag=True, help="Restart when Python files change (development).")
@click.option("--root-path", default="", help="Prefix a proxy strips before forwarding.")
@click.option(
    "--progress",
    is_flag=True,
    help=f"Add an {SERVED_BY_HEADER} header and log per-endpoint counts on exit.",
)
@click.option("--progress-url", metavar="PATH", help="Also serve the counts as JSON at PATH.")
@click.option(
    "--shadow",
    type=click.FloatRange(min=0, min_open=True),
    metavar="SECONDS",
    help="Shadow mode: migrated GET/HEAD routes keep answering from Flask while the native "
    "handler runs on a copy (time-limited); differences are logged (wsgi2asgi.shadow).",
)
@click.option(
    "--record",
    type=click.Path(dir_okay=False),
    metavar="FILE",
    help="Sample legacy requests into FILE (JSONL, secrets redacted) for `migrate verify`.",
)
@click.option(
    "--record-rate",
    type=click.FloatRange(0, 1),
    default=0.01,
    show_default=True,
    help="Share of legacy requests --record keeps.",
)
def serve(
    app_spec: str,
    routers: tuple[str, ...],
    host: str,
    port: int,
    workers: int,
    threads: int,
    bridge: str,
    freeze_gc: bool,
    reload: bool,
    root_path: str,
    progress: bool,
    progress_url: str | None,
    shadow: float | None,
    record: str | None,
    record_rate: float,
) -> None:
    """Serve APP_SPEC (module:app or module:create_app()) with migrated routers, under uvicorn.

    Requests a --router route handles (path and method) are served by FastAPI;
    every other request goes to the legacy WSGI app, unchanged.
    """
    settings = ServeSettings(
        app_spec,
        routers,
        threads,
        progress,
        progress_url,
        shadow=shadow,
        record=record,
        record_rate=record_rate,
        bridge=bridge,
        freeze_gc=freeze_gc,
    )
    app = wrap(build_app(settings), settings)
    _check_port(host, port)
    click.echo(
        f"migrate serve: {app_spec} + {len(routers)} router(s), "
        f"{threads} legacy threads per worker, docs at {settings.docs_url}",
        err=True,
    )
    options: dict[str, Any] = {
        "host": host,
        "port": port,
        "root_path": root_path,
        "log_config": _log_config(),
    }
    if workers > 1 or reload:
        os.environ[ENV_VAR] = json.dumps(asdict(settings))
        uvicorn.run(
            f"{__name__}:app_from_environ", factory=True, workers=workers, reload=reload, **options
        )
    else:
        uvicorn.run(app, **options)


def _check_port(host: str, port: int) -> None:
    if port == 0:
        return
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
    except socket.gaierror as exc:
        raise ServeError(f"cannot resolve host {host!r}: {exc.strerror}") from None
    with socket.socket(family, kind, proto) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does
        try:
            sock.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise ServeError(f"port {port} on {host} is already in use") from None
            raise ServeError(f"cannot bind {host}:{port}: {exc.strerror or exc}") from None


def _log_config() -> dict[str, Any]:
    """uvicorn's logging, plus the adapters' INFO lines (the progress summary)."""
    config = copy.deepcopy(LOGGING_CONFIG)
    config["loggers"]["adapters"] = {"handlers": ["default"], "level": "INFO", "propagate": False}
    return config
