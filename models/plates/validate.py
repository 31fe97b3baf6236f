"""GA 36-2018 plate validation.

`validate_plate` answers with the plate kind or a reason. Reasons are English msgids that the
appliance translates; they are listed in REASONS so the translation catalogue can be checked.
Embassy (使) and consulate (领) plates are never rejected: their formats are outside the
civilian standard, so a person looks at them (manual_review).
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"  # I and O are never issued: they read as 1 and 0
DIGITS = "0123456789"
SERIAL = LETTERS + DIGITS
SMALL_NEW_ENERGY_THIRD = "DABCEFGHJK"
LARGE_NEW_ENERGY_LAST = "DF"
SPECIAL_SUFFIXES = {"警": "police", "学": "coach", "挂": "trailer"}
REGION_SUFFIXES = {"港": "hong_kong", "澳": "macau"}
REVIEW_MARKS = {"使": "embassy", "领": "consulate"}

# Kinds, in the order a UI would list them.
KINDS = (
    "ordinary",
    "new_energy_small",
    "new_energy_large",
    "police",
    "coach",
    "trailer",
    "hong_kong",
    "macau",
    "embassy",
    "consulate",
)

R_EMPTY = "The plate is empty."
R_NO_PROVINCE = "A plate starts with a province abbreviation such as 京 or 粤."
R_BAD_PROVINCE = "The first character is not a province abbreviation."
R_I_O = "Plates never contain the letters I or O."
R_AUTHORITY = "The second character must be a letter (A-Z without I and O)."
R_BAD_CHAR = "The plate contains a character that plates do not use."
R_LENGTH = "A plate has 7 characters, or 8 for a new-energy plate."
R_SERIAL = "The last five characters must be letters (not I or O) or digits."
R_NEW_ENERGY = "An 8-character plate must follow the new-energy pattern."
R_SPECIAL = "A 警, 学 or 挂 plate has a province, a letter, four letters or digits and the mark."
R_REGION = "A 港 or 澳 plate starts with 粤Z, then four letters or digits and the mark."

REASONS = (
    R_EMPTY,
    R_NO_PROVINCE,
    R_BAD_PROVINCE,
    R_I_O,
    R_AUTHORITY,
    R_BAD_CHAR,
    R_LENGTH,
    R_SERIAL,
    R_NEW_ENERGY,
    R_SPECIAL,
    R_REGION,
)

_ALLOWED = set(PROVINCES + SERIAL + "IO" + "".join(SPECIAL_SUFFIXES) + "".join(REGION_SUFFIXES))
_SEPARATORS = re.compile(r"[\s·•・\-_.]+")


@dataclass(frozen=True)
class PlateCheck:
    valid: bool
    kind: str | None
    reason: str | None
    manual_review: bool = False


def normalize_plate(text: str) -> str:
    """Upper-case, half-width, without the spaces and dots people type between groups."""
    text = unicodedata.normalize("NFKC", text or "")
    return _SEPARATORS.sub("", text).upper()


def _ok(kind: str) -> PlateCheck:
    return PlateCheck(True, kind, None, False)


def _bad(reason: str) -> PlateCheck:
    return PlateCheck(False, None, reason, False)


def _serial_reason(chars: str) -> str:
    if any(c in "IO" for c in chars):
        return R_I_O
    return R_SERIAL


def validate_plate(text: str) -> PlateCheck:
    """Check one plate against GA 36-2018 as DESIGN.md states it."""
    plate = normalize_plate(text)
    if not plate:
        return _bad(R_EMPTY)
    for mark, kind in REVIEW_MARKS.items():
        if mark in plate:
            return PlateCheck(True, kind, None, True)
    if any(c not in _ALLOWED for c in plate):
        first = plate[0]
        if first not in PROVINCES and not first.isascii():
            return _bad(R_BAD_PROVINCE)
        return _bad(R_BAD_CHAR)
    first = plate[0]
    if first not in PROVINCES:
        return _bad(R_NO_PROVINCE if first.isascii() else R_BAD_PROVINCE)
    if len(plate) < 2:
        return _bad(R_LENGTH)
    authority = plate[1]
    if authority in "IO":
        return _bad(R_I_O)
    if authority not in LETTERS:
        return _bad(R_AUTHORITY)

    last = plate[-1]
    if last in REGION_SUFFIXES:
        body = plate[2:-1]
        if plate[:2] != "粤Z" or len(plate) != 7:
            return _bad(R_REGION)
        if any(c not in SERIAL for c in body):
            return _bad(_serial_reason(body) if any(c in "IO" for c in body) else R_REGION)
        return _ok(REGION_SUFFIXES[last])
    if last in SPECIAL_SUFFIXES:
        body = plate[2:-1]
        if len(plate) != 7:
            return _bad(R_SPECIAL)
        if any(c not in SERIAL for c in body):
            return _bad(R_I_O if any(c in "IO" for c in body) else R_SPECIAL)
        return _ok(SPECIAL_SUFFIXES[last])
    if any(c in SPECIAL_SUFFIXES or c in REGION_SUFFIXES for c in plate):
        # A mark anywhere but at the end.
        return _bad(R_BAD_CHAR)

    if len(plate) == 7:
        serial = plate[2:]
        if all(c in SERIAL for c in serial):
            return _ok("ordinary")
        return _bad(_serial_reason(serial))
    if len(plate) == 8:
        rest = plate[2:]
        if any(c in "IO" for c in rest):
            return _bad(R_I_O)
        if (
            rest[0] in SMALL_NEW_ENERGY_THIRD
            and rest[1] in SERIAL
            and all(c in DIGITS for c in rest[2:])
        ):
            return _ok("new_energy_small")
        if all(c in DIGITS for c in rest[:5]) and rest[5] in LARGE_NEW_ENERGY_LAST:
            return _ok("new_energy_large")
        return _bad(R_NEW_ENERGY)
    return _bad(R_LENGTH)
