"""APP_SPEC / --router import: ``module:attr`` and ``module:factory()``."""

from __future__ import annotations

import pytest
from fastapi import APIRouter
from flask import Flask

from adapters.loading import SpecError, load_object, load_router, load_wsgi_app


def test_factory_spec_is_called():
    app = load_wsgi_app("hybrid_apps:cli_legacy_app()")
    assert isinstance(app, Flask)
    assert app.name == "legacy_under_test"


def test_attribute_spec_and_dotted_attributes():
    assert isinstance(load_router("hybrid_apps:cli_router"), APIRouter)
    assert load_object("hybrid_apps:cli_router.prefix") == ""


@pytest.fixture
def broken_module(tmp_path, monkeypatch):
    (tmp_path / "broken_legacy.py").write_text("import math\nRATIO = 1 / 0\n")
    (tmp_path / "needs_missing.py").write_text("import not_installed_anywhere\n")
    (tmp_path / "bad_factory.py").write_text("def create_app():\n    raise KeyError('SECRET')\n")
    monkeypatch.syspath_prepend(str(tmp_path))


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("hybrid_apps", "invalid spec 'hybrid_apps': expected 'module:attribute'"),
        ("hybrid_apps:", "invalid spec"),
        ("hybrid_apps:app(1)", "invalid spec"),
        ("no_such_module_here:app", "module 'no_such_module_here' not found"),
        ("hybrid_apps:missing", "'hybrid_apps' has no attribute 'missing'"),
        ("hybrid_apps:not_a_router", "not_a_router is not a WSGI application (got int)"),
        ("hybrid_apps:Flask", "is not a WSGI application (got a class)"),
        ("hybrid_apps:not_a_router()", "hybrid_apps:not_a_router is not callable (got int)"),
        ("broken_legacy:app", "importing 'broken_legacy' failed: ZeroDivisionError: division"),
        ("needs_missing:app", "importing 'needs_missing' failed: ModuleNotFoundError: No module"),
        ("bad_factory:create_app()", "calling bad_factory:create_app() failed: KeyError: 'SECRET'"),
    ],
)
def test_bad_spec_is_one_clear_line(broken_module, spec, message):
    with pytest.raises(SpecError) as error:
        load_wsgi_app(spec)
    assert message in str(error.value)
    assert "\n" not in str(error.value)


def test_router_spec_must_name_an_apirouter():
    with pytest.raises(SpecError, match="is not a FastAPI APIRouter"):
        load_router("hybrid_apps:cli_legacy_app()")
