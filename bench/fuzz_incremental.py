"""A differential fuzz of the one-file short ways of `migrate scan` (issue 7).

Not part of the test suite (it runs for minutes). Run it with the project's
interpreter::

    .venv/bin/python bench/fuzz_incremental.py [SEED] [ROUNDS]

For each oracle fixture app, the sample app and the trees of
`tests/scan/test_incremental.py`, copied to a temporary folder, it applies a
chain of random one-file edits (comment and blank lines, body and constant
edits, duplicated statements, swapped definitions, a value over three lines,
two statements on one line, statements that only bind a name, fresh or taken,
deleted one-line statements, reverts to an earlier version, and now and then two
files at once). After each edit it scans with the cache (`reuse_inventory`, as
`migrate scan` does) and without, and compares the whole inventories. It prints
how many scans took each way; a mismatch is printed with its seed and edit chain
and written to `fuzz_failures_SEED.json` in the temporary folder's parent.
FZ_STEPS=a,b sets the chain length (default 15,30).
"""

from __future__ import annotations

import ast
import io
import itertools
import json
import os
import random
import shutil
import sys
import tempfile
import tokenize
from collections import Counter
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE.parent / "tests" / "scan"))

from speed_trees import SAMPLE, fixture_dirs  # noqa: E402

from migrate.scan import ScanOptions, scan_paths  # noqa: E402
from migrate.scan.pipeline import Stats  # noqa: E402

FIELDS = ("apps", "blueprints", "routes", "findings", "errors", "extensions", "websockets")


def scan(root, cache_dir):
    stats = Stats()
    inv = scan_paths(
        [root],
        ScanOptions(
            jobs=1,
            include_tests=True,
            cache_dir=cache_dir,
            reuse_inventory=cache_dir is not None,
            stats=stats,
        ),
    )
    return inv, stats


def diff(a, b):
    out = []
    for f in FIELDS + ("files_scanned",):
        x, y = getattr(a, f), getattr(b, f)
        if x != y:
            if isinstance(x, tuple):
                xs, ys = [repr(v) for v in x], [repr(v) for v in y]
                out.append(
                    f"  {f}: cached-only={[v for v in xs if v not in ys]}\n"
                    f"        full-only={[v for v in ys if v not in xs]}"
                    + ("\n        (order differs)" if sorted(xs) == sorted(ys) else "")
                )
            else:
                out.append(f"  {f}: {x!r} != {y!r}")
    return "\n".join(out)


def stmts(tree):
    return [n for n in ast.walk(tree) if isinstance(n, ast.stmt)]


def funcs(tree):
    return [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]


def indent_of(line):
    return line[: len(line) - len(line.lstrip())]


def e_insert_comment(rng, text, tree):
    lines = text.splitlines(keepends=True)
    ss = stmts(tree)
    if not ss:
        return None
    s = rng.choice(ss)
    ln = s.lineno - 1
    if hasattr(s, "decorator_list") and s.decorator_list and rng.random() < 0.5:
        ln = min(d.lineno for d in s.decorator_list) - 1 - 1  # before '@' line
    if ln >= len(lines):
        return None
    ind = indent_of(lines[ln])
    new = rng.choice([ind + "# fuzz comment\n", "\n", ind + "# c\n\n"])
    lines.insert(ln, new)
    return "".join(lines), f"insert {new!r} before line {ln + 1}"


def e_delete_blank(rng, text, tree):
    lines = text.splitlines(keepends=True)
    cand = set()
    try:
        toks = list(tokenize.generate_tokens(io.StringIO(text).readline))
    except Exception:
        return None
    byline = {}
    for t in toks:
        byline.setdefault(t.start[0], []).append(t.type)
    for i, _line in enumerate(lines, 1):
        ts = byline.get(i)
        if ts is not None and set(ts) <= {
            tokenize.COMMENT,
            tokenize.NL,
            tokenize.INDENT,
            tokenize.DEDENT,
        }:
            # ensure no multiline token spans onto it
            cand.add(i)
    # drop lines that lie inside a multi-line token
    for t in toks:
        for k in range(t.start[0] + 1, t.end[0] + 1):
            cand.discard(k)
    if not cand:
        return None
    i = rng.choice(sorted(cand))
    removed = lines.pop(i - 1)
    return "".join(lines), f"delete line {i} {removed!r}"


