"""Streaming, uploads, failures and load through the hybrid under real uvicorn."""

from __future__ import annotations

import asyncio
import hashlib
import socket
import sys
import threading
import time
from functools import partial
from urllib.parse import urlsplit

import httpx
import pytest
from hybrid_apps import make_router
from hybrid_servers import (
    peak_rss_bytes,
    running_hypercorn,
    running_uvicorn,
    running_uvicorn_process,
)

from adapters.legacy import BRIDGES

MIB = 1024 * 1024


def test_streaming_response_reaches_client_before_generator_finishes(
    legacy_app, hybrid_app, servers
):
    state = legacy_app.extensions["test_state"]
    base = servers.enter_context(running_uvicorn(hybrid_app))
    with httpx.Client(base_url=base) as client, client.stream("GET", "/stream") as response:
        chunks = response.iter_raw()
        assert next(chunks) == b"first\n"
        assert not state["stream_finished"].is_set()  # the generator is parked on release
        state["release"].set()
        assert b"".join(chunks) == b"second\n"
    assert state["stream_finished"].is_set()


@pytest.mark.parametrize("bridge", BRIDGES)
@pytest.mark.parametrize("server", ["uvicorn-h11", "uvicorn-httptools", "hypercorn"])
def test_client_disconnect_mid_stream_frees_the_worker_thread(
    legacy_app, make_hybrid, servers, server, bridge
):
    if server == "uvicorn-httptools":
        pytest.importorskip("httptools")
    server = {
        "uvicorn-h11": partial(running_uvicorn, http="h11"),
        "uvicorn-httptools": partial(running_uvicorn, http="httptools"),
        "hypercorn": running_hypercorn,
    }[server]
    state = legacy_app.extensions["test_state"]
    # one thread: a stuck one blocks everything
    app = make_hybrid(legacy_app, threads=1, bridge=bridge)
    base = servers.enter_context(server(app))
    address = urlsplit(base)
    with socket.create_connection((address.hostname, address.port), timeout=5) as sock:
        sock.sendall(b"GET /endless HTTP/1.1\r\nHost: test\r\n\r\n")
        received = b""
        while received.count(b"x" * 1024) < 2:  # the generator runs: two chunks are out
            received += sock.recv(65536)
    assert state["endless_closed"].wait(5), "the generator kept running after disconnect"
    assert state["endless_chunks"] < 1000
    assert httpx.get(f"{base}/ping", timeout=5).text == "pong"  # the thread is free again
    deadline = time.monotonic() + 5
    while "/endless" not in state["teardowns"] and time.monotonic() < deadline:
        time.sleep(0.01)
    assert "/endless" in state["teardowns"]  # closing the response ran Flask's teardown


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/PID/status")
def test_50_mib_upload_streams_to_flask_without_being_held_in_memory():
    size, chunk = 50 * MIB, bytes(range(256)) * 256  # 64 KiB
    expected = hashlib.sha256()
    for _ in range(size // len(chunk)):
        expected.update(chunk)

    def body():
        for _ in range(size // len(chunk)):
            yield chunk

    with running_uvicorn_process("hybrid_apps:upload_app") as (base, pid):
        warm_up = httpx.post(f"{base}/upload", content=chunk)
        assert warm_up.json()["size"] == len(chunk)
        before = peak_rss_bytes(pid)
        # Flask reads slowly (pause per 64 KiB): a bridge without back-pressure would
        # pile the whole body up in memory while the client sends at loopback speed.
        response = httpx.post(
            f"{base}/upload?pause=0.0005",
            content=body(),
            headers={"Content-Length": str(size)},
            timeout=60,
        )
        growth = peak_rss_bytes(pid) - before
    assert response.json() == {"size": size, "sha256": expected.hexdigest()}
    assert growth < 16 * MIB, f"peak RSS grew {growth / MIB:.1f} MiB for a 50 MiB upload"


def test_exception_in_flask_view_gives_flasks_500_and_server_keeps_serving(
    legacy_app, hybrid_app, servers
):
    expected = legacy_app.test_client().get("/boom")
    base = servers.enter_context(running_uvicorn(hybrid_app))
    with httpx.Client(base_url=base) as client:
        for _ in range(3):
            failed = client.get("/boom")
            assert (failed.status_code, failed.content) == (500, expected.get_data())
            assert failed.headers["content-type"] == expected.headers["Content-Type"]
            assert client.get("/ping").text == "pong"


def test_200_concurrent_requests_with_a_fifth_slow_complete(hybrid_app, servers):
    base = servers.enter_context(running_uvicorn(hybrid_app))

    async def one(client: httpx.AsyncClient, n: int) -> bool:
        if n % 5 == 0:
            return (await client.get("/slow", params={"seconds": 0.3})).text == "slept 0.3"
        if n % 5 == 1:
            return (await client.get("/api/ping")).json() == {"pong": True}
        return (await client.get(f"/items/{n}")).json() == {"id": n, "side": "flask"}

    async def run() -> list[bool]:
        limits = httpx.Limits(max_connections=200, max_keepalive_connections=200)
        async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:
            return await asyncio.gather(*(one(client, n) for n in range(200)))

    started = time.monotonic()
    results = asyncio.run(asyncio.wait_for(run(), timeout=60))
    assert results == [True] * 200
    assert time.monotonic() - started < 20


def test_native_routes_stay_fast_while_every_legacy_thread_is_busy(
    legacy_app, make_hybrid, servers
):
    app = make_hybrid(legacy_app, make_router(legacy_app), threads=2)
    base = servers.enter_context(running_uvicorn(app))
    slow_url = f"{base}/slow?seconds=1.5"
    slow = [threading.Thread(target=httpx.get, args=(slow_url,)) for _ in range(4)]
    for thread in slow:
        thread.start()
    time.sleep(0.3)  # both legacy threads are now sleeping, two requests queued
    started = time.monotonic()
    assert httpx.get(f"{base}/api/ping", timeout=5).json() == {"pong": True}
    native_latency = time.monotonic() - started
    started = time.monotonic()
    assert httpx.get(f"{base}/ping", timeout=10).text == "pong"
    legacy_latency = time.monotonic() - started
    for thread in slow:
        thread.join()
    assert native_latency < 0.5
    assert legacy_latency > 1.0  # queued behind the pool: what `threads` is for


@pytest.mark.parametrize("freeze", [True, False])
def test_startup_objects_are_frozen_out_of_the_collector_after_lifespan_startup(freeze):
    factory = "hybrid_apps:frozen_count_app" if freeze else "hybrid_apps:unfrozen_count_app"
    with running_uvicorn_process(factory) as (base, _):
        frozen = httpx.get(f"{base}/frozen", timeout=5).json()["frozen"]
    if freeze:
        assert frozen > 10_000  # modules, both apps and their routing tables
    else:
        assert frozen == 0
