"""`legacy_stub`: a generated FastAPI endpoint that Flask still serves.

`migrate generate` marks every stub with it. The hybrid (`adapters.hybrid`)
treats a marked route as not migrated: the request goes to the legacy app
untouched, before FastAPI parses or validates anything, so mounting the
generated routers changes nothing a client sees. The route still appears in
the OpenAPI schema with its typed parameters and models. Implement the
function, remove the decorator, and that route is served natively from then on.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

MARKER = "__wsgi2asgi_legacy_stub__"


def legacy_stub(endpoint: F) -> F:
    """Mark `endpoint` as still served by the legacy app."""
    setattr(endpoint, MARKER, True)
    return endpoint


def is_legacy_stub(endpoint: object) -> bool:
    return getattr(endpoint, MARKER, False) is True
