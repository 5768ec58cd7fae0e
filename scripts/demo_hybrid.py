"""`make demo`, second half: generate FastAPI routers for sample_flask_app, serve
the app through the hybrid with those routers mounted, ask it a few things over
HTTP, and shut it down.

It runs the commands a user would: `migrate generate` into a temporary folder,
then `migrate serve` (uvicorn on 127.0.0.1, a free port) with `--progress`, so
every response says which side served it. The generated endpoints are
`@legacy_stub`s, so Flask still answers everything while the OpenAPI schema
already lists every route.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
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


def wait_until_up(server: subprocess.Popen[str], base: str) -> bool:
    for _ in range(150):
        try:
            urllib.request.urlopen(base + "/healthz", timeout=1).close()
            return True
        except OSError:
            if server.poll() is not None:
                return False
            time.sleep(0.1)
    return False


def main() -> int:
    migrate = str(Path(sys.executable).with_name("migrate"))
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "bookshop_api"
        subprocess.run([migrate, "generate", "sample_flask_app", "--out", str(out)], check=True)
        print(f"generated {len(list(out.glob('*.py')))} modules in {out}")
        port = free_port()
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([tmp, os.getcwd()])}
        server = subprocess.Popen(
            [
                migrate,
                "serve",
                "sample_flask_app:create_app()",
                "--router",
                "bookshop_api:router",
                "--port",
                str(port),
                "--progress",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            if not wait_until_up(server, base):
                server.terminate()
                print(server.communicate(timeout=10)[1], file=sys.stderr)
                return 1
            print(f"\nsample_flask_app served through the hybrid at {base}:")
            for path in PATHS:
                status, side, body = fetch(base + path)
                print(f"  GET {path:<28} {status}  served by {side:<8} {body.strip()[:50]!r}")
            with urllib.request.urlopen(base + "/_migrated/openapi.json", timeout=5) as response:
                spec = json.load(response)
            operations = sum(len(item) for item in spec["paths"].values())
            print(
                f"  OpenAPI at /_migrated/openapi.json: {len(spec['paths'])} paths, "
                f"{operations} operations (all generated stubs; Flask still serves them)"
            )
        finally:
            server.terminate()
            server.wait(timeout=10)
        print("server stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
