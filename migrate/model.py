"""The facts a scan produces, as frozen dataclasses.

Everything downstream (report renderers, code generators) reads these objects
only; nothing after the scan looks at a syntax tree. File paths are POSIX paths
relative to the scanned root.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

SCHEMA_VERSION = 3

# Methods Flask adds to a rule on its own; the inventory reports the methods a
# view declares and leaves these two out (see README, "JSON schema").
AUTOMATIC_METHODS = frozenset({"HEAD", "OPTIONS"})


@dataclass(frozen=True, order=True)
class Location:
    file: str
    line: int


@dataclass(frozen=True)
class Param:
    """A path parameter: ``<int(min=1):id>`` is name ``id``, converter ``int``."""

    name: str
    converter: str
    args: str = ""  # the converter's argument text, verbatim, e.g. "length=2"


@dataclass(frozen=True)
class View:
    qualname: str
    file: str
    line: int
    module: str = ""
    doc: str = ""


@dataclass(frozen=True)
class Fact:
    """One thing a view (or a helper, hook or decorator it runs) does that
    matters for the move: a request read, a response form, a context access,
    a blocking call. `via` is the call chain from the view when the fact sits
    in a helper (`("helpers.current_cart", "db.get_db")`)."""

    kind: str  # request | response | context | blocking | websocket
    name: str  # request.args | jsonify | g.user | requests.get | ...
    detail: str  # one human line: "key 'page', default 1, type int"
    file: str
    line: int
    data: tuple[tuple[str, Any], ...] = ()  # structured: key, default, type, status, template...
    via: tuple[str, ...] = ()
    function: str = ""  # qualname of the function it was found in


@dataclass(frozen=True)
class Hook:
    """A hook that runs around the route: `before_request` of its blueprint..."""

    kind: str  # before_request | after_request | teardown_request | errorhandler | ...
    scope: str  # "app" or the dotted blueprint name that registered it
    function: str
    file: str
    line: int
    facts: tuple[Fact, ...] = ()


@dataclass(frozen=True)
class Decorator:
    """A decorator on the view beyond the route decorator (auth, caching, ...)."""

    name: str  # as written: "login_required", "cache.cached(...)"
    file: str  # where it is defined, when the scan sees it ("" otherwise)
    line: int
    facts: tuple[Fact, ...] = ()
    method: str = ""  # on one handler of a class-based view ("post"); "" for the whole view


@dataclass(frozen=True)
class Reason:
    points: int
    text: str
    file: str = ""
    line: int = 0
    kind: str = ""  # request | response | context | blocking | websocket | hook | decorator | view


@dataclass(frozen=True)
class Route:
    """One rule as Flask's ``app.url_map`` would hold it."""

    rule: str
    methods: tuple[str, ...]
    endpoint: str
    app: str
    blueprint: str | None
    view: View | None
    params: tuple[Param, ...] = ()
    strict_slashes: bool | None = None
    subdomain: str | None = None
    defaults: tuple[tuple[str, Any], ...] = ()
    kind: str = "view"  # view | static | method_view | resource
    source: Location | None = None  # where the rule is registered
    facts: tuple[Fact, ...] = ()
    hooks: tuple[Hook, ...] = ()
    decorators: tuple[Decorator, ...] = ()
    score: int = 0
    reasons: tuple[Reason, ...] = ()


@dataclass(frozen=True)
class App:
    name: str  # a stable id: "module:variable" or "module:factory()"
    file: str
    line: int
    factory: str | None = None
    static_url_path: str | None = "/static"


@dataclass(frozen=True)
class Blueprint:
    name: str
    file: str
    line: int
    url_prefix: str | None = None
    subdomain: str | None = None
    registered_as: tuple[str, ...] = ()  # full dotted names under which it is registered


@dataclass(frozen=True)
class Finding:
    """Something the scan saw but could not resolve statically, or a warning."""

    code: str
    message: str
    file: str
    line: int
    severity: str = "warning"  # info | warning | error


@dataclass(frozen=True)
class FileError:
    """A file that could not be read or parsed; the scan went on without it."""

    file: str
    line: int
    reason: str


@dataclass(frozen=True)
class ExtensionUse:
    """A Flask extension the codebase imports, and its FastAPI-side strategy."""

    name: str
    does: str
    fastapi: str
    files: tuple[str, ...]  # files importing it


@dataclass(frozen=True)
class Inventory:
    root: str
    files_scanned: int
    apps: tuple[App, ...] = ()
    blueprints: tuple[Blueprint, ...] = ()
    routes: tuple[Route, ...] = ()
    findings: tuple[Finding, ...] = ()
    errors: tuple[FileError, ...] = field(default=())
    extensions: tuple[ExtensionUse, ...] = ()
    websockets: tuple[Fact, ...] = ()  # WebSocket handlers (flask-sock, Flask-SocketIO)
