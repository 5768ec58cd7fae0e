"""`make demo`, second half: serve sample_flask_app through the hybrid, ask it a
few things over HTTP, and shut it down.

Runs `migrate serve` as a user would (uvicorn on 127.0.0.1, a free port), with
`--progress` so every response says which side served it.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

PATHS = ["/healthz", "/api/ping", "/api/v1/books?per_page=2", "/shop/books/", "/no-such-page"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def fetch(url: str) -> tuple[int, str, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return (
                response.status,
                response.headers.get("X-Served-By", "?"),
                response.read(80).decode(),
            )
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("X-Served-By", "?"), error.read(80).decode()


def main() -> int:
    port = free_port()
    migrate = Path(sys.executable).with_name("migrate")
    spec = "sample_flask_app:create_app()"
    server = subprocess.Popen(
        [str(migrate), "serve", spec, "--port", str(port), "--progress"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=1).close()
                break
            except OSError:
                if server.poll() is not None:
                    print(server.stderr.read() if server.stderr else "", file=sys.stderr)
                    return 1
                time.sleep(0.1)
        print(f"\nsample_flask_app served through the hybrid at {base}:")
        for path in PATHS:
            status, side, body = fetch(base + path)
            print(f"  GET {path:<28} {status}  served by {side:<8} {body.strip()[:50]!r}")
    finally:
        server.terminate()
        server.wait(timeout=10)
    print("server stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
