"""Difficulty levels: the word every report shows beside a route's score.

A route's score is the sum of its reasons' points (`migrate.readiness`). The
levels cut that number into four words a reviewer can act on; `--fail-on LEVEL`
uses the same cut. A reason worth `BLOCKER_POINTS` or more on its own is a
*blocker*: the markdown report lists it with file:line and SARIF reports it as
a result (a `warning` from `WARNING_POINTS` on, a `note` below).

    level(0) == "trivial"; level(5) == "easy"; level(9) == "medium"; level(20) == "hard"
"""

from __future__ import annotations

# (lowest score, word), in increasing order; a score belongs to the last row it reaches.
THRESHOLDS: tuple[tuple[int, str], ...] = ((0, "trivial"), (3, "easy"), (7, "medium"), (13, "hard"))
LEVELS: tuple[str, ...] = tuple(word for _, word in THRESHOLDS)

BLOCKER_POINTS = 3
WARNING_POINTS = 5


def level(score: int) -> str:
    """The level word of a score; negative scores count as 0."""
    word = THRESHOLDS[0][1]
    for low, name in THRESHOLDS:
        if score >= low:
            word = name
    return word


def rank(word: str) -> int:
    """Position of a level word in `LEVELS` (ValueError for an unknown word)."""
    return LEVELS.index(word)


def floor(word: str) -> int:
    """The lowest score at `word`: `floor("medium") == 7`."""
    return THRESHOLDS[rank(word)][0]


def ranges() -> dict[str, tuple[int, int | None]]:
    """Each level's inclusive score range; the last one has no upper bound."""
    bounds: dict[str, tuple[int, int | None]] = {}
    for index, (low, word) in enumerate(THRESHOLDS):
        high = THRESHOLDS[index + 1][0] - 1 if index + 1 < len(THRESHOLDS) else None
        bounds[word] = (low, high)
    return bounds
