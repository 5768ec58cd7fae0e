"""From an `Inventory` to a plan of the generated package: which module holds
which endpoint, with which parameters, models and TODO notes. Pure data; the
text is written by `emit.py`.

Decisions (documented in the README):
- one router module per registered blueprint name (a nested blueprint is its
  own module, its router prefixed with the full prefix: `api.v1` -> `api_v1.py`
  with `prefix="/api/v1"`), plus `app_routes.py` for app-level routes;
- one function per (rule, method): a Flask view serving GET and POST becomes
  `<endpoint>_get` and `<endpoint>_post`; a single method keeps `<endpoint>`;
- static rules and library-owned rules (Flask-RESTX docs) are not generated.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from migrate.generate.names import class_name, identifier, module_name
from migrate.generate.paths import PathParam, convert_param, fastapi_path
from migrate.model import Fact, Inventory, Route

SKIPPED_KINDS = frozenset({"static", "docs"})
SIMPLE_TYPES = {"int": "int", "float": "float", "str": "str", "bool": "bool"}


@dataclass(frozen=True)
class ModelField:
    name: str
    alias: str | None
    annotation: str
    required: bool
    default: str = "None"


@dataclass(frozen=True)
class Model:
    name: str
    fields: tuple[ModelField, ...]
    doc: str

    @property
    def shape(self) -> tuple[tuple[str, str | None, str, bool, str], ...]:
        return tuple((f.name, f.alias, f.annotation, f.required, f.default) for f in self.fields)


@dataclass
class Param:
    name: str
    annotation: str  # full annotation, e.g. 'Annotated[int, Query()]'
    default: str | None  # code, or None when required
    kind: str  # path | query | header | cookie | form | file | body


@dataclass
class Endpoint:
    function: str
    method: str
    path: str  # FastAPI path, relative to the router prefix
    route: Route
    params: list[Param] = field(default_factory=list)
    body_model: str | None = None
    response_model: str | None = None
    status_code: int | None = None
    responses: dict[int, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # TODO lines
    imports: set[str] = field(default_factory=set)


@dataclass
class RouterModule:
    module: str  # file stem
    blueprint: str | None
    prefix: str
    endpoints: list[Endpoint] = field(default_factory=list)


@dataclass
class Plan:
    routers: list[RouterModule]
    models: list[Model]


def _common_prefix(rules: Iterable[str]) -> str:
    split = [r.split("/") for r in rules]
    if not split:
        return ""
    prefix: list[str] = []
    for parts in zip(*split, strict=False):
        if len(set(parts)) != 1 or "<" in parts[0]:
            break
        prefix.append(parts[0])
    # keep at least one segment for each rule after the prefix
    shortest = min(len(s) for s in split)
    prefix = prefix[: max(0, shortest - 1)]
    text = "/".join(prefix)
    return text if text.startswith("/") and len(text) > 1 else ""


def _route_facts(route: Route, method: str) -> list[Fact]:
    """Facts for one method: a MethodView's direct facts only from its handler."""
    if route.kind not in ("method_view", "resource") or route.view is None:
        return list(route.facts)
    handler = f"{route.view.qualname}.{method.lower()}"
    label = f"{route.view.module}.{handler}"
    return [
        f
        for f in route.facts
        if (f.via[0] == label if f.via else f.function == handler)
        or f.function.startswith(handler + ".")
    ]


def _literal(value: Any) -> str:
    if isinstance(value, str):
        return quote(value)
    if isinstance(value, bool | int | float) or value is None:
        return repr(value)
    return "None"


def quote(text: str) -> str:
    """A string literal as `ruff format` writes it: double quotes unless that adds escapes."""
    literal = repr(text)
    if literal[0] == '"' or ('"' in text and "'" not in text):
        return literal
    inner = literal[1:-1].replace("\\'", "'").replace('"', '\\"')
    return f'"{inner}"'


def _annotation_for(data: dict[str, Any]) -> str:
    cast = data.get("type")
    if isinstance(cast, str) and cast in SIMPLE_TYPES:
        return SIMPLE_TYPES[cast]
    default = data.get("default")
    for kind, name in ((bool, "bool"), (int, "int"), (float, "float"), (str, "str")):
        if isinstance(default, kind):
            return name
    if isinstance(default, list):
        return "list[Any]"
    if isinstance(default, dict):
        return "dict[str, Any]"
    return "str" if data.get("source") not in ("json",) else "Any"


