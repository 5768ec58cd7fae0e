"""A difficulty score per route, with the reasons that make it up.

Every point has a reason a person can check (file:line). The weights are data
(`WEIGHTS`), one line each, so a team can read and tune them:

    reads g.user set by a before_request hook of `auth`      +3
    blocking call: sqlite3.connect (in helpers.get_db)        +2
    streams its response                                      +1

A fact found in a helper counts like one in the view (the call chain is in the
reason). Each distinct (rule, subject) counts once per route.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from migrate.model import Fact, Reason, Route

# (fact kind, fact name prefix) -> points and the reason's wording
WEIGHTS: tuple[tuple[str, str, int, str], ...] = (
    ("context", "g.", 3, "uses request-global g"),
    ("context", "session", 3, "uses the Flask session"),
    ("context", "current_user", 3, "uses flask_login's current_user"),
    ("context", "current_app", 1, "uses current_app"),
    ("context", "flash", 1, "flashes messages"),
    ("context", "url_for", 1, "builds URLs with url_for"),
    ("context", "request.", 1, "reads request attributes"),
    ("context", "", 1, "needs the Flask request context"),
    ("request", "request.files", 1, "reads uploaded files (UploadFile)"),
    ("request", "request.form", 1, "reads form data (Form fields)"),
    ("request", "request.stream", 2, "reads the raw request stream"),
    ("request", "request.environ", 2, "reads the WSGI environ"),
    ("request", "request.data", 1, "reads the raw body"),
    ("request", "", 0, "reads request data"),
    ("response", "stream", 1, "streams its response"),
    ("response", "render_template", 2, "renders Jinja templates"),
    ("response", "send_file", 1, "sends files"),
    ("response", "send_from_directory", 1, "sends files"),
    ("response", "make_response", 1, "builds a response object"),
    ("response", "redirect", 1, "redirects"),
    ("response", "", 0, "returns a response"),
    ("blocking", "", 2, "blocking call"),
    ("websocket", "", 5, "WebSocket handler (no WSGI bridge can carry it)"),
)
# A hook that applies to the route costs little by itself (it is ported once, as
# middleware or a dependency) unless the view reads state it sets.
HOOK_STATE_POINTS = 3
HOOK_POINTS = {
    "before_request": 1,
    "after_request": 1,
    "teardown_request": 1,
    "url_value_preprocessor": 1,
}
AUTH_WORDS = ("login", "auth", "permission", "role", "admin", "jwt", "token", "require")
METHOD_VIEW_POINTS = 1


def _weight(fact: Fact) -> tuple[int, str]:
    for kind, prefix, points, text in WEIGHTS:
        if fact.kind == kind and fact.name.startswith(prefix):
            return points, text
    return 0, ""


def _where(fact: Fact) -> str:
    return f" (via {' -> '.join(fact.via)})" if fact.via else ""


def fact_reasons(facts: Iterable[Fact], context: str = "") -> list[Reason]:
    reasons: dict[tuple[str, str], Reason] = {}
    for fact in facts:
        points, text = _weight(fact)
        if points <= 0:
            continue
        subject = fact.name
        key = (text, subject)
        if key not in reasons:
            label = f"{text}: {subject}{_where(fact)}{context}"
            reasons[key] = Reason(points, label, fact.file, fact.line, fact.kind)
    return list(reasons.values())


def score_route(route: Route) -> Route:
    if route.kind == "static":
        return route
    used = {f.name for f in route.facts if f.kind == "context"}
    for decorator in route.decorators:
        used |= {f.name for f in decorator.facts if f.kind == "context"}
    reasons: list[Reason] = []
    prepared: set[str] = set()  # context names a hook sets for the view
    for hook in route.hooks:
        base = hook.kind.split("(", 1)[0]
        writes = {f.name for f in hook.facts if dict(f.data).get("access") == "write"}
        shared = sorted(writes & used)
        if shared:
            # the view depends on state the hook prepares: the two move together
            prepared.update(shared)
            text = f"reads {', '.join(shared)} set by {hook.kind} hook of {hook.scope}"
            reasons.append(
                Reason(HOOK_STATE_POINTS, f"{text}: {hook.function}", hook.file, hook.line, "hook")
            )
            continue
        points = HOOK_POINTS.get(base, 0)
        if points:
            reasons.append(
                Reason(
                    points,
                    f"{hook.kind} hook of {hook.scope} must run too: {hook.function}",
                    hook.file,
                    hook.line,
                    "hook",
                )
            )
    reasons += fact_reasons(f for f in route.facts if f.name not in prepared)
    for decorator in route.decorators:
        auth = any(word in decorator.name.lower() for word in AUTH_WORDS)
        points = 3 if auth else 2
        where = f" ({decorator.file}:{decorator.line})" if decorator.file else ""
        kind = "auth decorator" if auth else "decorator"
        reasons.append(
            Reason(
                points,
                f"{kind} {decorator.name}{where}",
                decorator.file,
                decorator.line,
                "decorator",
            )
        )
    if route.kind in ("method_view", "resource"):
        reasons.append(
            Reason(METHOD_VIEW_POINTS, "class-based view (one function per method)", kind="view")
        )
    reasons.sort(key=lambda r: (-r.points, r.text))
    return dataclasses.replace(route, score=sum(r.points for r in reasons), reasons=tuple(reasons))