def _into_body(rng, text, tree, first, choices):
    """A statement from `choices` at the start (`first`) or end of a function body."""
    lines = text.splitlines(keepends=True)
    fs = [f for f in funcs(tree) if f.body[0].lineno > f.lineno]
    if not fs:
        return None
    f = rng.choice(fs)
    at = f.body[0] if first else f.body[-1]
    ln = at.lineno - 1 if first else at.end_lineno
    new = " " * at.col_offset + rng.choice(choices) + "\n"
    lines.insert(ln, new)
    where = f"at start of {f.name} (line {ln + 1})" if first else f"to end of {f.name}"
    return "".join(lines), f"{'insert' if first else 'append'} {new!r} {where}"


def e_insert_pass(rng, text, tree):
    return _into_body(rng, text, tree, True, ["pass", "x = 1", "x = 'y'"])


def e_change_const(rng, text, tree):
    lines = text.splitlines(keepends=True)
    cands = []
    for f in funcs(tree):
        skip = set()
        for b in f.body:
            for n in ast.walk(b):
                if isinstance(n, ast.JoinedStr):
                    skip.update(id(c) for c in ast.walk(n))
        for b in f.body:
            for n in ast.walk(b):
                if (
                    isinstance(n, ast.Constant)
                    and id(n) not in skip
                    and n.lineno == n.end_lineno
                    and (type(n.value) is int or type(n.value) is str)
                    and n.value is not True
                ):
                    seg = lines[n.lineno - 1].encode()[n.col_offset : n.end_col_offset].decode()
                    try:
                        if ast.literal_eval(seg) != n.value:
                            continue
                    except Exception:
                        continue
                    cands.append((f.name, n, seg))
    if not cands:
        return None
    name, n, seg = rng.choice(cands)
    if type(n.value) is int:
        rep = repr(n.value + rng.choice([1, -1, 7]))
    else:
        rep = (
            repr(n.value + rng.choice(["x", "/z", ""]))
            if rng.random() < 0.8
            else repr(n.value[:-1])
        )
    b = lines[n.lineno - 1].encode()
    lines[n.lineno - 1] = (b[: n.col_offset] + rep.encode() + b[n.end_col_offset :]).decode()
    return "".join(lines), f"const {seg} -> {rep} in {name} line {n.lineno}"


def e_dup(rng, text, tree):
    lines = text.splitlines(keepends=True)
    simple = (
        ast.Assign,
        ast.Expr,
        ast.Import,
        ast.ImportFrom,
        ast.AugAssign,
        ast.Pass,
        ast.AnnAssign,
    )
    ss = [
        s
        for s in stmts(tree)
        if isinstance(s, simple)
        and s.lineno == s.end_lineno
        and lines[s.lineno - 1].strip().count(";") == 0
        and s.col_offset == len(indent_of(lines[s.lineno - 1]))
    ]
    if not ss:
        return None
    s = rng.choice(ss)
    lines.insert(
        s.lineno,
        lines[s.lineno - 1] if lines[s.lineno - 1].endswith("\n") else lines[s.lineno - 1] + "\n",
    )
    return "".join(lines), f"duplicate line {s.lineno} {lines[s.lineno - 1]!r}"


