"""Valid, stable Python names for whatever the scanned code calls things."""

from __future__ import annotations

import keyword
import re

_INVALID = re.compile(r"[^0-9a-zA-Z_]+")
_WORDS = re.compile(r"[^0-9a-zA-Z]+")


def identifier(text: str, fallback: str = "x") -> str:
    """`api.v1.book-list` -> `api_v1_book_list`; keywords get a trailing underscore."""
    name = _INVALID.sub("_", text).strip("_") or fallback
    if name[0].isdigit():
        name = f"_{name}"
    if keyword.iskeyword(name) or keyword.issoftkeyword(name) or name in _RESERVED:
        name += "_"
    return name


def class_name(text: str) -> str:
    """`api.v1.books` -> `ApiV1Books`."""
    parts = [p for p in _WORDS.split(text) if p]
    name = "".join(p[:1].upper() + p[1:].lower() for p in parts) or "Model"
    return f"M{name}" if name[0].isdigit() else name


def module_name(text: str) -> str:
    """A file-safe module name: never a path, never a dunder, never empty."""
    return identifier(text.replace("/", "_").replace("\\", "_").lstrip("."), "routes").lower()


# names a generated module itself uses
_RESERVED = frozenset(
    {"router", "request", "Request", "Response", "APIRouter", "Any", "legacy_stub", "models"}
)
