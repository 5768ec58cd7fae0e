"""What `migrate verify` compares: the legacy Flask app and the native routes that
replace some of its endpoints.

**Isolation.** ``APP_SPEC`` ending in ``()`` names a factory; each call gives a new
app. With ``config`` (``--config KEY=VALUE``), the factory is called with that dict as
its one argument (the ``create_app(test_config=None)`` convention of Flask's tutorial),
and ``{tmp}`` in a value becomes a new temporary directory per instance, so
``DATABASE={tmp}/db.sqlite`` gives every instance its own database, seeded by the
factory. ``module:app`` names one app object: both sides share it, and state-changing
requests cannot be isolated (they are skipped, see replay.py).

**Which native route replaces which endpoint.** A native route (not ``@legacy_stub``)
replaces, for each of its methods, the Flask rule with the same endpoint name (what
``migrate generate`` names routes) and path shape; failing that, the rule with the
same path shape. Shapes ignore parameter names and converters: ``/books/{id:int}`` and
``/books/<int:book_id>`` are both ``/books/{}``.
"""

from __future__ import annotations

import inspect
import json
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import fastapi.routing
from fastapi import APIRouter
from flask import Flask
from starlette.routing import compile_path

from adapters.hybrid import find_flask_app
from adapters.loading import SpecError, load_object
from adapters.stubs import is_legacy_stub

__all__ = ["AppTarget", "Migration", "load_target", "migrations", "parse_config"]

_FLASK_PARAM = re.compile(r"<[^>]+>")
_NATIVE_PARAM = re.compile(r"\{[^}]+\}")


@dataclass(frozen=True)
class Migration:
    """``method rule`` of the legacy app is now served by the native route ``path``."""

    endpoint: str  # the Flask endpoint
    rule: str  # the Flask rule text, e.g. /api/v1/books/<int:book_id>
    method: str
    native_path: str  # e.g. /api/v1/books/{book_id:int}
    native_name: str
    regex: re.Pattern[str] = field(compare=False)

    @property
    def key(self) -> tuple[str, str]:
        return (self.endpoint, self.method)


class AppTarget:
    """Makes the legacy Flask apps both sides run on: a fresh one per call when
    ``isolated`` (a factory), else always the same one."""

    def __init__(
        self,
        routers: Sequence[APIRouter],
        *,
        factory: Callable[..., object] | None = None,
        app: Flask | None = None,
        config: dict[str, Any] | None = None,
        description: str = "",
    ) -> None:
        if (factory is None) == (app is None):
            raise ValueError("give a factory or an app")
        self.routers = routers
        self.isolated = factory is not None
        self.description = description or ("a factory" if factory else "one app")
        self._factory = factory
        self._app = app
        self._config = config
        self._tmp_dirs: list[str] = []

    def new_app(self) -> Flask:
        """A legacy app: a new instance (own ``{tmp}`` directory) for a factory."""
        if self._factory is None:
            assert self._app is not None
            return self._app
        if self._config is None:
            return _as_flask(self._factory(), self.description)
        config = dict(self._config)
        if any(isinstance(v, str) and "{tmp}" in v for v in config.values()):
            tmp = tempfile.mkdtemp(prefix="migrate-verify-")
            self._tmp_dirs.append(tmp)
            config = {
                k: v.replace("{tmp}", tmp) if isinstance(v, str) else v for k, v in config.items()
            }
        return _as_flask(self._factory(config), self.description)

    def close(self) -> None:
        """Remove the ``{tmp}`` directories made for the instances."""
        for path in self._tmp_dirs:
            shutil.rmtree(path, ignore_errors=True)
        self._tmp_dirs.clear()


def parse_config(items: Sequence[str]) -> dict[str, Any]:
    """``["DATABASE={tmp}/db.sqlite", "TESTING=true"]`` -> a dict (values JSON when they parse)."""
    config: dict[str, Any] = {}
    for item in items:
        key, sep, raw = item.partition("=")
        if not sep or not key.strip():
            raise SpecError(f"--config expects KEY=VALUE, got {item!r}")
        try:
            value: Any = json.loads(raw)
        except ValueError:
            value = raw
        config[key.strip()] = value
    return config


def load_target(
    app_spec: str,
    routers: Sequence[APIRouter],
    *,
    config: dict[str, Any] | None = None,
    app_dir: str | None = ".",
) -> AppTarget:
    """An :class:`AppTarget` for ``module:create_app()`` or ``module:app``; the first
    instance is made here, so a failing factory is a :class:`SpecError` now."""
    spec = app_spec.strip()
    if not spec.endswith("()"):
        if config:
            raise SpecError("--config needs a factory APP_SPEC such as 'module:create_app()'")
        app = _as_flask(load_object(spec, app_dir=app_dir), spec)
        return AppTarget(routers, app=app, description=spec)
    factory = load_object(spec[:-2], app_dir=app_dir)
    if not callable(factory) or inspect.isclass(factory):
        raise SpecError(f"{spec[:-2]} is not a factory function")
    target = AppTarget(routers, factory=factory, config=config, description=spec)
    try:
        target.new_app()
    except SpecError:
        raise
    except Exception as exc:
        target.close()
        raise SpecError(f"calling {spec} failed: {type(exc).__name__}: {exc}") from None
    return target


def _as_flask(obj: object, spec: str) -> Flask:
    app = find_flask_app(obj)
    if app is None:
        kind = "a class" if inspect.isclass(obj) else type(obj).__name__
        raise SpecError(f"{spec} is not a Flask app (got {kind}); verify needs its url_map")
    return app


def native_routes(routers: Sequence[APIRouter]) -> Iterator[tuple[str, set[str], str, Any]]:
    """(path, methods, name, endpoint) of every route in ``routers``, flattened."""
    flatten = getattr(fastapi.routing, "iter_route_contexts", None)
    for router in routers:
        for route in flatten(router.routes) if flatten is not None else router.routes:
            path, methods = getattr(route, "path", None), getattr(route, "methods", None)
            if path and methods:
                name, endpoint = getattr(route, "name", ""), getattr(route, "endpoint", None)
                yield path, set(methods), str(name), endpoint


def shape(path: str) -> str:
    return _NATIVE_PARAM.sub("{}", _FLASK_PARAM.sub("{}", path))


def migrations(flask_app: Flask, routers: Sequence[APIRouter]) -> tuple[list[Migration], list[str]]:
    """Every (endpoint, method) a native route takes over, and native routes matching
    no legacy rule (``"GET /path"``)."""
    rules = list(flask_app.url_map.iter_rules())
    found: dict[tuple[str, str, str], Migration] = {}
    orphans: list[str] = []
    for path, methods, name, endpoint in native_routes(routers):
        if is_legacy_stub(endpoint):
            continue
        regex, _, _ = compile_path(path)
        for method in sorted(methods - {"HEAD"}):
            candidates = [
                r for r in rules if method in (r.methods or ()) and shape(r.rule) == shape(path)
            ]
            named = [r for r in candidates if r.endpoint == name]
            if not candidates:
                orphans.append(f"{method} {path}")
                continue
            rule = (named or candidates)[0]
            migration = Migration(rule.endpoint, rule.rule, method, path, name, regex)
            found.setdefault((rule.endpoint, rule.rule, method), migration)
    return sorted(found.values(), key=lambda m: (m.endpoint, m.method, m.rule)), orphans
