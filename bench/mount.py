"""Benchmark the hybrid's legacy path against gunicorn sync and native FastAPI.

The sample app's text (``GET /healthz``) and JSON (``GET /api/ping``) endpoints are
served four ways, one after the other, each server pinned to the same core:

  (a)  gunicorn sync workers running the Flask app (the status quo),
  (b)  the hybrid under uvicorn as shipped: the legacy request goes through
       adapters.bridge (two thread hand-offs) and startup objects are gc-frozen,
  (b0) the same hybrid with a2wsgi's WSGIMiddleware as published and no gc freeze
       (``hybrid(bridge="a2wsgi", freeze_gc=False)``, the standard bridge),
  (c)  native FastAPI equivalents of the two endpoints under the same uvicorn.

The load generator (``wrk`` if installed, else a small asyncio client) runs on the
other core with a fixed number of connections for a fixed time, on 127.0.0.1 only.
All servers run at once (idle ones cost nothing) and are loaded in turn, ``--rounds``
times interleaved; the best round of each is reported, so a burst of background
load on a shared machine does not decide the comparison. Printed: requests/s, p99
latency, peak RSS (server and its workers), and the ratios (b)/(a), (b0)/(a),
(b)/(b0) and (b)/(c). Goals (issue 7): (b)/(a) >= 1.0x throughput (stretch 1.3x) with
p99 no worse than (a)'s.

``--sweep-threads 1,4,10,32,64`` instead measures the hybrid with several legacy
thread-pool sizes on the fast JSON endpoint and on an I/O-bound Flask view (20 ms
``time.sleep``, standing in for a database or HTTP call): the evidence behind
``adapters.DEFAULT_THREADS``.

    python bench/mount.py                       # the three-way comparison
    python bench/mount.py --sweep-threads 1,4,10,32,64
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
ENDPOINTS = {"text": "/healthz", "json": "/api/ping"}
SLOW_PATH = "/io"
SERVER_CPU, LOAD_CPU = "1", "0"


@dataclass(frozen=True)
class Result:
    rps: float
    p99_ms: float
    peak_rss_mib: float


# -- the servers ---------------------------------------------------------------------


def sample_app() -> Any:
    """The sample Flask app plus the I/O-bound view used by the thread sweep."""
    import time as _time

    from sample_flask_app import create_app

    app = create_app({"TESTING": False})

    @app.get(SLOW_PATH)
    def io_bound() -> dict[str, bool]:
        _time.sleep(0.02)
        return {"io": True}

    return app


def native_app() -> Any:
    """FastAPI equivalents of the two benchmarked endpoints."""
    from fastapi import FastAPI
    from fastapi.responses import PlainTextResponse

    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)

    @app.get("/healthz", response_class=PlainTextResponse)
    async def healthz() -> str:
        return "ok"

    @app.get("/api/ping")
    async def ping() -> dict[str, bool]:
        return {"pong": True}

    return app


def serve(kind: str, port: int, threads: int) -> None:
    """Run server (b) or (c) in this process (called through the ``_serve`` command)."""
    import uvicorn

    from adapters import hybrid

    if kind == "hybrid":
        app = hybrid(sample_app(), threads=threads)
    elif kind == "hybrid-a2wsgi":
        app = hybrid(sample_app(), threads=threads, bridge="a2wsgi", freeze_gc=False)
    else:
        app = native_app()
    uvicorn.run(app, host="127.0.0.1", port=port, access_log=False, log_level="warning")


def start(kind: str, port: int, threads: int, workers: int) -> subprocess.Popen[bytes]:
    pin = ["taskset", "-c", SERVER_CPU] if shutil.which("taskset") else []
    if kind == "gunicorn":
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "-k",
            "sync",
            "-w",
            str(workers),
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "mount:sample_app()",
        ]
    else:
        command = [sys.executable, __file__, "_serve", kind, str(port), str(threads)]
    environment = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(Path(__file__).parent)]),
    }
    process = subprocess.Popen([*pin, *command], cwd=ROOT, env=environment)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"{kind} did not start on port {port}")


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def peak_rss_mib(pid: int) -> float:
    """VmHWM of ``pid`` and its children (gunicorn's workers), in MiB."""
    total, pending = 0, [pid]
    while pending:
        current = pending.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue
        total += int(re.search(r"VmHWM:\s+(\d+)", status)[1])  # type: ignore[index]
        pending += [int(child) for child in children]
    return total / 1024


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


# -- the load ------------------------------------------------------------------------


def load(url: str, connections: int, duration: float) -> tuple[float, float]:
    """(requests/s, p99 ms) for ``duration`` seconds with ``connections`` connections."""
    if shutil.which("wrk"):
        return _load_wrk(url, connections, duration)
    return asyncio.run(_load_python(url, connections, duration))


def _load_wrk(url: str, connections: int, duration: float) -> tuple[float, float]:
    pin = ["taskset", "-c", LOAD_CPU] if shutil.which("taskset") else []
    output = subprocess.run(
        [*pin, "wrk", "-t1", f"-c{connections}", f"-d{max(1, round(duration))}s", "--latency", url],
        capture_output=True,
        text=True,
        check=True,
        timeout=duration + 30,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output)[1])  # type: ignore[index]
    value, unit = re.search(r"99%\s+([\d.]+)(us|ms|s)", output).groups()  # type: ignore[union-attr]
    return rps, float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


