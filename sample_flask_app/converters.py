"""Custom URL converters."""

from __future__ import annotations

from werkzeug.routing import BaseConverter, ValidationError


def is_valid_isbn13(value: str) -> bool:
    if len(value) != 13 or not value.isdigit():
        return False
    total = sum(int(c) * (3 if i % 2 else 1) for i, c in enumerate(value))
    return total % 10 == 0


class IsbnConverter(BaseConverter):
    """An ISBN-13, hyphens allowed: ``978-0-441-47812-5``; the view gets bare digits."""

    regex = r"97[89](?:-?\d){10}"

    def to_python(self, value: str) -> str:
        digits = value.replace("-", "")
        if not is_valid_isbn13(digits):
            raise ValidationError()
        return digits

    def to_url(self, value: str) -> str:
        return super().to_url(value.replace("-", ""))
