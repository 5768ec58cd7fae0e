"""SQLite access: one connection per application context, kept on ``g``."""

from __future__ import annotations

import os
import sqlite3

import click
from flask import Flask, current_app, g
from werkzeug.security import generate_password_hash

# (username, password, is_admin) -- demo accounts, documented in the README.
SEED_USERS = [("alice", "alice-secret", 1), ("bob", "bob-secret", 0)]

# (isbn, title, author, category, language, price, stock)
SEED_BOOKS = [
    ("9780441478125", "The Left Hand of Darkness", "Ursula K. Le Guin", "fiction", "en", 9.99, 5),
    ("9780553380163", "A Brief History of Time", "Stephen Hawking", "science", "en", 14.5, 3),
    ("9782070612758", "Le Petit Prince", "Antoine de Saint-Exupery", "fiction", "fr", 7.25, 10),
    ("9780345386236", "The Guns of August", "Barbara W. Tuchman", "history", "en", 18.0, 2),
    ("9783100482082", "Der Zauberberg", "Thomas Mann", "fiction", "de", 12.9, 1),
    ("9780198788607", "The Selfish Gene", "Richard Dawkins", "science", "en", 11.0, 0),
    ("9781631492228", "SPQR", "Mary Beard", "history", "en", 16.75, 4),
]


def get_db() -> sqlite3.Connection:
    """Return the request's connection, opening it on first use."""
    if "db" not in g:
        g.db = sqlite3.connect(current_app.config["DATABASE"])
        g.db.row_factory = sqlite3.Row
        g.db.execute("PRAGMA foreign_keys = ON")
    return g.db


def close_db(exc: BaseException | None = None) -> None:
    db = g.pop("db", None)
    if db is not None:
        db.close()


def init_db() -> None:
    """Drop and recreate all tables, then insert the seed data."""
    db = get_db()
    with current_app.open_resource("schema.sql") as f:
        db.executescript(f.read().decode("utf8"))
    db.executemany(
        "INSERT INTO user (username, password, is_admin) VALUES (?, ?, ?)",
        # A cheap hash method keeps the demo accounts fast to log into.
        [
            (name, generate_password_hash(pw, method="pbkdf2:sha256:1000"), admin)
            for name, pw, admin in SEED_USERS
        ],
    )
    db.executemany(
        "INSERT INTO book (isbn, title, author, category, language, price, stock)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        SEED_BOOKS,
    )
    db.commit()


@click.command("init-db")
def init_db_command() -> None:
    """Clear the existing data and create new tables."""
    init_db()
    click.echo("Initialized the database.")


def init_app(app: Flask) -> None:
    app.teardown_appcontext(close_db)
    app.cli.add_command(init_db_command)
    path = app.config["DATABASE"]
    if not os.path.exists(path):
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        with app.app_context():
            init_db()