async def _load_python(url: str, connections: int, duration: float) -> tuple[float, float]:
    match = re.match(r"http://([^:/]+):(\d+)(/.*)", url)
    assert match is not None
    host, port, path = match[1], int(match[2]), match[3]
    request = f"GET {path} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode()
    latencies: list[float] = []
    deadline = time.monotonic() + duration

    async def worker() -> None:
        reader = writer = None
        while time.monotonic() < deadline:
            if writer is None:
                reader, writer = await asyncio.open_connection(host, port)
            assert reader is not None
            started = time.monotonic()
            writer.write(request)
            head = (await reader.readuntil(b"\r\n\r\n")).lower()
            length = re.search(rb"content-length: (\d+)", head)
            await reader.readexactly(int(length[1]) if length else 0)
            latencies.append(time.monotonic() - started)
            if b"connection: close" in head:
                writer.close()
                reader = writer = None
        if writer is not None:
            writer.close()

    await asyncio.gather(*(worker() for _ in range(connections)))
    latencies.sort()
    return len(latencies) / duration, latencies[int(len(latencies) * 0.99)] * 1000


def measure(
    servers: dict[str, tuple[int, subprocess.Popen[bytes]]], path: str, args: argparse.Namespace
) -> dict[str, Result]:
    """Load each running server in turn, ``args.rounds`` times, interleaved. The machine
    may be shared: interleaving spreads background load over all servers, and the best
    round of each (highest req/s, lowest p99) is the least disturbed one."""
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in servers}
    for port, _ in servers.values():
        load(f"http://127.0.0.1:{port}{path}", args.connections, 1.0)  # warm up
    for _ in range(args.rounds):
        for name, (port, _) in servers.items():
            samples[name].append(
                load(f"http://127.0.0.1:{port}{path}", args.connections, args.duration)
            )
    return {
        name: Result(
            max(rps for rps, _ in runs),
            min(p99 for _, p99 in runs),
            peak_rss_mib(servers[name][1].pid),
        )
        for name, runs in samples.items()
    }


def started(
    kinds: dict[str, tuple[str, int]], args: argparse.Namespace, stack: ExitStack
) -> dict[str, tuple[int, subprocess.Popen[bytes]]]:
    """Start ``{name: (kind, threads)}`` servers, stopped when ``stack`` closes."""
    servers = {}
    for name, (kind, threads) in kinds.items():
        port = free_port()
        process = start(kind, port, threads, args.gunicorn_workers)
        stack.callback(stop, process)
        servers[name] = (port, process)
    return servers


