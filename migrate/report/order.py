"""The suggested migration order: least coupled routes first.

1. Lower level first (`levels.level(score)`): trivial, easy, medium, hard.
2. Within a level, read-only JSON endpoints first: only GET (HEAD/OPTIONS
   allowed), a JSON response fact (`jsonify`, a returned dict or list), and no
   write to a context global (a context fact whose data has `access` "write"
   or "delete", or `write: true`). They move with no form, session or
   template work, and a wrong port is easy to see.
3. Routes that run the same set of hooks stay together, so the hook is ported
   (or bridged) once for the lot; groups come in the order of their cheapest
   route.
4. Ties break on score, rule, endpoint, app: the order is deterministic.

Static rules are not migrated and are left out.
"""

from __future__ import annotations

from migrate.model import Fact, Inventory, Route
from migrate.report.levels import level, rank
from migrate.report.rollup import routes_to_migrate

JSON_RESPONSES = frozenset({"jsonify", "dict", "list", "json"})
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
WRITE_ACCESS = frozenset({"write", "delete"})

HookSet = tuple[tuple[str, str, str], ...]


def _is_json_response(fact: Fact) -> bool:
    return fact.kind == "response" and fact.name.rsplit(".", 1)[-1] in JSON_RESPONSES


def _is_context_write(fact: Fact) -> bool:
    if fact.kind != "context":
        return False
    data = dict(fact.data)
    return data.get("write") is True or data.get("access") in WRITE_ACCESS


def is_read_only_json(route: Route) -> bool:
    methods = set(route.methods)
    if "GET" not in methods or not methods <= READ_METHODS:
        return False
    facts = [*route.facts, *(f for d in route.decorators for f in d.facts)]
    return any(_is_json_response(f) for f in facts) and not any(_is_context_write(f) for f in facts)


def hook_set(route: Route) -> HookSet:
    return tuple(sorted({(h.kind, h.scope, h.function) for h in route.hooks}))


def _key(route: Route) -> tuple[int, str, str, str, tuple[str, ...]]:
    return (route.score, route.rule, route.endpoint, route.app, route.methods)


def migration_order(inventory: Inventory) -> list[Route]:
    buckets: dict[tuple[int, int], list[Route]] = {}
    for route in routes_to_migrate(inventory):
        bucket = (rank(level(route.score)), 0 if is_read_only_json(route) else 1)
        buckets.setdefault(bucket, []).append(route)
    ordered: list[Route] = []
    for bucket in sorted(buckets):
        groups: dict[HookSet, list[Route]] = {}
        for route in buckets[bucket]:
            groups.setdefault(hook_set(route), []).append(route)
        for members in groups.values():
            members.sort(key=_key)
        for hooks in sorted(groups, key=lambda h: (_key(groups[h][0]), h)):
            ordered += groups[hooks]
    return ordered
