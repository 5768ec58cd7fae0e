"""Compare the legacy and the native response to one request, after normalisation.

What is compared, and how each part is normalised first (the README repeats this):

* **status**: exact.
* **headers**, only these by default (others differ legitimately: dates, request ids,
  content-length of differently formatted JSON):

  - ``content-type``: media type and parameters, case-insensitive, parameter order and
    whitespace ignored; ``charset=utf-8`` on a JSON type is ignored (JSON is UTF-8,
    RFC 8259 section 8.1);
  - ``location``: resolved against the request URL, so ``/next`` and
    ``http://localhost/next`` are equal;
  - ``set-cookie``: the sorted cookie *names* (values are signed or random);
  - ``cache-control``, ``vary``, ``pragma``: the set of comma-separated tokens,
    case-insensitive (``no-cache, Private`` equals ``private,no-cache``);
  - ``etag``, ``expires``, ``last-modified``: present or absent (values depend on
    time and hashing).

  A header given with ``compare_headers`` is compared by its values, whitespace-trimmed.
* **body**: when both sides send a JSON media type and both bodies parse, the parsed
  values are compared structurally: object key order is ignored, array order is not,
  ``1`` equals ``1.0`` (JSON has one number type) but ``true`` does not equal ``1``,
  and every field matching an ``ignore_fields`` pattern is removed from both sides
  first. Otherwise the bodies are compared as text (decoded with their charset, ``\\r\\n``
  as ``\\n``, trailing whitespace at the end ignored) when the media type is textual, and
  byte for byte when it is not.

``ignore_fields`` patterns: a name without dots (``created_at``) matches that key at
any depth; a dotted path (``books.*.id``) is anchored at the root, where ``*`` matches
any one key or array index.
"""

from __future__ import annotations

import difflib
import hashlib
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from email.message import Message
from typing import Any
from urllib.parse import urljoin

__all__ = [
    "DEFAULT_HEADERS",
    "CapturedResponse",
    "CompareOptions",
    "Comparison",
    "Difference",
    "compare",
]

PRESENCE_HEADERS = ("etag", "expires", "last-modified")
TOKEN_HEADERS = ("cache-control", "vary", "pragma")
DEFAULT_HEADERS = ("content-type", "location", "set-cookie", *TOKEN_HEADERS, *PRESENCE_HEADERS)
MISSING = "(missing)"
MAX_DIFFERENCES = 20
MAX_DIFF_LINES = 200


@dataclass(frozen=True)
class CapturedResponse:
    """A response as both sides are compared: lower-case header names, whole body."""

    status: int
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""

    def values(self, name: str) -> list[str]:
        return [v for k, v in self.headers if k == name]


@dataclass(frozen=True)
class CompareOptions:
    headers: tuple[str, ...] = DEFAULT_HEADERS
    ignore_fields: tuple[str, ...] = ()

    def with_headers(self, add: Sequence[str] = (), drop: Sequence[str] = ()) -> CompareOptions:
        dropped = {h.lower() for h in drop}
        names = [h for h in (*self.headers, *(h.lower() for h in add)) if h not in dropped]
        return CompareOptions(tuple(dict.fromkeys(names)), self.ignore_fields)


@dataclass(frozen=True)
class Difference:
    where: str  # "status", "header content-type", "body $.books[0].title", "body"
    legacy: str
    native: str

    def __str__(self) -> str:
        return f"{self.where}: legacy {self.legacy}, native {self.native}"


@dataclass(frozen=True)
class Comparison:
    differences: tuple[Difference, ...] = ()
    diff: str = ""  # unified diff of the normalised bodies ("" when they are equal)
    body_kind: str = "empty"  # json | text | bytes | empty
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def identical(self) -> bool:
        return not self.differences


def compare(
    legacy: CapturedResponse,
    native: CapturedResponse,
    options: CompareOptions | None = None,
    *,
    url: str = "http://localhost/",
) -> Comparison:
    """Every difference between the two responses to a request made to ``url``."""
    options = options or CompareOptions()
    found: list[Difference] = []
    if legacy.status != native.status:
        found.append(Difference("status", str(legacy.status), str(native.status)))
    for name in options.headers:
        a, b = (
            normalise_header(name, legacy.values(name), url),
            normalise_header(name, native.values(name), url),
        )
        if a != b:
            found.append(Difference(f"header {name}", _show(a), _show(b)))
    kind, left, right = _bodies(legacy, native, options.ignore_fields)
    if kind == "json":
        found.extend(_json_differences(left, right, "$"))
        text_a, text_b = _dump(left), _dump(right)
    else:
        text_a, text_b = str(left), str(right)
        if left != right:
            found.append(Difference("body", _clip(text_a), _clip(text_b)))
    diff = "" if text_a == text_b else unified_diff(text_a, text_b)
    return Comparison(tuple(found[:MAX_DIFFERENCES]), diff, kind)


def unified_diff(legacy: str, native: str, lines: int = MAX_DIFF_LINES) -> str:
    out = list(
        difflib.unified_diff(
            legacy.splitlines(), native.splitlines(), "legacy", "native", n=2, lineterm=""
        )
    )
    if len(out) > lines:
        out = [*out[:lines], f"... ({len(out) - lines} more diff lines)"]
    return "\n".join(out)


# ------------------------------------------------------------------ headers


