"""Ground truth for the scanner: what ``app.url_map`` holds at runtime.

``runtime_url_map`` imports a Flask app in a child interpreter (so nothing the
fixture does at import time leaks into the test process) and lists its rules.
``static_inventory`` runs the static scanner over the same tree. Both return
the same shape, a set of ``(rule, methods, endpoint)`` triples, where
``methods`` is sorted and leaves out the methods Flask adds on its own
(``HEAD`` and ``OPTIONS``), so the two sides can be compared with ``==``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

Triple = tuple[str, tuple[str, ...], str]

AUTOMATIC_METHODS = frozenset({"HEAD", "OPTIONS"})

# Printed before the JSON so that anything the app itself prints on stdout
# while it is imported cannot be mistaken for the answer.
_MARKER = "@@wsgi2asgi-oracle@@"

_CHILD = r"""
import importlib
import json
import sys

marker, spec = sys.argv[1], sys.argv[2]
module_name, _, target = spec.partition(":")
module = importlib.import_module(module_name)
call = target.endswith("()")
obj = module
for part in target[:-2 if call else None].split("."):
    obj = getattr(obj, part)
app = obj() if call else obj
url_map = getattr(app, "url_map", None)
if url_map is None:
    raise SystemExit(f"{spec} is {type(app).__name__}, not a Flask app (no url_map)")
rules = [
    [rule.rule, sorted(rule.methods or ()), rule.endpoint]
    for rule in url_map.iter_rules()
]
sys.stdout.write("\n" + marker + json.dumps(rules) + "\n")
"""


class OracleError(RuntimeError):
    """The app could not be imported or did not yield a url_map."""


def _triple(rule: str, methods: Iterable[str], endpoint: str) -> Triple:
    return (rule, tuple(sorted(set(methods) - AUTOMATIC_METHODS)), endpoint)


def runtime_url_map(
    root: Path | str,
    spec: str,
    *,
    env: dict[str, str] | None = None,
    timeout: float = 60,
) -> set[Triple]:
    """Import the app named by ``spec`` from ``root`` and return its rules.

    ``spec`` is ``"module:attr"`` or ``"module:factory()"`` (called without
    arguments). The import runs in a subprocess with ``cwd=root`` and
    ``PYTHONPATH=root``; ``env`` adds or overrides environment variables.
    """
    root = Path(root).resolve()
    spec = spec.strip()
    module_name, sep, target = spec.partition(":")
    if not sep or not module_name or not target:
        raise ValueError(f"app spec must be 'module:attr' or 'module:factory()', got {spec!r}")

    child_env = {k: v for k, v in os.environ.items() if not k.startswith("FLASK_")}
    child_env.update(
        PYTHONPATH=str(root),
        PYTHONDONTWRITEBYTECODE="1",  # keep __pycache__ out of the fixtures
        PYTHONWARNINGS="ignore",
        PYTHONIOENCODING="utf-8",
    )
    if env:
        child_env.update(env)

    try:
        proc = subprocess.run(
            [sys.executable, "-c", _CHILD, _MARKER, spec],
            cwd=root,
            env=child_env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired as exc:
        raise OracleError(f"importing {spec} from {root} took longer than {timeout}s") from exc

    if proc.returncode != 0:
        raise OracleError(
            f"could not load {spec} from {root} (exit {proc.returncode}):\n"
            f"--- stderr ---\n{proc.stderr.rstrip()}\n"
            f"--- stdout ---\n{proc.stdout.rstrip()}"
        )
    payload = None
    for line in proc.stdout.splitlines():
        if line.startswith(_MARKER):
            payload = line[len(_MARKER) :]
    if payload is None:
        raise OracleError(
            f"no url_map dump from {spec} in {root}:\n"
            f"--- stderr ---\n{proc.stderr.rstrip()}\n"
            f"--- stdout ---\n{proc.stdout.rstrip()}"
        )
    return {_triple(rule, methods, endpoint) for rule, methods, endpoint in json.loads(payload)}


def static_inventory(root: Path | str, app: str | None = None) -> set[Triple]:
    """Scan ``root`` with the static scanner and return its routes as triples.

    ``app`` keeps only the routes whose ``Route.app`` equals it (for trees that
    hold more than one Flask app).
    """
    from migrate.scan import scan_paths

    inv = scan_paths([Path(root)])
    return {
        _triple(r.rule, r.methods, r.endpoint) for r in inv.routes if app is None or r.app == app
    }


def format_diff(expected: set[Triple], actual: set[Triple], *, label: str = "") -> str:
    """A readable account of how ``actual`` (static) differs from ``expected`` (runtime)."""

    def fmt(t: Triple) -> str:
        rule, methods, endpoint = t
        return f"    {rule:<40} {','.join(methods) or '-':<22} {endpoint}"

    missing = sorted(expected - actual)
    extra = sorted(actual - expected)
    lines = [f"static scan differs from runtime url_map{f' for {label}' if label else ''}:"]
    if missing:
        lines.append(f"  missing (at runtime, not found by the scan): {len(missing)}")
        lines.extend(fmt(t) for t in missing)
    if extra:
        lines.append(f"  extra (found by the scan, not at runtime): {len(extra)}")
        lines.extend(fmt(t) for t in extra)
    lines.append(f"  matching: {len(expected & actual)}")
    return "\n".join(lines)


if __name__ == "__main__":  # pragma: no cover - a debugging aid
    # python tests/oracle.py ROOT SPEC  -> prints the runtime triples
    for triple in sorted(runtime_url_map(Path(sys.argv[1]), sys.argv[2])):
        print(triple)
