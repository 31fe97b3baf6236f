"""Fuzzy matching of a plate read to the registered plates.

OCR confuses glyph pairs (0/D, 8/B, 2/Z ...). A substitution inside such a pair costs less
than an arbitrary one, so a read that is off by a typical confusion still finds its owner,
while two different registered plates at the same distance give no match: telling the wrong
owner is worse than telling the volunteer.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from models.plates.validate import normalize_plate

CONFUSION_PAIRS = (
    ("0", "D"),
    ("0", "Q"),
    ("D", "Q"),
    ("8", "B"),
    ("1", "I"),
    ("1", "T"),
    ("1", "L"),
    ("2", "Z"),
    ("5", "S"),
    ("6", "G"),
    ("4", "A"),
    ("7", "T"),
    ("3", "B"),
    ("0", "U"),
    ("C", "G"),
    ("E", "F"),
    ("H", "N"),
    ("M", "N"),
    ("U", "V"),
    ("K", "X"),
)
CONFUSION_COST = 0.4
EDIT_COST = 1.0
DEFAULT_MAX_DISTANCE = 1.0

_CONFUSABLE = {frozenset(p) for p in CONFUSION_PAIRS}
# Plates never carry I or O; an OCR that emits them means 1 and 0.
_CANONICAL = str.maketrans({"I": "1", "O": "0"})


@dataclass(frozen=True)
class PlateMatch:
    plate: str
    distance: float


def canonical(text: str) -> str:
    return normalize_plate(text).translate(_CANONICAL)


def substitution_cost(a: str, b: str) -> float:
    if a == b:
        return 0.0
    if frozenset((a, b)) in _CONFUSABLE:
        return CONFUSION_COST
    return EDIT_COST


def plate_distance(a: str, b: str) -> float:
    """Weighted Levenshtein distance between two plates after canonicalisation."""
    a, b = canonical(a), canonical(b)
    prev = [j * EDIT_COST for j in range(len(b) + 1)]
    for i, ca in enumerate(a, 1):
        cur = [i * EDIT_COST]
        for j, cb in enumerate(b, 1):
            cur.append(
                min(
                    prev[j] + EDIT_COST,
                    cur[j - 1] + EDIT_COST,
                    prev[j - 1] + substitution_cost(ca, cb),
                )
            )
        prev = cur
    return round(prev[-1], 6)


def match_plate(
    read: str, registered: Iterable[str], max_distance: float = DEFAULT_MAX_DISTANCE
) -> PlateMatch | None:
    """The registered plate closest to `read`, or None when none is close or two tie."""
    best: PlateMatch | None = None
    tied = False
    for plate in registered:
        d = plate_distance(read, plate)
        if d > max_distance:
            continue
        if best is None or d < best.distance:
            best, tied = PlateMatch(plate, d), False
        elif d == best.distance and canonical(plate) != canonical(best.plate):
            tied = True
    if best is None or tied:
        return None
    return best


# A trusted read that is this close to a second registered plate is not phoned: one misread
# character would be enough to name the other owner.
NEIGHBOUR_DISTANCE = 1.0


@dataclass(frozen=True)
class OwnerMatch:
    """Whose car a read names, or why nobody is phoned.

    ``plate`` is set only when the owner may be phoned. Otherwise ``candidates`` lists the
    registered plates the read could be (closest first) for the volunteer to check against
    the car, and ``reason`` says why: "unread", "untrusted", "not_registered", "near_miss"
    (a fuzzy match only), "neighbour" (a second registered plate is one character away).
    """

    plate: str | None
    reason: str
    candidates: tuple[str, ...] = ()


def owner_match(read: str, trusted: bool, registered: Iterable[str],
                max_distance: float = DEFAULT_MAX_DISTANCE) -> OwnerMatch:
    """Phone an owner only for a trusted read equal to exactly one registered plate with no
    other registered plate within NEIGHBOUR_DISTANCE; a fuzzy match never phones anyone.

    Calling the wrong owner is worse than asking the volunteer, so every doubt goes to the
    volunteer, with the candidates.
    """
    text = canonical(read)
    if not text:
        return OwnerMatch(None, "unread")
    near = sorted((plate_distance(text, p), p) for p in registered)
    near = [(d, p) for d, p in near if d <= max(max_distance, NEIGHBOUR_DISTANCE)]
    candidates = tuple(dict.fromkeys(p for _d, p in near))
    exact = [p for d, p in near if d == 0]
    if not trusted:
        return OwnerMatch(None, "untrusted", candidates)
    if not exact:
        return OwnerMatch(None, "near_miss" if candidates else "not_registered", candidates)
    others = {canonical(p) for d, p in near if d > 0}
    if others:
        return OwnerMatch(None, "neighbour", candidates)
    return OwnerMatch(exact[0], "trusted", candidates)
