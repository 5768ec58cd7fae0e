"""Read (and write back) the legacy Flask session from a migrated FastAPI route.

The session is opened by the legacy app's own ``session_interface`` with its own
``secret_key`` and cookie settings, so a user who logged in through a Flask view is
the same user in a FastAPI route, and a custom interface (server-side sessions) works
as long as it only needs the request's URL, headers and cookies.

Writing back is explicit: change the session, then call :meth:`SessionBridge.save`
with the FastAPI ``Response``; the interface's ``save_session`` sets the cookie
exactly as Flask would. Without ``save`` changes are discarded.

Example::

    legacy_session = SessionBridge(flask_app)

    @router.get("/api/me")
    async def me(session: Annotated[SessionMixin, Depends(legacy_session.read)]):
        return {"user_id": session.get("user_id")}

    @router.post("/api/theme")
    async def theme(response: Response, session=Depends(legacy_session.read)):
        session["theme"] = "dark"
        legacy_session.save(session, response)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import Response

from adapters.context import request_environ

if TYPE_CHECKING:
    from flask import Flask
    from flask.sessions import SessionMixin

__all__ = ["SessionBridge"]


class SessionBridge:
    """The legacy Flask session as a FastAPI dependency (:meth:`read`)."""

    def __init__(self, flask_app: Flask) -> None:
        self.flask_app = flask_app

    async def read(self, request: Request) -> SessionMixin:
        """Dependency: the Flask session of this request (a null session if invalid)."""
        app = self.flask_app
        flask_request = app.request_class(request_environ(request))
        with app.app_context():
            session = app.session_interface.open_session(app, flask_request)
            if session is None:
                session = app.session_interface.make_null_session(app)
        return session

    def save(self, session: SessionMixin, response: Response) -> None:
        """Write ``session`` back: copy the Set-Cookie and Vary headers Flask would send."""
        app = self.flask_app
        if app.session_interface.is_null_session(session):
            return
        flask_response = app.response_class()
        with app.app_context():
            app.session_interface.save_session(app, session, flask_response)
        for cookie in flask_response.headers.getlist("Set-Cookie"):
            response.headers.append("set-cookie", cookie)
        for field in flask_response.vary:
            _add_vary(response, field)


def _add_vary(response: Response, field: str) -> None:
    present = [v.strip() for v in response.headers.get("vary", "").split(",") if v.strip()]
    if field.lower() not in {v.lower() for v in present}:
        response.headers["vary"] = ", ".join([*present, field])
