"""`migrate serve`: errors are one line with exit 2; a real run serves both sides."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys

import httpx
import pytest
from click.testing import CliRunner
from hybrid_servers import HERE, ROOT, free_port, wait_until_serving

from migrate.commands.serve import ServeSettings, build_app, serve

LEGACY = "hybrid_apps:cli_legacy_app()"


@pytest.fixture
def busy_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["not-a-spec"], "invalid spec 'not-a-spec'"),
        (["no_such_module_here:app"], "module 'no_such_module_here' not found"),
        (["hybrid_apps:missing"], "'hybrid_apps' has no attribute 'missing'"),
        ([LEGACY, "--router", "hybrid_apps:not_a_router"], "is not a FastAPI APIRouter"),
        ([LEGACY, "--progress-url", "/ping"], "'/ping' would shadow a GET route"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args, message):
    result = CliRunner().invoke(serve, args)
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and message in lines[0], result.stderr
    assert "Traceback" not in result.stderr


def test_port_in_use_is_one_line_and_exit_2(busy_port):
    result = CliRunner().invoke(serve, [LEGACY, "--port", str(busy_port)])
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [f"Error: port {busy_port} on 127.0.0.1 is already in use"]


def test_errors_through_the_migrate_entry_point(busy_port):
    process = subprocess.run(
        [sys.executable, "-m", "migrate.cli", "serve", LEGACY, "--port", str(busy_port)],
        cwd=HERE,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert process.returncode == 2
    assert process.stderr == f"migrate: error: port {busy_port} on 127.0.0.1 is already in use\n"


def test_bridge_and_gc_options_reach_the_hybrid():
    default = build_app(ServeSettings(LEGACY, app_dir=str(HERE)))
    chosen = build_app(ServeSettings(LEGACY, app_dir=str(HERE), bridge="a2wsgi", freeze_gc=False))
    try:
        assert (default.legacy.bridge, default.freeze_gc) == ("wsgi2asgi", True)
        assert (chosen.legacy.bridge, chosen.freeze_gc) == ("a2wsgi", False)
    finally:
        default.legacy.close()
        chosen.legacy.close()


def test_unknown_bridge_is_one_line_and_exit_2():
    process = subprocess.run(
        [sys.executable, "-m", "migrate.cli", "serve", LEGACY, "--bridge", "gunicorn"],
        cwd=HERE,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert process.returncode == 2
    assert len(process.stderr.splitlines()) == 1 and "--bridge" in process.stderr, process.stderr


def run_serve(*args: str) -> tuple[str, subprocess.Popen[str]]:
    port = free_port()
    command = [sys.executable, "-m", "migrate.cli", "serve", *args, "--port", str(port)]
    process = subprocess.Popen(
        command,
        cwd=HERE,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    return f"http://127.0.0.1:{port}", process


def stop(process: subprocess.Popen[str]) -> str:
    process.terminate()
    output, _ = process.communicate(timeout=20)
    return output


@pytest.mark.parametrize("workers", [1, 2])
def test_serve_runs_the_hybrid_under_uvicorn(workers):
    base, process = run_serve(
        LEGACY,
        "--router",
        "hybrid_apps:cli_router",
        "--threads",
        "4",
        "--workers",
        str(workers),
        "--progress",
        "--progress-url",
        "/_migrated/progress",
    )
    try:
        wait_until_serving(f"{base}/ping", process)
        native, legacy = httpx.get(f"{base}/api/ping"), httpx.get(f"{base}/items/5")
        assert (native.json(), native.headers["x-served-by"]) == ({"pong": True}, "native")
        assert (legacy.json(), legacy.headers["x-served-by"]) == (
            {"id": 5, "side": "flask"},
            "legacy",
        )
        if workers == 1:
            progress = httpx.get(f"{base}/_migrated/progress").json()
            assert (progress["native"], progress["legacy"]) == (1, 2)  # /ping probe, /items/5
    finally:
        output = stop(process)
    # uvicorn shuts down gracefully, then re-raises SIGTERM for the caller to see
    assert process.returncode in (0, -signal.SIGTERM), output
    assert "4 legacy threads per worker" in output
    assert "migration progress:" in output  # logged on shutdown
    assert "Traceback" not in output
