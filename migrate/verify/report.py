"""The parity report: a per-endpoint table, the first differences, or JSON for CI.

Rows are (endpoint, method): every migrated endpoint (with zero requests when the
request set never reaches it, which is a coverage gap worth seeing) and every
endpoint a compared request reached.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from typing import Any

from migrate import __version__
from migrate.verify.replay import Outcome, VerifyResult

__all__ = ["Row", "render_json", "render_table", "rows", "to_json"]

SCHEMA_VERSION = 1
TABLE_DIFF_LINES = 16  # of each unified diff in the table; JSON has it whole


@dataclass
class Row:
    endpoint: str
    method: str
    requests: int = 0
    identical: int = 0
    differing: int = 0
    skipped: int = 0

    @property
    def verdict(self) -> str:
        if self.differing:
            return "DIFFERS"
        if self.identical:
            return "identical"
        return "skipped" if self.skipped else "no requests"


def rows(result: VerifyResult) -> list[Row]:
    table: dict[tuple[str, str], Row] = {}
    for migration in result.migrations:
        table.setdefault(migration.key, Row(*migration.key))
    for outcome in result.outcomes:
        if outcome.status == "not_migrated":
            continue
        row = table.setdefault(
            (outcome.endpoint, outcome.method), Row(outcome.endpoint, outcome.method)
        )
        row.requests += 1
        if outcome.status == "identical":
            row.identical += 1
        elif outcome.status == "differing":
            row.differing += 1
        else:
            row.skipped += 1
    return sorted(table.values(), key=lambda r: (r.endpoint, r.method))


def not_migrated(result: VerifyResult) -> Counter[tuple[str, str]]:
    """(method, endpoint) -> requests; a request no Flask rule takes is named by its path."""
    return Counter(
        (o.method, f"{o.request.path} {o.endpoint}" if o.endpoint.startswith("<") else o.endpoint)
        for o in result.outcomes
        if o.status == "not_migrated"
    )


def render_table(result: VerifyResult, *, max_diffs: int = 3) -> str:
    table = rows(result)
    compared = sum(r.identical + r.differing for r in table)
    others = not_migrated(result)
    lines = [
        f"{len(result.outcomes)} requests: {compared} compared, "
        f"{sum(r.skipped for r in table)} skipped, "
        f"{sum(others.values())} not migrated (Flask serves them either way)",
        "",
    ]
    headers = ("endpoint", "method", "requests", "identical", "differing", "skipped", "")
    cells = [headers] + [
        (
            r.endpoint,
            r.method,
            str(r.requests),
            str(r.identical),
            str(r.differing),
            str(r.skipped),
            r.verdict,
        )
        for r in table
    ]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    for row in cells:
        parts = [
            cell.ljust(widths[i]) if i < 2 or i == len(row) - 1 else cell.rjust(widths[i])
            for i, cell in enumerate(row)
        ]
        lines.append("  ".join(parts).rstrip())
    if others:
        listed = ", ".join(f"{m} {name} ({n})" for (m, name), n in sorted(others.items()))
        lines += ["", f"not migrated: {listed}"]
    for orphan in result.orphans:
        lines.append(f"note: native route {orphan} replaces no rule of the legacy app")
    skipped = [o for o in result.outcomes if o.status == "skipped"]
    for reason, count in sorted(Counter(o.reason for o in skipped).items()):
        lines.append(f"skipped {count}: {reason}")
    differing = result.differing
    if differing:
        shown = differing[:max_diffs]
        lines += ["", f"first differences ({len(shown)} of {len(differing)}):"]
        for number, outcome in enumerate(shown, 1):
            lines += ["", *_difference_lines(number, outcome)]
    bad = [r for r in table if r.differing]
    lines += [
        "",
        f"{len(bad)} of {len(table)} migrated endpoints differ"
        if bad
        else f"parity: all {len(table)} migrated endpoints identical on {compared} requests",
    ]
    return "\n".join(lines) + "\n"


def _difference_lines(number: int, outcome: Outcome) -> list[str]:
    request = outcome.request
    label = f", {request.label}" if request.label else ""
    lines = [f"{number}. {request.method} {request.target}  [{outcome.endpoint}{label}]"]
    assert outcome.comparison is not None
    lines += [f"   {difference}" for difference in outcome.comparison.differences]
    diff = outcome.comparison.diff.splitlines()
    if len(diff) > TABLE_DIFF_LINES:
        diff = [*diff[:TABLE_DIFF_LINES], f"... ({len(diff) - TABLE_DIFF_LINES} more lines)"]
    return lines + [f"   {line}" for line in diff]


def to_json(result: VerifyResult) -> dict[str, Any]:
    table = rows(result)
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": f"wsgi2asgi {__version__}",
        "isolated": result.isolated,
        "summary": {
            "requests": len(result.outcomes),
            "compared": sum(r.identical + r.differing for r in table),
            "identical": sum(r.identical for r in table),
            "differing": sum(r.differing for r in table),
            "skipped": sum(r.skipped for r in table),
            "not_migrated": sum(not_migrated(result).values()),
            "endpoints_differing": sum(1 for r in table if r.differing),
        },
        "endpoints": [
            {
                "endpoint": r.endpoint,
                "method": r.method,
                "requests": r.requests,
                "identical": r.identical,
                "differing": r.differing,
                "skipped": r.skipped,
            }
            for r in table
        ],
        "not_migrated": [
            {"endpoint": name, "method": method, "requests": n}
            for (method, name), n in sorted(not_migrated(result).items())
        ],
        "orphan_native_routes": result.orphans,
        "skipped": [
            {"request": o.request.to_dict(), "reason": o.reason}
            for o in result.outcomes
            if o.status == "skipped"
        ],
        "differences": [_difference_json(o) for o in result.differing],
    }


def _difference_json(outcome: Outcome) -> dict[str, Any]:
    assert outcome.comparison is not None
    return {
        "endpoint": outcome.endpoint,
        "method": outcome.method,
        "request": outcome.request.to_dict(),
        "legacy_status": outcome.statuses[0],
        "native_status": outcome.statuses[1],
        "differences": [
            {"where": d.where, "legacy": d.legacy, "native": d.native}
            for d in outcome.comparison.differences
        ],
        "diff": outcome.comparison.diff,
    }


def render_json(result: VerifyResult) -> str:
    return json.dumps(to_json(result), indent=2) + "\n"
