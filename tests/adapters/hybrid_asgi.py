"""Module-level hybrid for servers that take no factory (Daphne): ``hybrid_asgi:app``."""

from __future__ import annotations

from hybrid_apps import server_app

app = server_app()