# -- reports -------------------------------------------------------------------------


def compare(args: argparse.Namespace) -> None:
    names = {
        "(a) gunicorn sync": ("gunicorn", 0),
        "(b) hybrid": ("hybrid", args.threads),
        "(b0) hybrid, a2wsgi": ("hybrid-a2wsgi", args.threads),
        "(c) native FastAPI": ("native", 0),
    }
    print(
        f"load: {'wrk' if shutil.which('wrk') else 'python'}, {args.connections} connections, "
        f"{args.duration:g} s x {args.rounds} interleaved rounds (best); servers on CPU "
        f"{SERVER_CPU}, load on CPU {LOAD_CPU}; gunicorn -w {args.gunicorn_workers}, "
        f"hybrid threads {args.threads}"
    )
    print(f"{'endpoint':<16}{'server':<22}{'req/s':>10}{'p99 ms':>10}{'peak MiB':>10}")
    with ExitStack() as stack:
        servers = started(names, args, stack)
        for label, path in ENDPOINTS.items():
            results = measure(servers, path, args)
            for name, result in results.items():
                print(
                    f"{label + ' ' + path:<16}{name:<22}{result.rps:>10.0f}"
                    f"{result.p99_ms:>10.2f}{result.peak_rss_mib:>10.1f}"
                )
            a, b, b0, c = results.values()
            for ratio, top, base in (
                ("(b)/(a)", b, a),
                ("(b0)/(a)", b0, a),
                ("(b)/(b0)", b, b0),
                ("(b)/(c)", b, c),
            ):
                print(
                    f"{'':<16}{ratio + ':':<10}{top.rps / base.rps:.2f}x req/s, "
                    f"{top.p99_ms / base.p99_ms:.2f}x p99, "
                    f"{top.peak_rss_mib / base.peak_rss_mib:.2f}x memory"
                )


def sweep(args: argparse.Namespace) -> None:
    counts = [int(n) for n in args.sweep_threads.split(",")]
    print(
        f"hybrid legacy thread sweep: {args.connections} connections, {args.duration:g} s x "
        f"{args.rounds} interleaved rounds (best); {SLOW_PATH} sleeps 20 ms"
    )
    print(
        f"{'threads':>8}{'json req/s':>12}{'json p99':>10}{'io req/s':>10}{'io p99':>10}"
        f"{'peak MiB':>10}"
    )
    with ExitStack() as stack:
        servers = started({str(n): ("hybrid", n) for n in counts}, args, stack)
        fast = measure(servers, ENDPOINTS["json"], args)
        slow = measure(servers, SLOW_PATH, args)
    for name in servers:
        print(
            f"{name:>8}{fast[name].rps:>12.0f}{fast[name].p99_ms:>10.2f}{slow[name].rps:>10.0f}"
            f"{slow[name].p99_ms:>10.2f}{slow[name].peak_rss_mib:>10.1f}"
        )


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["_serve"]:
        serve(argv[1], int(argv[2]), int(argv[3]))
        return
    from adapters import DEFAULT_THREADS

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=3.0, help="seconds per run")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=5, help="interleaved runs per server")
    parser.add_argument(
        "--threads", type=int, default=DEFAULT_THREADS, help="hybrid legacy thread pool size"
    )
    parser.add_argument(
        "--gunicorn-workers",
        type=int,
        default=3,
        help="sync workers (gunicorn's 2 x cores + 1 for the one core)",
    )
    parser.add_argument(
        "--sweep-threads", metavar="N,N,...", help="measure these hybrid thread counts instead"
    )
    args = parser.parse_args(argv)
    if args.sweep_threads:
        sweep(args)
    else:
        compare(args)


if __name__ == "__main__":
    main()
