"""Import a legacy app or a router from a ``module:attribute`` spec.

``module:app`` names an object; ``module:create_app()`` calls a factory with no
arguments. Dotted attributes (``pkg.web:apps.main``) are followed. Every failure is
a :class:`SpecError` whose message is one line fit for a command-line error.
"""

from __future__ import annotations

import importlib
import re
import sys
from typing import TYPE_CHECKING, cast

from fastapi import APIRouter

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication

__all__ = ["SpecError", "load_object", "load_router", "load_wsgi_app"]

_SPEC = re.compile(
    r"^(?P<module>[A-Za-z_][\w]*(?:\.[A-Za-z_]\w*)*)"
    r":(?P<attr>[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)(?P<call>\(\))?$"
)


class SpecError(Exception):
    """A spec that does not name a usable object; ``str()`` is a one-line reason."""


def load_object(spec: str, *, app_dir: str | None = ".") -> object:
    """Import the object ``spec`` names (calling it if the spec ends in ``()``)."""
    match = _SPEC.match(spec.strip())
    if match is None:
        raise SpecError(f"invalid spec {spec!r}: expected 'module:attribute' or 'module:factory()'")
    module_name, attr_path = match["module"], match["attr"]
    if app_dir is not None and app_dir not in sys.path:
        sys.path.insert(0, app_dir)
    try:
        obj: object = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name and (module_name == exc.name or module_name.startswith(exc.name + ".")):
            raise SpecError(f"module {module_name!r} not found") from None
        raise SpecError(f"importing {module_name!r} failed: {_one_line(exc)}") from None
    except Exception as exc:
        raise SpecError(f"importing {module_name!r} failed: {_one_line(exc)}") from None
    for part in attr_path.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            raise SpecError(f"{module_name!r} has no attribute {attr_path!r}") from None
    if match["call"]:
        if not callable(obj):
            raise SpecError(f"{module_name}:{attr_path} is not callable (got {_kind(obj)})")
        try:
            obj = obj()
        except Exception as exc:
            raise SpecError(f"calling {spec.strip()} failed: {_one_line(exc)}") from None
    return obj


def load_wsgi_app(spec: str, *, app_dir: str | None = ".") -> WSGIApplication:
    """Load a WSGI callable (Flask app, Django handler...) from ``spec``."""
    obj = load_object(spec, app_dir=app_dir)
    if not callable(obj) or isinstance(obj, type):
        raise SpecError(f"{spec} is not a WSGI application (got {_kind(obj)})")
    return cast("WSGIApplication", obj)


def load_router(spec: str, *, app_dir: str | None = ".") -> APIRouter:
    """Load a FastAPI ``APIRouter`` from ``spec``."""
    obj = load_object(spec, app_dir=app_dir)
    if not isinstance(obj, APIRouter):
        raise SpecError(f"{spec} is not a FastAPI APIRouter (got {_kind(obj)})")
    return obj


def _kind(obj: object) -> str:
    return "a class" if isinstance(obj, type) else type(obj).__name__


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
