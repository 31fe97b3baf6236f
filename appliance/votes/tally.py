"""The art. 278 count (民法典 第二百七十八条), in exact integers.

Quorum: owners holding at least 2/3 of the exclusive area AND at least 2/3 of the owners take
part. Items 6-8 (raise repair funds, rebuild, change the use of common parts) pass with at least
3/4 of the participating area AND of the participating owners; every other item with strictly
more than 1/2 of both. "以上" includes the bound (art. 1259), "过半数" does not.

Areas are integer hundredths of a square metre; ratios are kept as the two integers they are
made of (``Ratio``), so a printed "n/d" can be checked by hand against the roll and the
ballots, and no comparison ever goes through a float.

Owners: one owner counts once, with the areas of all their units in scope added; an owner's
ballot on a matter covers all their units. Abstentions and invalid ballots count as
participation, not approval.

The counting rule "non-voters count with the majority" (未投票视为同意多数) is computed only on
request (``silent=True``) and only where the caller has checked the delivery records: voters'
majority is the choice with more than half of both the participating area and owners; the
non-voters join it (and so take part). Without such a majority they stay out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from fractions import Fraction

YES, NO, ABSTAIN, INVALID = "yes", "no", "abstain", "invalid"
CHOICES = (YES, NO, ABSTAIN, INVALID)
QUORUM = Fraction(2, 3)
SPECIAL_ITEMS = frozenset({6, 7, 8})
PASSED, FAILED, NO_QUORUM = "passed", "failed", "no_quorum"


@dataclass(frozen=True)
class Ratio:
    """n/d of two non-negative integers; 0/0 is "nothing to divide" and meets no threshold."""

    n: int
    d: int

    def at_least(self, bound: Fraction) -> bool:
        return self.d > 0 and self.n * bound.denominator >= bound.numerator * self.d

    def more_than(self, bound: Fraction) -> bool:
        return self.d > 0 and self.n * bound.denominator > bound.numerator * self.d

    def __str__(self) -> str:
        return f"{self.n}/{self.d}"

    def percent(self) -> str:
        # Display only, truncated so 66.666% never reads as a met 2/3: decisions use the integers.
        return "—" if self.d == 0 else f"{self.n * 10000 // self.d / 100:.2f}%"


@dataclass(frozen=True)
class RollEntry:
    """One unit in scope: its owner key (the same key on several units is one owner)."""

    unit: str
    owner: str
    area: int  # 0.01 m²
    building: str = ""


class Turnout:
    """The art. 278 quorum on both counts: at least 2/3 of the area and of the owners took part.
    Mixed into every kind of result (a plain matter, a committee election)."""

    participation_area: Ratio
    participation_owners: Ratio

    @property
    def area_quorum(self) -> bool:
        return self.participation_area.at_least(QUORUM)

    @property
    def owners_quorum(self) -> bool:
        return self.participation_owners.at_least(QUORUM)


@dataclass(frozen=True)
class MatterResult(Turnout):
    matter: str
    special: bool
    result: str
    participation_area: Ratio
    participation_owners: Ratio
    approval_area: Ratio
    approval_owners: Ratio
    counts: dict  # choice -> owners
    missing_area: int  # 0.01 m² still needed for the area quorum (0 when met)
    missing_owners: int  # owners still needed for the head-count quorum

    def as_json(self) -> dict:
        return {"matter": self.matter, "result": self.result,
                "participation": {"area": str(self.participation_area), "owners": str(self.participation_owners)},
                "approval": {"area": str(self.approval_area), "owners": str(self.approval_owners)}}


def owners_of(roll: Iterable[RollEntry]) -> dict[str, int]:
    """owner key -> total area in scope."""
    owners: dict[str, int] = {}
    for entry in roll:
        owners[entry.owner] = owners.get(entry.owner, 0) + entry.area
    return owners


def _needed(have: int, total: int, bound: Fraction) -> int:
    """The least k with (have + k) / total >= bound."""
    need = -(-(bound.numerator * total) // bound.denominator)  # ceil
    return max(0, need - have)


def count_matter(matter: str, owners: Mapping[str, int], choices: Mapping[str, str], special: bool,
                 silent: bool = False) -> MatterResult:
    """``owners``: owner -> area; ``choices``: owner -> choice on this matter (owners with no
    ballot are absent). Owners not on the roll must have been refused before."""
    total_area = sum(owners.values())
    voted = {o: c for o, c in choices.items() if o in owners}
    if silent:
        voted = _with_silent_majority(owners, voted)
    part_area = sum(owners[o] for o in voted)
    yes_owners = [o for o, c in voted.items() if c == YES]
    yes_area = sum(owners[o] for o in yes_owners)
    participation_area = Ratio(part_area, total_area)
    participation_owners = Ratio(len(voted), len(owners))
    approval_area = Ratio(yes_area, part_area)
    approval_owners = Ratio(len(yes_owners), len(voted))
    if not (participation_area.at_least(QUORUM) and participation_owners.at_least(QUORUM)):
        result = NO_QUORUM
    elif special:
        bound = Fraction(3, 4)
        result = PASSED if approval_area.at_least(bound) and approval_owners.at_least(bound) else FAILED
    else:
        half = Fraction(1, 2)
        result = PASSED if approval_area.more_than(half) and approval_owners.more_than(half) else FAILED
    counts = {c: sum(1 for v in voted.values() if v == c) for c in CHOICES}
    return MatterResult(matter, special, result, participation_area, participation_owners, approval_area,
                        approval_owners, counts, _needed(part_area, total_area, QUORUM),
                        _needed(len(voted), len(owners), QUORUM))


def _with_silent_majority(owners: Mapping[str, int], voted: dict[str, str]) -> dict[str, str]:
    part_area = sum(owners[o] for o in voted)
    half = Fraction(1, 2)
    for side in (YES, NO):
        side_owners = [o for o, c in voted.items() if c == side]
        if (Ratio(sum(owners[o] for o in side_owners), part_area).more_than(half)
                and Ratio(len(side_owners), len(voted)).more_than(half)):
            return {**{o: side for o in owners}, **voted}
    return dict(voted)


def tally(roll: Iterable[RollEntry], ballots: Mapping[str, Mapping[str, str]], matters: Iterable[str],
          special: Iterable[str] = (), silent: bool = False) -> list[MatterResult]:
    """``ballots``: matter -> {owner: choice}. One result per matter, in the given order."""
    owners = owners_of(roll)
    special = set(special)
    return [count_matter(m, owners, ballots.get(m, {}), m in special, silent) for m in matters]
