"""Application exceptions."""

from __future__ import annotations


class OutOfStock(Exception):
    """Raised at checkout when a cart asks for more copies than are in stock."""

    def __init__(self, title: str, available: int) -> None:
        super().__init__(f"Sorry, only {available} copies of {title!r} are left.")
        self.title = title
        self.available = available