class Planner:
    def __init__(self, inventory: Inventory, select: tuple[str, ...] = ()) -> None:
        self.inventory = inventory
        self.select = select
        self.models: dict[tuple[Any, ...], Model] = {}
        self.model_names: set[str] = set()

    def selected(self, route: Route) -> bool:
        if route.kind in SKIPPED_KINDS:
            return False
        if not self.select:
            return True
        for item in self.select:
            bp = route.blueprint or ""
            if route.endpoint == item or bp == item or bp.startswith(item + "."):
                return True
        return False

    def plan(self) -> Plan:
        groups: dict[str, list[Route]] = {}
        for route in self.inventory.routes:
            if self.selected(route):
                groups.setdefault(route.blueprint or "", []).append(route)
        routers = []
        used_modules: set[str] = {"models", "__init__"}
        for blueprint in sorted(groups):
            routes = sorted(groups[blueprint], key=lambda r: (r.rule, r.endpoint))
            stem = module_name(blueprint) if blueprint else "app_routes"
            while stem in used_modules:
                stem += "_"
            used_modules.add(stem)
            prefix = _common_prefix(r.rule for r in routes) if blueprint else ""
            module = RouterModule(stem, blueprint or None, prefix)
            names: set[str] = set()
            for route in routes:
                for method in route.methods:
                    module.endpoints.append(self.endpoint(route, method, prefix, names))
            routers.append(module)
        return Plan(routers, sorted(self.models.values(), key=lambda m: m.name))

    # ------------------------------------------------------------ endpoints

    def endpoint(self, route: Route, method: str, prefix: str, names: set[str]) -> Endpoint:
        base = identifier(route.endpoint.replace(".", "_"), "endpoint")
        name = base if len(route.methods) == 1 else f"{base}_{method.lower()}"
        while name in names:
            name += "_"
        names.add(name)
        used: set[str] = {"request"}
        path_params: dict[str, str] = {}
        converted: list[PathParam] = []
        for param in route.params:
            pyname = self.unique(identifier(param.name), used)
            path_params[param.name] = pyname
            converted.append(convert_param(param, pyname))
        path = fastapi_path(route.rule, path_params)[len(prefix) :]
        endpoint = Endpoint(name, method, path, route)
        for p in converted:
            endpoint.params.append(Param(p.name, p.annotation, None, "path"))
            endpoint.imports.update(p.imports)
            if p.note:
                endpoint.notes.append(f"path parameter `{p.flask_name}`: {p.note}")
        facts = _route_facts(route, method)
        self.request_params(endpoint, facts, used)
        self.responses(endpoint, facts)
        self.todo(endpoint, facts)
        return endpoint

    @staticmethod
    def unique(name: str, used: set[str]) -> str:
        while name in used:
            name += "_"
        used.add(name)
        return name

    def request_params(self, endpoint: Endpoint, facts: list[Fact], used: set[str]) -> None:
        seen: set[tuple[Any, Any]] = set()
        json_fields: dict[str, ModelField] = {}
        whole_json = False
        for fact in facts:
            if fact.kind != "request":
                continue
            data = dict(fact.data)
            source = data.get("source")
            key = data.get("key")
            if source == "json":
                if isinstance(key, str):
                    json_fields.setdefault(key, self.json_field(key, data))
                else:
                    whole_json = True
                continue
            if not isinstance(key, str) or (source, key) in seen:
                continue
            seen.add((source, key))
            self.simple_param(endpoint, source, key, data, used)
        if json_fields:
            model = self.model(
                f"{endpoint.route.endpoint}.{endpoint.method}.body",
                tuple(json_fields.values()),
                f"JSON body of {endpoint.method} {endpoint.route.rule}",
            )
            endpoint.body_model = model
            endpoint.params.append(
                Param(self.unique("body", used), f"models.{model}", None, "body")
            )
        elif whole_json:
            endpoint.params.append(
                Param(self.unique("body", used), "Annotated[Any, Body()]", "None", "body")
            )
            endpoint.imports.update({"from typing import Annotated", "from fastapi import Body"})

    def simple_param(
        self, endpoint: Endpoint, source: Any, key: str, data: dict[str, Any], used: set[str]
    ) -> None:
        marker = {
            "args": "Query",
            "values": "Query",
            "headers": "Header",
            "cookies": "Cookie",
            "form": "Form",
            "files": "File",
        }.get(str(source))
        if marker is None:
            return
        name = self.unique(identifier(key.lower()), used)
        alias = "" if name == key and marker != "Header" else f"alias={quote(key)}"
        if marker == "File":
            annotation = f"Annotated[UploadFile, File({alias})]"
            endpoint.imports.add("from fastapi import UploadFile")
            default = None if data.get("required") else "None"
            if default is not None:
                annotation = f"Annotated[UploadFile | None, File({alias})]"
        elif data.get("many"):
            annotation = f"Annotated[list[str] | None, {marker}({alias})]"
            default = "None"
        else:
            base = _annotation_for(data)
            if data.get("required"):
                annotation, default = f"Annotated[{base}, {marker}({alias})]", None
            elif "default" in data and data["default"] is not None:
                annotation = f"Annotated[{base}, {marker}({alias})]"
                default = _literal(data["default"])
            else:
                annotation, default = f"Annotated[{base} | None, {marker}({alias})]", "None"
        endpoint.params.append(Param(name, annotation, default, marker.lower()))
        endpoint.imports.update({"from typing import Annotated", f"from fastapi import {marker}"})
        if source == "values":
            endpoint.notes.append(
                f"`request.values[{key!r}]` reads query or form: declared as a query parameter"
            )

    def json_field(self, key: str, data: dict[str, Any]) -> ModelField:
        name = identifier(key)
        alias = None if name == key else key
        annotation = _annotation_for(data)
        if data.get("required"):
            return ModelField(name, alias, annotation, True)
        default = data.get("default")
        if default is None or not isinstance(default, str | int | float | bool):
            return ModelField(
                name, alias, f"{annotation} | None" if annotation != "Any" else "Any", False, "None"
            )
        return ModelField(name, alias, annotation, False, _literal(default))

    def model(self, label: str, fields: tuple[ModelField, ...], doc: str) -> str:
        key = tuple((f.name, f.alias, f.annotation, f.required, f.default) for f in fields)
        if key in self.models:
            return self.models[key].name
        name = class_name(label)
        while name in self.model_names:
            name += "_"
        self.model_names.add(name)
        self.models[key] = Model(name, fields, doc)
        return name

    def responses(self, endpoint: Endpoint, facts: list[Fact]) -> None:
        statuses: set[int] = set()
        keys: list[str] | None = None
        for fact in facts:
            if fact.kind != "response" or fact.via:
                continue
            data = dict(fact.data)
            status = data.get("status")
            if isinstance(status, int) and 100 <= status <= 599:
                if fact.name == "abort":
                    endpoint.responses.setdefault(status, f"abort({status}) in the legacy view")
                else:
                    statuses.add(status)
            found = data.get("keys")
            if fact.name in ("jsonify", "dict") and isinstance(found, list | tuple) and found:
                keys = sorted({str(k) for k in found}) if keys is None else keys
        success = sorted(s for s in statuses if s < 400)
        if len(success) == 1 and success[0] != 200:
            endpoint.status_code = success[0]
        for status in sorted(statuses):
            if status >= 400 or (len(success) > 1 and status != success[0]):
                endpoint.responses.setdefault(status, "returned by the legacy view")
        if keys:
            fields = tuple(
                ModelField(identifier(k), None if identifier(k) == k else k, "Any", False, "None")
                for k in keys
            )
            endpoint.response_model = self.model(
                f"{endpoint.route.endpoint}.{endpoint.method}.response",
                fields,
                f"Response of {endpoint.method} {endpoint.route.rule}",
            )

    def todo(self, endpoint: Endpoint, facts: list[Fact]) -> None:
        grouped: dict[str, tuple[set[str], Fact]] = {}
        for fact in facts:
            if fact.kind not in ("context", "blocking", "websocket"):
                continue
            access = dict(fact.data).get("access")
            entry = grouped.setdefault(f"{fact.kind}:{fact.name}", (set(), fact))
            if isinstance(access, str):
                entry[0].add(access)
        for accesses, fact in grouped.values():
            where = f" via {' -> '.join(fact.via)}" if fact.via else ""
            mode = f" ({', '.join(sorted(accesses))})" if accesses else ""
            if fact.kind == "blocking":
                advice = dict(fact.data).get(
                    "advice", "keep the route `def` or use an async client"
                )
                endpoint.notes.append(
                    f"blocking {fact.name}{where}: {advice} [{fact.file}:{fact.line}]"
                )
            elif fact.kind == "websocket":
                endpoint.notes.append(
                    f"WebSocket {fact.name}: no WSGI bridge carries it [{fact.file}:{fact.line}]"
                )
            else:
                endpoint.notes.append(f"{fact.name}{mode}{where} [{fact.file}:{fact.line}]")
        errors = []
        for hook in endpoint.route.hooks:
            if hook.kind.startswith("errorhandler"):
                errors.append(hook.kind[len("errorhandler") :].strip("()") or "?")
                continue
            endpoint.notes.append(
                f"{hook.kind} hook ({hook.scope}) ran around this view: {hook.function} "
                f"[{hook.file}:{hook.line}]"
            )
        if errors:
            endpoint.notes.append(
                f"Flask error handlers applied ({', '.join(sorted(set(errors)))}): "
                "add FastAPI exception handlers for the same responses"
            )
        for decorator in endpoint.route.decorators:
            if decorator.method not in ("", endpoint.method.lower()):
                continue
            where = f" [{decorator.file}:{decorator.line}]" if decorator.file else ""
            endpoint.notes.append(
                f"decorator {decorator.name}{where}: make it a FastAPI dependency"
            )


def plan(inventory: Inventory, select: tuple[str, ...] = ()) -> Plan:
    return Planner(inventory, select).plan()


def location(route: Route) -> str:
    if route.view is None:
        return route.rule
    return f"{route.view.file}:{route.view.line} {route.view.qualname}"
