"""What the detectors can see of a file once comment and blank lines between
statements are set aside: its layout (issue 7, the same-link short way).

The detectors (`migrate/scan/detectors/`) read a file's libcst tree: the kinds
and names of its nodes, the text of expressions (`Context.code`), and the line
of each statement and decorator. None reads a comment. So when two versions of
a file differ only in whole comment lines and blank lines outside brackets,
every statement has the same tokens and the same text, and only its first line
moves: the new file's detector output is the old one with lines renamed, and
the same-link rule can keep it without parsing the file with libcst (which,
with its import, is most of the cost of such a re-scan).

`layout` proves that from bytes, with CPython's `tokenize`: a digest of every
token but the comments and line breaks outside brackets, each token with its
place relative to the first line of its logical line (so a comment or a line
break inside an expression, a backslash continuation, a moved token all
change it), and the span of each logical line. Equal digests mean the files
differ only in the lines set aside; `line_map` then pairs the spans.
`tests/scan/test_layout.py` checks the claim against the detectors themselves.
"""

from __future__ import annotations

import hashlib
import io
import tokenize

Layout = tuple[str, tuple[tuple[int, int], ...]]  # digest, (first, last) line of each logical line

_OPEN, _CLOSE = frozenset("([{"), frozenset(")]}")
_SET_ASIDE = frozenset({tokenize.COMMENT, tokenize.NL})


def layout(data: bytes) -> Layout | None:
    """The file's layout, or None when CPython's tokenizer rejects it."""
    digest = hashlib.sha256()
    spans: list[tuple[int, int]] = []
    depth = 0
    first = 0  # first line of the logical line being read; 0 between them
    try:
        for tok in tokenize.tokenize(io.BytesIO(data).readline):
            if tok.type == tokenize.ENCODING:  # a coding line changes every token
                digest.update(tok.string.encode() + b"\0")
                continue
            if depth == 0 and tok.type in _SET_ASIDE:
                continue
            if tok.type == tokenize.OP:
                depth += tok.string in _OPEN
                depth -= tok.string in _CLOSE
            if not first:
                first = tok.start[0]
            (row, col), (end_row, end_col) = tok.start, tok.end
            place = f"{row - first}\0{col}\0{end_row - first}\0{end_col}"
            digest.update(f"{tok.type}\0{tok.string}\0{place}\n".encode())
            if tok.type in (tokenize.NEWLINE, tokenize.ENDMARKER):
                spans.append((first, end_row))
                first = 0
    except (tokenize.TokenError, SyntaxError, ValueError):  # ValueError: a bad coding line
        return None
    return digest.hexdigest(), tuple(spans)


def line_map(old: Layout, new: Layout) -> dict[int, int] | None:
    """Old line -> new line for every line of a logical line, when the layouts are
    the same but for where their logical lines start; else None."""
    if old[0] != new[0] or len(old[1]) != len(new[1]):
        return None
    lines: dict[int, int] = {}
    for (first, last), (moved, _) in zip(old[1], new[1], strict=True):
        for line in range(first, last + 1):
            lines[line] = moved + line - first
    return lines
