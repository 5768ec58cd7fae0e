from __future__ import annotations

import pytest

from migrate.readiness.extensions import EXTENSIONS, extensions_used


def test_noop() -> None:
    assert extensions_used(["flask", "flask.json", "sqlalchemy", "flask_sqlalchemyish"]) == []


@pytest.mark.parametrize(
    ("imports", "expected"),
    (
        pytest.param(["flask_sqlalchemy"], ["Flask-SQLAlchemy"], id="a module"),
        pytest.param(["flask_sqlalchemy.model"], ["Flask-SQLAlchemy"], id="a submodule"),
        pytest.param(
            ["flask_restx", "flask_restplus.fields", "flask_restx.reqparse"],
            ["Flask-RESTX"],
            id="two import names of one extension, counted once",
        ),
        pytest.param(
            ["flask_sock", "flask_socketio"],
            ["flask-sock", "Flask-SocketIO"],
            id="flask_sock is not a prefix of flask_socketio",
        ),
        pytest.param(
            ["flask_wtf.csrf", "flask_login", "flasgger", "flask_cors", "flask"],
            ["flasgger", "Flask-CORS", "Flask-Login", "Flask-WTF"],
            id="sorted by name, whatever the case",
        ),
    ),
)
def test_extensions_used(imports: list[str], expected: list[str]) -> None:
    assert [ext.name for ext in extensions_used(imports)] == expected


def test_every_listed_extension_has_a_strategy() -> None:
    names = {ext.name for ext in EXTENSIONS.values()}
    assert len(names) >= 33
    for module, ext in EXTENSIONS.items():
        assert module in ext.modules
        assert ext.does and ext.fastapi
        assert "\n" not in ext.fastapi
