"""`--format sarif`: SARIF 2.1.0, one run, so findings and readiness blockers
show in code-scanning UIs (GitHub code scanning, VS Code's SARIF viewer).

Rules: one per finding code (`dynamic-rule`, ...), one for files that could not
be scanned (`file-error`), and one per readiness category
(`readiness/context`, ...). Results: every finding (info -> note, warning ->
warning, error -> error), every file error, and each blocker (a reason worth
`BLOCKER_POINTS` or more, or a websocket fact) once per place, naming every
route it holds back (`note`, or `warning` from `WARNING_POINTS` on).

Locations are relative to the scanned root under `uriBaseId` `%SRCROOT%`; scan
the repository root (`migrate scan .`) for paths that code scanning matches to
the checkout.
"""

from __future__ import annotations

import functools
import json
from importlib import metadata
from typing import Any
from urllib.parse import quote

from migrate import __version__
from migrate.model import Inventory
from migrate.report.levels import WARNING_POINTS
from migrate.report.rollup import CATEGORIES, Blocker, blockers

SCHEMA_URI = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
SRCROOT = "%SRCROOT%"
DIST = "wsgi2asgi"
FALLBACK_HOME = f"https://pypi.org/project/{DIST}/"
MAX_ENDPOINTS = 5  # endpoints named in a blocker's message; properties list them all

# Finding codes the scan emits (README, "Finding codes"); codes seen in an
# inventory but missing here still get a rule.
FINDING_CODES: dict[str, str] = {
    "dynamic-rule": "A rule, endpoint or methods value is not known statically",
    "unresolved-receiver": "A routing call on an object the scan cannot follow",
    "unresolved-blueprint": "A blueprint the scan cannot resolve",
    "unregistered-blueprint": "A blueprint that is never registered",
    "unresolved-member": "Module members whose type the scan cannot know, left out",
    "custom-registration": "A Blueprint subclass that overrides its registration",
    "route-in-loop": "Routes added in a loop over literal values (unrolled)",
    "env-default": "An environment variable read as unset",
    "internal-error": "A scanner defect; the scan went on",
    "file-error": "A file that could not be read, decoded or parsed",
}
SEVERITY_LEVELS = {"info": "note", "warning": "warning", "error": "error"}


@functools.cache
def home_url() -> str:
    """The project's documentation URL from its package metadata (Project-URL
    `Documentation` or `Homepage`), else its PyPI page."""
    try:
        urls = metadata.metadata(DIST).get_all("Project-URL") or []
    except metadata.PackageNotFoundError:
        urls = []
    found = dict(u.split(", ", 1) for u in urls if ", " in u)
    return found.get("Documentation") or found.get("Homepage") or FALLBACK_HOME


def _help(anchor: str) -> str:
    return f"{home_url().split('#', 1)[0]}#{anchor}"


def _location(file: str, line: int) -> dict[str, Any]:
    return {
        "physicalLocation": {
            "artifactLocation": {"uri": quote(file), "uriBaseId": SRCROOT},
            "region": {"startLine": max(line, 1)},
        }
    }


def _rule(rule_id: str, text: str, anchor: str, default: str) -> dict[str, Any]:
    return {
        "id": rule_id,
        "name": "".join(part.capitalize() for part in rule_id.replace("/", "-").split("-")),
        "shortDescription": {"text": text},
        "helpUri": _help(anchor),
        "defaultConfiguration": {"level": default},
    }


def _rules(inventory: Inventory) -> list[dict[str, Any]]:
    codes = dict(FINDING_CODES)
    for finding in inventory.findings:
        codes.setdefault(finding.code, f"Scan finding {finding.code}")
    categories = dict(CATEGORIES)
    for blocker in blockers(inventory.routes):
        categories.setdefault(blocker.category, f"Readiness: {blocker.category}")
    rules = [_rule(code, text, "finding-codes", "warning") for code, text in sorted(codes.items())]
    rules += [
        _rule(f"readiness/{name}", text, "readiness-categories", "note")
        for name, text in sorted(categories.items())
    ]
    return rules


def _blocker_result(blocker: Blocker) -> dict[str, Any]:
    routes = ", ".join(blocker.endpoints[:MAX_ENDPOINTS])
    if len(blocker.endpoints) > MAX_ENDPOINTS:
        routes += f" and {len(blocker.endpoints) - MAX_ENDPOINTS} more"
    severe = blocker.points >= WARNING_POINTS or blocker.category == "websocket"
    return {
        "ruleId": f"readiness/{blocker.category}",
        "level": "warning" if severe else "note",
        "message": {"text": f"{blocker.text} (+{blocker.points}; holds back {routes})"},
        "locations": [_location(blocker.file, blocker.line)],
        "properties": {"points": blocker.points, "endpoints": list(blocker.endpoints)},
    }


def as_dict(inventory: Inventory) -> dict[str, Any]:
    rules = _rules(inventory)
    index = {rule["id"]: i for i, rule in enumerate(rules)}
    results: list[dict[str, Any]] = []
    for f in inventory.findings:
        results.append(
            {
                "ruleId": f.code,
                "level": SEVERITY_LEVELS.get(f.severity, "warning"),
                "message": {"text": f.message},
                "locations": [_location(f.file, f.line)],
            }
        )
    for e in inventory.errors:
        results.append(
            {
                "ruleId": "file-error",
                "level": "warning",
                "message": {"text": f"not scanned: {e.reason}"},
                "locations": [_location(e.file, e.line)],
            }
        )
    results += [_blocker_result(b) for b in blockers(inventory.routes)]
    for result in results:
        result["ruleIndex"] = index[result["ruleId"]]
    run = {
        "tool": {
            "driver": {
                "name": DIST,
                "version": __version__,
                "semanticVersion": __version__,
                "informationUri": home_url(),
                "rules": rules,
            }
        },
        "columnKind": "unicodeCodePoints",
        "results": results,
        "properties": {"root": inventory.root, "routes": len(inventory.routes)},
    }
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def render(inventory: Inventory, color: bool = False) -> str:
    return json.dumps(as_dict(inventory), indent=2) + "\n"
