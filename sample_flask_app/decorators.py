"""View decorators for authentication."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import abort, g, redirect, request, url_for


def login_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """Send anonymous users to the login page (or a 401 for API calls)."""

    @functools.wraps(view)
    def wrapped_view(*args: Any, **kwargs: Any) -> Any:
        if g.user is None:
            if request.path.startswith("/api/"):
                abort(401)
            return redirect(url_for("auth.login", next=request.path))
        return view(*args, **kwargs)

    return wrapped_view


def admin_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """Like ``login_required``, and the user must be an admin."""

    @functools.wraps(view)
    @login_required
    def wrapped_view(*args: Any, **kwargs: Any) -> Any:
        if not g.user["is_admin"]:
            abort(403)
        return view(*args, **kwargs)

    return wrapped_view
