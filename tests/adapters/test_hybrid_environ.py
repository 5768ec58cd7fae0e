"""The legacy app's WSGI environ under real uvicorn: prefixes, proxies, client address."""

from __future__ import annotations

import httpx
from hybrid_servers import running_uvicorn
from starlette.applications import Starlette
from starlette.routing import Mount


def test_mounted_under_prefix_url_for_and_redirects_include_it(hybrid_app, servers):
    outer = Starlette(routes=[Mount("/legacy", app=hybrid_app)])
    base = servers.enter_context(running_uvicorn(outer))
    with httpx.Client(base_url=base) as client:
        redirect = client.get("/legacy/go")
        assert (redirect.status_code, redirect.headers["location"]) == (302, "/legacy/target")
        assert client.get("/legacy/go", follow_redirects=True).text == "target reached"
        assert client.get("/legacy/urls").json() == {
            "url_for": "/legacy/target",
            "external": f"{base}/legacy/target",
            "script_name": "/legacy",
            "path": "/urls",
        }
        assert client.get("/legacy/items").json() == {"side": "native"}
        assert client.get("/legacy/api/urls").json()["url_for"] == "/legacy/target"
        assert client.get("/items").status_code == 404  # outside the mount


def test_proxy_root_path_becomes_script_name(hybrid_app, servers):
    base = servers.enter_context(running_uvicorn(hybrid_app, root_path="/shop"))
    with httpx.Client(base_url=base) as client:  # the proxy has stripped /shop already
        assert client.get("/go").headers["location"] == "/shop/target"
        urls = client.get("/urls").json()
        assert (urls["script_name"], urls["path"]) == ("/shop", "/urls")
        assert urls["url_for"] == "/shop/target"
        assert client.get("/api/urls").json()["url_for"] == "/shop/target"
        assert client.get("/items").json() == {"side": "native"}


def test_client_address_scheme_and_forwarded_headers_pass_through(hybrid_app, servers):
    base = servers.enter_context(running_uvicorn(hybrid_app))
    with httpx.Client(base_url=base) as client:
        direct = client.get("/environ").json()
        assert (direct["REMOTE_ADDR"], direct["wsgi.url_scheme"]) == ("127.0.0.1", "http")
        assert (direct["SCRIPT_NAME"], direct["PATH_INFO"]) == ("", "/environ")

        forwarded = {
            "X-Forwarded-For": "203.0.113.9",
            "X-Forwarded-Proto": "https",
            "X-Forwarded-Host": "shop.example",
        }
        proxied = client.get("/environ", headers=forwarded).json()
        # uvicorn trusts proxy headers from 127.0.0.1 and rewrites client and scheme;
        # the headers themselves still reach Flask (for werkzeug's ProxyFix).
        assert proxied == {
            "REMOTE_ADDR": "203.0.113.9",
            "wsgi.url_scheme": "https",
            "SCRIPT_NAME": "",
            "PATH_INFO": "/environ",
            "HTTP_X_FORWARDED_FOR": "203.0.113.9",
            "HTTP_X_FORWARDED_PROTO": "https",
            "HTTP_X_FORWARDED_HOST": "shop.example",
        }
        external = client.get("/urls", headers=forwarded).json()["external"]
        assert external.startswith("https://")
