"""Real servers for the adapter tests; every server binds 127.0.0.1 only.

uvicorn and Hypercorn run in a thread of the test process (so a test can look at the
legacy app's state); Daphne, Granian and the memory test run as subprocesses. Each
helper is a context manager: the server is stopped when the ``with`` block ends.
"""

from __future__ import annotations

import asyncio
import os
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from uvicorn_thread import running_uvicorn  # noqa: F401  (re-exported for the tests)

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent


@contextmanager
def running_hypercorn(app: Any) -> Iterator[str]:
    from hypercorn.asyncio import serve
    from hypercorn.config import Config

    port = free_port()
    config = Config()
    config.bind = [f"127.0.0.1:{port}"]
    config.loglevel = "WARNING"
    config.graceful_timeout = 5
    stop: dict[str, Any] = {}

    async def main() -> None:
        stop["event"] = asyncio.Event()
        stop["loop"] = asyncio.get_running_loop()
        await serve(app, config, shutdown_trigger=stop["event"].wait)

    thread = threading.Thread(target=asyncio.run, args=(main(),), name="test-hypercorn")
    thread.start()
    try:
        wait_until_serving(f"http://127.0.0.1:{port}/ping")
        yield f"http://127.0.0.1:{port}"
    finally:
        stop["loop"].call_soon_threadsafe(stop["event"].set)
        thread.join(15)
        assert not thread.is_alive(), "hypercorn did not stop"


@contextmanager
def running_process(command: list[str], url: str, **env: str) -> Iterator[subprocess.Popen[str]]:
    """Start a server subprocess (this folder importable), wait for ``url``, stop it."""
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join([str(HERE), str(ROOT)]), **env}
    process = subprocess.Popen(
        command,
        cwd=HERE,
        env=environment,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_until_serving(url, process)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        assert process.stdout is not None
        process.stdout.close()


def wait_until_serving(url: str, process: subprocess.Popen[str] | None = None) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            output = process.stdout.read() if process.stdout else ""
            raise RuntimeError(f"server exited with {process.returncode}:\n{output}")
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing served {url} within 20 s")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def uvicorn_port_from(process: subprocess.Popen[str]) -> int:
    """Read the ephemeral port from uvicorn's "Uvicorn running on" line."""
    assert process.stdout is not None
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if match := re.search(r"Uvicorn running on http://127\.0\.0\.1:(\d+)", line):
            return int(match[1])
        if not line and process.poll() is not None:
            break
    raise RuntimeError("uvicorn did not report its port")


def request(app: Any, method: str, url: str, **kwargs: Any) -> httpx.Response:
    """One request through ``httpx.ASGITransport``."""

    async def call() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            return await client.request(method, url, **kwargs)

    return asyncio.run(call())


@contextmanager
def running_uvicorn_process(factory: str, *args: str) -> Iterator[tuple[str, int]]:
    """``python -m uvicorn --factory FACTORY`` on an ephemeral port: (base URL, pid)."""
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        factory,
        "--host",
        "127.0.0.1",
        "--port",
        "0",
        "--no-access-log",
        *args,
    ]
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join([str(HERE), str(ROOT)])}
    process = subprocess.Popen(
        command,
        cwd=HERE,
        env=environment,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        yield f"http://127.0.0.1:{uvicorn_port_from(process)}", process.pid
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        assert process.stdout is not None
        process.stdout.close()


def peak_rss_bytes(pid: int) -> int:
    """The process's resident-set high-water mark (Linux ``VmHWM``)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError("no VmHWM in /proc status")
