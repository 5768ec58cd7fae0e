"""Requests for `migrate verify` when there is no recorded traffic, built from the scan.

For each migrated (rule, method), from the rule's path parameters and the request facts
of the view (query keys, JSON keys, form fields, files, headers, with their types,
defaults and whether they are required), a small set of requests, each with a label:

* ``valid``: sample path values, no query string (every default applies) and, for a
  body, every key the view reads;
* ``all query keys``, and for each typed key ``wrong type for 'page'`` (``page=abc``),
  for each required key ``missing 'q'``, and ``repeated 'page'`` (``page=1&page=2``:
  Flask reads the first value, Starlette the last);
* per path parameter: ``unknown id`` (``999999`` for ``int``), ``wrong type``
  (``abc`` where an ``int``, ``float``, ``uuid``, ``any(...)`` or fixed-length
  string is expected);
* for a JSON body: ``missing 'title'`` per required key, ``wrong type`` per typed key,
  ``unknown key``, ``empty object``, ``array instead of object``, ``invalid JSON``,
  ``no body``; for a form: ``missing`` and ``wrong type`` per field, ``no body``.

Error behaviour is where parity breaks first (a FastAPI 422 where Flask answered 400,
a lenient ``type=int`` that FastAPI rejects), hence the invalid inputs. Sample values:
``1`` for ``int`` (override per name with ``path_values``, e.g. ``book_id=2``), ``a``
for strings (a substring of most text), ``1.5``, ``true``. A custom converter's valid
value cannot be guessed: give one in ``path_values``.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote, urlencode

from migrate.generate.paths import _converter_args
from migrate.generate.plan import _route_facts
from migrate.model import Fact, Inventory, Route
from migrate.verify.target import Migration
from migrate.verify.traffic import RecordedRequest

__all__ = ["generate_requests"]

_PARAM = re.compile(
    r"<(?:(?P<converter>[a-zA-Z_]\w*)(?:\((?P<args>.*?)\))?:)?(?P<name>[a-zA-Z_]\w*)>"
)
SAMPLES: dict[str, Any] = {"int": 1, "float": 1.5, "str": "a", "bool": True}
WRONG: dict[str, Any] = {"int": "abc", "float": "abc", "bool": "abc", "str": 123}
BOUNDARY = "migrate-verify-boundary"
JSON_HEADERS = (("content-type", "application/json"),)
FORM_HEADERS = (("content-type", "application/x-www-form-urlencoded"),)
MAX_PER_ROUTE = 16


def generate_requests(
    migrations: Iterable[Migration],
    inventory: Inventory | None,
    path_values: Mapping[str, str] | None = None,
) -> list[RecordedRequest]:
    """Labelled requests for every migration (deduplicated, in a stable order)."""
    out: list[RecordedRequest] = []
    for migration in migrations:
        route = _find_route(inventory, migration)
        facts = _route_facts(route, migration.method) if route is not None else []
        cases = _Cases(migration, facts, dict(path_values or {}))
        out.extend(cases.build()[:MAX_PER_ROUTE])
    seen: set[tuple[Any, ...]] = set()
    unique = []
    for request in out:
        key = (request.method, request.path, request.query, request.headers, request.body)
        if key not in seen:
            seen.add(key)
            unique.append(request)
    return unique


def _find_route(inventory: Inventory | None, migration: Migration) -> Route | None:
    if inventory is None:
        return None
    for route in inventory.routes:
        if route.endpoint == migration.endpoint and route.rule == migration.rule:
            return route
    return None


def _keys(facts: list[Fact], source: str) -> dict[str, dict[str, Any]]:
    """key -> merged data of every read of ``source`` (required if any read requires it)."""
    keys: dict[str, dict[str, Any]] = {}
    for fact in facts:
        data = dict(fact.data)
        key = data.get("key")
        if fact.kind != "request" or data.get("source") != source or not isinstance(key, str):
            continue
        merged = keys.setdefault(key, {})
        merged["required"] = bool(merged.get("required")) or bool(data.get("required"))
        merged["type"] = merged.get("type") or _type_of(data)
    return keys


def _type_of(data: dict[str, Any]) -> str | None:
    cast = data.get("type")
    if isinstance(cast, str) and cast in SAMPLES:
        return cast
    default = data.get("default")
    for kind, name in ((bool, "bool"), (int, "int"), (float, "float")):
        if isinstance(default, kind):
            return name
    return None


def _reads_body(facts: list[Fact], source: str) -> bool:
    return any(f.kind == "request" and dict(f.data).get("source") == source for f in facts)


class _Cases:
    def __init__(self, migration: Migration, facts: list[Fact], path_values: dict[str, str]):
        self.m = migration
        self.facts = facts
        self.params = [
            (p["name"], p["converter"] or "default", p["args"] or "")
            for p in _PARAM.finditer(migration.rule)
        ]
        self.samples = {n: path_values.get(n) or _path_sample(c, a) for n, c, a in self.params}
        self.query = _keys(facts, "args") | _keys(facts, "values")
        self.json = _keys(facts, "json")
        self.form = _keys(facts, "form")
        self.files = _keys(facts, "files")
        self.headers = _keys(facts, "headers")

    def request(
        self,
        label: str,
        *,
        path: Mapping[str, str] | None = None,
        query: list[tuple[str, str]] | None = None,
        body: bytes = b"",
        headers: tuple[tuple[str, str], ...] = (),
    ) -> RecordedRequest:
        values = {**self.samples, **(path or {})}

        def fill(match: re.Match[str]) -> str:
            value = values[match["name"]]
            return value if match["converter"] == "path" else quote(value, safe="")

        sent = tuple((k.lower(), "a") for k, d in self.headers.items() if d["required"]) + headers
        return RecordedRequest(
            method=self.m.method,
            path=_PARAM.sub(fill, self.m.rule),
            query=urlencode(query or []),
            headers=sent,
            body=body,
            endpoint=self.m.endpoint,
            label=label,
        )

    def build(self) -> list[RecordedRequest]:
        body, headers = self.valid_body()
        cases = [self.request("valid", body=body, headers=headers)]
        cases += self.query_cases(body, headers)
        cases += self.path_cases(body, headers)
        cases += self.header_cases(body, headers)
        if self.json or _reads_body(self.facts, "json"):
            cases += self.json_cases()
        elif self.form or self.files:
            cases += self.form_cases()
        return cases

    def valid_body(self) -> tuple[bytes, tuple[tuple[str, str], ...]]:
        if self.json or _reads_body(self.facts, "json"):
            return _json({k: _sample(d) for k, d in self.json.items()}), JSON_HEADERS
        if self.form or self.files:
            return self.form_body({k: _sample(d) for k, d in self.form.items()})
        return b"", ()

    def query_cases(
        self, body: bytes, headers: tuple[tuple[str, str], ...]
    ) -> list[RecordedRequest]:
        if not self.query:
            return []
        full = [(k, _text(_sample(d))) for k, d in self.query.items()]
        cases = [self.request("all query keys", query=full, body=body, headers=headers)]
        for key, data in self.query.items():
            others = [(k, v) for k, v in full if k != key]
            if data["type"] in WRONG and data["type"] != "str":
                wrong = [*others, (key, "abc")]
                cases.append(
                    self.request(f"wrong type for {key!r}", query=wrong, body=body, headers=headers)
                )
            if data["required"]:
                cases.append(
                    self.request(f"missing {key!r}", query=others, body=body, headers=headers)
                )
        key, value = full[0]
        twice = [*full, (key, value + "2" if value != "1" else "2")]
        cases.append(self.request(f"repeated {key!r}", query=twice, body=body, headers=headers))
        return cases

    def path_cases(
        self, body: bytes, headers: tuple[tuple[str, str], ...]
    ) -> list[RecordedRequest]:
        cases = []
        for name, converter, args in self.params:
            unknown = {"int": "999999", "float": "999999.5"}.get(converter)
            if unknown is not None:
                cases.append(
                    self.request(
                        f"unknown {name}={unknown}",
                        path={name: unknown},
                        body=body,
                        headers=headers,
                    )
                )
            wrong = _wrong_path(converter, args)
            if wrong is not None:
                cases.append(
                    self.request(
                        f"wrong type for {name}={wrong}",
                        path={name: wrong},
                        body=body,
                        headers=headers,
                    )
                )
        return cases

    def header_cases(
        self, body: bytes, headers: tuple[tuple[str, str], ...]
    ) -> list[RecordedRequest]:
        cases = []
        for key, data in self.headers.items():
            if data["required"]:
                request = self.request(f"missing header {key!r}", body=body, headers=headers)
                kept = tuple(h for h in request.headers if h[0] != key.lower())
                cases.append(dataclasses.replace(request, headers=kept))
        return cases

    def json_cases(self) -> list[RecordedRequest]:
        full = {k: _sample(d) for k, d in self.json.items()}
        cases = []
        for key, data in self.json.items():
            if data["required"]:
                rest = {k: v for k, v in full.items() if k != key}
                cases.append(
                    self.request(f"missing {key!r}", body=_json(rest), headers=JSON_HEADERS)
                )
            if data["type"] in WRONG:
                wrong = {**full, key: WRONG[data["type"]]}
                cases.append(
                    self.request(f"wrong type for {key!r}", body=_json(wrong), headers=JSON_HEADERS)
                )
        cases.append(
            self.request("unknown key", body=_json({**full, "unexpected": 1}), headers=JSON_HEADERS)
        )
        if full:
            cases.append(self.request("empty object", body=b"{}", headers=JSON_HEADERS))
        cases.append(self.request("array instead of object", body=b"[]", headers=JSON_HEADERS))
        cases.append(self.request("invalid JSON", body=b"{not json", headers=JSON_HEADERS))
        cases.append(self.request("no body"))
        return cases

    def form_cases(self) -> list[RecordedRequest]:
        full = {k: _sample(d) for k, d in self.form.items()}
        cases = []
        for key, data in self.form.items():
            if data["required"]:
                body, headers = self.form_body({k: v for k, v in full.items() if k != key})
                cases.append(self.request(f"missing {key!r}", body=body, headers=headers))
            if data["type"] in WRONG and data["type"] != "str":
                body, headers = self.form_body({**full, key: "abc"})
                cases.append(self.request(f"wrong type for {key!r}", body=body, headers=headers))
        for key, data in self.files.items():
            if data["required"]:
                body, headers = self.form_body(full, without_file=key)
                cases.append(self.request(f"missing file {key!r}", body=body, headers=headers))
        cases.append(self.request("no body"))
        return cases

    def form_body(
        self, fields: dict[str, Any], without_file: str = ""
    ) -> tuple[bytes, tuple[tuple[str, str], ...]]:
        files = [k for k in self.files if k != without_file]
        if not self.files:
            return urlencode([(k, _text(v)) for k, v in fields.items()]).encode(), FORM_HEADERS
        parts = [_part(key, _text(value)) for key, value in fields.items()]
        parts += [_part(key, "sample", filename="sample.txt") for key in files]
        body = ("".join(parts) + f"--{BOUNDARY}--\r\n").encode()
        return body, (("content-type", f"multipart/form-data; boundary={BOUNDARY}"),)


def _part(name: str, value: str, filename: str = "") -> str:
    disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
    kind = "Content-Type: text/plain\r\n" if filename else ""
    return f"--{BOUNDARY}\r\nContent-Disposition: {disposition}\r\n{kind}\r\n{value}\r\n"


def _sample(data: dict[str, Any]) -> Any:
    return SAMPLES[data["type"]] if data.get("type") in SAMPLES else SAMPLES["str"]


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _json(value: Any) -> bytes:
    return json.dumps(value).encode()


def _path_sample(converter: str, args: str) -> str:
    positional, kwargs = _converter_args(args) if args else ([], {})
    if converter == "int":
        return str(kwargs.get("min", 1)) if isinstance(kwargs.get("min"), int) else "1"
    if converter == "float":
        return "1.5"
    if converter == "uuid":
        return "00000000-0000-4000-8000-000000000000"
    if converter == "path":
        return "a/b"
    if converter == "any":
        values = [v for v in positional if isinstance(v, str)]
        return values[0] if values else "a"
    if converter in ("default", "string"):
        length = kwargs.get("length", kwargs.get("minlength", 1))
        return "a" * (length if isinstance(length, int) and length > 0 else 1)
    return "1"  # a custom converter: pass --path-value NAME=VALUE for a real one


def _wrong_path(converter: str, args: str) -> str | None:
    if converter in ("int", "float", "uuid", "any"):
        return "abc" if converter != "any" else "zzz-not-listed"
    if converter in ("default", "string") and args:
        _, kwargs = _converter_args(args)
        length = kwargs.get("length", kwargs.get("maxlength"))
        if isinstance(length, int):
            return "a" * (length + 1)
    return None
