"""Run a legacy WSGI (Flask) app inside FastAPI, route by route.

Public API:

* :func:`hybrid` / :class:`HybridApp`: one ASGI app, native routes first, the legacy
  WSGI app for everything else;
* :class:`SessionBridge`: the legacy Flask session as a FastAPI dependency;
* :func:`legacy_context` / :func:`legacy_context_dependency`: run code inside the
  legacy app's context;
* :class:`MigrationProgress`: per-endpoint counts of native vs legacy requests;
* :func:`through_hybrid` (in :mod:`adapters.testing`): route a Flask test suite
  through the hybrid.
"""

from __future__ import annotations

from adapters.context import legacy_context, legacy_context_dependency
from adapters.hybrid import DEFAULT_THREADS, HybridApp, hybrid
from adapters.progress import MigrationProgress
from adapters.session import SessionBridge

__all__ = [
    "DEFAULT_THREADS",
    "HybridApp",
    "MigrationProgress",
    "SessionBridge",
    "hybrid",
    "legacy_context",
    "legacy_context_dependency",
]