def e_swap(rng, text, tree):
    lines = text.splitlines(keepends=True)
    body = tree.body
    pairs = [
        (a, b)
        for a, b in itertools.pairwise(body)
        if isinstance(a, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
        and isinstance(b, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
    ]
    if not pairs:
        return None
    a, b = rng.choice(pairs)

    def start(n: Any) -> int:
        return int(min([n.lineno] + [d.lineno for d in n.decorator_list]))

    a0, a1, b0, b1 = start(a) - 1, a.end_lineno, start(b) - 1, b.end_lineno
    A, gap, B = lines[a0:a1], lines[a1:b0], lines[b0:b1]
    if B and not B[-1].endswith("\n"):
        B[-1] += "\n"
    lines[a0:b1] = B + gap + A
    return "".join(lines), f"swap {a.name} and {b.name}"


KINDS = [
    (e_insert_comment, 4),
    (e_delete_blank, 2),
    (e_insert_pass, 3),
    (e_change_const, 3),
    (e_dup, 2),
    (e_swap, 1),
]


def one_edit(rng, text):
    for _ in range(20):
        fn = rng.choices([k for k, _ in KINDS], [w for _, w in KINDS])[0]
        try:
            tree = ast.parse(text)
        except SyntaxError:
            return None
        r = fn(rng, text, tree)
        if r is None:
            continue
        new, desc = r
        if new == text:
            continue
        try:
            ast.parse(new)
        except SyntaxError:
            continue
        return new, desc
    return None


def run_tree(src, seed, steps, counts, failures, work):
    rng = random.Random(seed)
    root = work / "src"
    shutil.copytree(src, root)
    cache = work / "cache"
    pys = sorted(p.relative_to(root).as_posix() for p in root.rglob("*.py"))
    history = {r: [(root / r).read_text()] for r in pys}
    chain = []
    got, st = scan(root, cache)
    for step in range(steps):
        edits = []
        r = rng.random()
        nfiles = 2 if (r < 0.1 and len(pys) > 1) else 1
        for rel in rng.sample(pys, nfiles):
            cur = (root / rel).read_text()
            if rng.random() < 0.12 and len(history[rel]) > 1:
                old = rng.choice(history[rel][:-1])
                if old != cur:
                    edits.append((rel, old, "revert to an earlier version"))
                    continue
            e = one_edit(rng, cur)
            if e:
                edits.append((rel, e[0], e[1]))
        if not edits:
            continue
        for rel, new, desc in edits:
            (root / rel).write_text(new)
            history[rel].append(new)
            chain.append((step, rel, desc))
        got, st = scan(root, cache)
        want, _ = scan(root, None)
        way = (
            st.selection
            if st.selection in ("isolated change", "same link", "inventory cache")
            else "re-linked"
        )
        counts[way] += 1
        if got != want or "the short way failed" in st.incremental:
            failures.append(
                {
                    "seed": seed,
                    "tree": str(src),
                    "chain": list(chain),
                    "why": st.incremental,
                    "way": st.selection,
                    "diff": diff(got, want),
                    "files": {r: (root / r).read_text() for r in pys},
                    "history": dict(history),
                }
            )
            print(
                f"MISMATCH seed={seed} tree={src} step={step} way={st.selection}:"
                f" {st.incremental}\n{diff(got, want)}",
                flush=True,
            )
            return
    return


def main():
    master = int(sys.argv[1]) if len(sys.argv) > 1 else random.SystemRandom().randrange(10**9)
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    print("master seed", master, flush=True)
    extra = Path(tempfile.mkdtemp(prefix="fz_trees"))
    trees = fixture_dirs() + [SAMPLE] + extra_trees(extra) * 4
    counts = Counter()
    failures = []
    mr = random.Random(master)
    for rnd in range(rounds):
        for t in trees:
            seed = mr.randrange(10**9)
            steps = mr.randint(*map(int, os.environ.get("FZ_STEPS", "15,30").split(",")))
            with tempfile.TemporaryDirectory() as d:
                run_tree(t, seed, steps, counts, failures, Path(d))
        print("round", rnd, dict(counts), "failures", len(failures), flush=True)
    out = Path(tempfile.gettempdir()) / f"fuzz_failures_{master}.json"
    out.write_text(json.dumps(failures, indent=1, default=str))
    print("done", dict(counts), "failures", len(failures))


def e_split_value(rng, text, tree):
    lines = text.splitlines(keepends=True)
    ss = [
        s
        for s in stmts(tree)
        if isinstance(s, (ast.Assign, ast.Return, ast.Expr))
        and s.value is not None
        and s.lineno == s.end_lineno
        and s.value.lineno == s.value.end_lineno
    ]
    if not ss:
        return None
    s = rng.choice(ss)
    v = s.value
    b = lines[s.lineno - 1].encode()
    ind = indent_of(lines[s.lineno - 1])
    seg = b[v.col_offset : v.end_col_offset]
    lines[s.lineno - 1] = (
        b[: v.col_offset]
        + b"(\n"
        + (ind + "    ").encode()
        + seg
        + b"\n"
        + ind.encode()
        + b")"
        + b[v.end_col_offset :]
    ).decode()
    return "".join(lines), f"split value of line {s.lineno} over 3 lines"


def e_semicolon(rng, text, tree):
    lines = text.splitlines(keepends=True)
    simple = (ast.Assign, ast.Expr, ast.Pass, ast.AugAssign)
    ss = [s for s in stmts(tree) if isinstance(s, simple) and s.lineno == s.end_lineno]
    if not ss:
        return None
    s = rng.choice(ss)
    b = lines[s.lineno - 1].encode()
    lines[s.lineno - 1] = (b[: s.end_col_offset] + b"; pass" + b[s.end_col_offset :]).decode()
    return "".join(lines), f"'; pass' after line {s.lineno}"


def e_body_import(rng, text, tree):
    return _into_body(rng, text, tree, False, ["import os", "y = len([])", "return None", "z = 2"])


def _identifiers(tree):
    out = set()
    for n in ast.walk(tree):
        if isinstance(n, ast.Name):
            out.add(n.id)
        elif isinstance(n, ast.Attribute):
            out.add(n.attr)
        elif isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            out.add(n.name)
        elif isinstance(n, ast.arg):
            out.add(n.arg)
        elif isinstance(n, ast.alias):
            out.add((n.asname or n.name).split(".")[0])
    return sorted(out)


def e_bind(rng, text, tree):
    """A statement that only binds a name, before any statement (class bodies too): a
    fresh name (the short way may take it), or one the tree already uses (it must not)."""
    lines = text.splitlines(keepends=True)
    ss = [s for s in stmts(tree) if s.col_offset == len(indent_of(lines[s.lineno - 1]))]
    if not ss:
        return None
    s = rng.choice(ss)
    ln = min([s.lineno] + [d.lineno for d in getattr(s, "decorator_list", [])]) - 1
    taken = _identifiers(tree) + ["app", "bp", "request", "os", "flask", "methods", "__all__"]
    name = f"_fz{rng.randrange(1000)}" if rng.random() < 0.6 else rng.choice(taken)
    new = rng.choice(
        [
            f"{name} = 1",
            f"{name} = ['x', {{'k': (2, None)}}, f'v']",
            f"{name}, _fz_b = 'a', 'b'",
            f"import json as {name}",
            f"from os import path as {name}",
            f"import {name}",
            '"""a docstring"""',
            "...",
            f"{name} = lambda: {name}",
        ]
    )
    lines.insert(ln, indent_of(lines[s.lineno - 1]) + new + "\n")
    return "".join(lines), f"insert {new!r} before line {ln + 1}"


def e_drop(rng, text, tree):
    """Delete a one-line assignment, import or expression that has a sibling."""
    lines = text.splitlines(keepends=True)
    simple = (ast.Assign, ast.Expr, ast.Import, ast.ImportFrom, ast.AnnAssign)
    ss = []
    for n in ast.walk(tree):
        for field in ("body", "orelse", "finalbody"):
            body = getattr(n, field, None)
            if isinstance(body, list) and len(body) > 1:
                ss += [
                    s
                    for s in body
                    if isinstance(s, simple)
                    and s.lineno == s.end_lineno
                    and ";" not in lines[s.lineno - 1]
                ]
    if not ss:
        return None
    s = rng.choice(ss)
    removed = lines.pop(s.lineno - 1)
    return "".join(lines), f"delete line {s.lineno} {removed!r}"


KINDS.extend([(e_split_value, 1), (e_semicolon, 1), (e_body_import, 2), (e_bind, 4), (e_drop, 2)])


def extra_trees(base):
    import test_incremental as T

    trees = {"TREE": T.TREE, "LINKED_TREE": T.LINKED_TREE}
    init = T.SIFTED_TREE["portal/__init__.py"].replace("PICK", "is_blueprint")
    trees["SIFTED_TREE"] = {**T.SIFTED_TREE, "portal/__init__.py": init}  # CKAN's loop
    for k, (files, _) in T.REVIEWED.items():
        trees["REVIEWED_" + k.replace(" ", "_").replace(",", "")] = files
    out = []
    import textwrap

    for name, files in trees.items():
        d = base / name
        for rel, text in files.items():
            p = d / rel
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_text(textwrap.dedent(text).lstrip("\n"))
        out.append(d)
    return out


if __name__ == "__main__":
    main()
