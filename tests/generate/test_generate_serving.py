"""Safe on day one, and a stub a person implements is served natively.

- With every generated router mounted, the sample app's own test suite passes
  through the hybrid unchanged.
- Two stubs implemented by hand (a GET with query parameters, a POST with a
  JSON body) are served by FastAPI, while every other route still reaches Flask.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from gen_helpers import imported, scan, write_package

from adapters.hybrid import hybrid
from sample_flask_app import create_app

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "sample_flask_app"


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    parent = tmp_path_factory.mktemp("generated")
    write_package(scan(SAMPLE), parent, "bookshop_api")
    return parent


def test_sample_suite_passes_with_every_generated_router_mounted(generated: Path) -> None:
    env = {
        **os.environ,
        "SAMPLE_APP_CLIENT": "hybrid",
        "SAMPLE_APP_ROUTERS": "bookshop_api:router",
        "PYTHONPATH": os.pathsep.join([str(generated), str(REPO)]),
    }
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "sample_flask_app/tests"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert " passed" in proc.stdout and "failed" not in proc.stdout


IMPLEMENTED_SEARCH = '''
@router.get("/search", name="api.v1.search_books")
async def api_v1_search_books(
    q: Annotated[str | None, Query()] = None, limit: Annotated[int, Query()] = 10
) -> Any:
    """Implemented natively."""
    return {"native": True, "q": q, "limit": limit}
'''

IMPLEMENTED_CREATE = '''
@router.post("/books", name="api.v1.books", status_code=201)
async def api_v1_books_post(body: Annotated[dict[str, Any], Body()]) -> Any:
    """Implemented natively."""
    return {"native": True, "title": body.get("title")}
'''


def _implement(package_dir: Path) -> None:
    """What a person does: replace two stubs, drop their @legacy_stub markers."""
    path = package_dir / "api_v1.py"
    text = path.read_text()
    for function in ("api_v1_search_books", "api_v1_books_post"):
        start = text.index(f"async def {function}(")
        decorator_start = text.rindex("\n@router.", 0, start) + 1
        end = text.find("\n\n\n@router.", start)
        end = len(text) if end == -1 else end + 1
        text = text[:decorator_start] + text[end:]
    imports = "\nfrom typing import Annotated, Any\n\nfrom fastapi import Body, Query\n"
    path.write_text(text + imports + IMPLEMENTED_SEARCH + IMPLEMENTED_CREATE)


def test_implemented_stubs_are_native_and_the_rest_reach_flask(
    generated: Path, tmp_path: Path
) -> None:
    shutil.copytree(generated / "bookshop_api", tmp_path / "bookshop_impl")
    _implement(tmp_path / "bookshop_impl")
    legacy = create_app(
        {"DATABASE": str(tmp_path / "db.sqlite"), "TESTING": True, "SECRET_KEY": "x"}
    )
    with imported(tmp_path, "bookshop_impl") as package:
        app = hybrid(legacy, package.router, served_by_header="X-Served-By")
        asyncio.run(_exercise(app))


async def _exercise(app: object) -> None:
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        search = await client.get("/api/v1/search", params={"q": "dune", "limit": "3"})
        assert search.headers["x-served-by"] == "native"
        assert search.json() == {"native": True, "q": "dune", "limit": 3}
        created = await client.post("/api/v1/books", json={"title": "New"})
        assert created.status_code == 201
        assert created.headers["x-served-by"] == "native"
        assert created.json() == {"native": True, "title": "New"}
        listing = await client.get("/api/v1/books")  # GET on the same path: still a stub
        assert listing.headers["x-served-by"] == "legacy"
        assert listing.status_code == 200 and "books" in listing.json()
        ping = await client.get("/api/ping")
        assert ping.headers["x-served-by"] == "legacy" and ping.json() == {"pong": True}
        spec = (await client.get("/_migrated/openapi.json")).json()
        assert "/api/v1/books/{book_id}" in spec["paths"]  # stubs are still documented