def normalise_header(name: str, values: list[str], url: str) -> str | None:
    """The comparable form of a response header (``None`` when absent)."""
    if not values:
        return None
    if name in PRESENCE_HEADERS:
        return "present"
    if name in TOKEN_HEADERS:
        tokens = {t.strip().lower() for v in values for t in v.split(",") if t.strip()}
        return ", ".join(sorted(tokens))
    if name == "content-type":
        return media_type_key(values[-1])
    if name == "location":
        return urljoin(url, values[-1].strip())
    if name == "set-cookie":
        return ", ".join(sorted(_cookie_name(v) for v in values))
    return ", ".join(v.strip() for v in values)


def media_type_key(value: str) -> str:
    """``Application/JSON; charset=UTF-8`` -> ``application/json``; params sorted."""
    message = Message()
    message["content-type"] = value
    media = message.get_content_type()
    given = message.get_params(header="content-type") or []
    params = sorted((k.lower(), str(v).lower()) for k, v in given[1:])
    if is_json_type(media):
        params = [(k, v) for k, v in params if (k, v) != ("charset", "utf-8")]
    return "; ".join([media, *(f"{k}={v}" for k, v in params)])


def is_json_type(media: str) -> bool:
    return media == "application/json" or media.endswith("+json")


def _cookie_name(header: str) -> str:
    """``session=abc; HttpOnly; Path=/`` -> ``session`` (RFC 6265: up to the first ``=``)."""
    return header.split(";", 1)[0].split("=", 1)[0].strip()


# --------------------------------------------------------------------- bodies


def _media(response: CapturedResponse) -> tuple[str, str]:
    values = response.values("content-type")
    message = Message()
    message["content-type"] = values[-1] if values else "application/octet-stream"
    return message.get_content_type(), str(message.get_param("charset") or "utf-8")


def _bodies(
    legacy: CapturedResponse, native: CapturedResponse, ignore: tuple[str, ...]
) -> tuple[str, Any, Any]:
    (media_a, charset_a), (media_b, charset_b) = _media(legacy), _media(native)
    if not legacy.body and not native.body:
        return "empty", "", ""
    if is_json_type(media_a) and is_json_type(media_b):
        try:
            left, right = json.loads(legacy.body), json.loads(native.body)
        except ValueError:
            pass
        else:
            return "json", _strip(_canonical(left), ignore), _strip(_canonical(right), ignore)
    if _is_text(media_a) and _is_text(media_b):
        return "text", _text(legacy.body, charset_a), _text(native.body, charset_b)
    if legacy.body == native.body:
        return "bytes", "", ""
    return "bytes", _digest(legacy.body), _digest(native.body)


def _is_text(media: str) -> bool:
    return (
        media.startswith("text/")
        or is_json_type(media)
        or media.endswith(("+xml", "/xml", "/javascript", "/x-www-form-urlencoded"))
    )


def _text(body: bytes, charset: str) -> str:
    try:
        text = body.decode(charset, errors="replace")
    except LookupError:
        text = body.decode("utf-8", errors="replace")
    return text.replace("\r\n", "\n").rstrip()


def _digest(body: bytes) -> str:
    return f"{len(body)} bytes, sha256 {hashlib.sha256(body).hexdigest()[:12]}"


def _canonical(value: Any) -> Any:
    """Integral floats as ints, so ``1.0`` and ``1`` compare (and print) the same."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, list):
        return [_canonical(v) for v in value]
    if isinstance(value, dict):
        return {k: _canonical(v) for k, v in value.items()}
    return value


def _strip(value: Any, patterns: tuple[str, ...], path: tuple[str, ...] = ()) -> Any:
    if not patterns:
        return value
    if isinstance(value, dict):
        return {
            k: _strip(v, patterns, (*path, k))
            for k, v in value.items()
            if not _ignored((*path, k), patterns)
        }
    if isinstance(value, list):
        kept = [(i, v) for i, v in enumerate(value) if not _ignored((*path, str(i)), patterns)]
        return [_strip(v, patterns, (*path, str(i))) for i, v in kept]
    return value


def _ignored(path: tuple[str, ...], patterns: tuple[str, ...]) -> bool:
    for pattern in patterns:
        if "." not in pattern:
            if path[-1] == pattern:
                return True
            continue
        parts = pattern.split(".")
        if len(parts) == len(path) and all(p in ("*", s) for p, s in zip(parts, path, strict=True)):
            return True
    return False


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def _json_differences(a: Any, b: Any, where: str) -> Iterator[Difference]:
    if _kind(a) != _kind(b):
        yield Difference(f"body {where}", _short(a), _short(b))
    elif isinstance(a, dict):
        for key in sorted(set(a) | set(b), key=str):
            sub = f"{where}.{key}" if key.isidentifier() else f"{where}[{json.dumps(key)}]"
            if key not in b:
                yield Difference(f"body {sub}", _short(a[key]), MISSING)
            elif key not in a:
                yield Difference(f"body {sub}", MISSING, _short(b[key]))
            else:
                yield from _json_differences(a[key], b[key], sub)
    elif isinstance(a, list):
        if len(a) != len(b):
            yield Difference(f"body {where} length", str(len(a)), str(len(b)))
        for index, (x, y) in enumerate(zip(a, b, strict=False)):
            yield from _json_differences(x, y, f"{where}[{index}]")
    elif a != b:
        yield Difference(f"body {where}", _short(a), _short(b))


def _dump(value: Any) -> str:
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False)


def _short(value: Any) -> str:
    return _clip(json.dumps(value, sort_keys=True, ensure_ascii=False))


def _clip(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _show(value: str | None) -> str:
    return MISSING if value is None else repr(value)
