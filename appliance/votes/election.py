"""Owners' committee elections (业主委员会, art. 278 item 3): a matter with N seats and a list
of candidates; each ballot approves at most N of them.

Counting (the rules in DESIGN "Owners' votes", applied to each candidate on its own):
- quorum: owners holding >= 2/3 of the area in scope AND >= 2/3 of the owners took part in
  this matter (a valid ballot, a blank one, or one made invalid by too many marks);
- a candidate passes with strictly more than 1/2 of the participating area AND more than 1/2
  of the participating owners approving (item 3 is not one of the 3/4 items);
- seats go to the candidates who pass, by rank: more approving owners first, then more
  approving area. Candidates equal on both are tied. A tie that does not fit in the seats left
  is not decided here (no lot is drawn on the box): none of the tied candidates is seated and
  the seats left are reported for a run-off among them; candidates ranked below wait too.

A choice on an election matter is a sorted list of candidate numbers (1-based; [] is a blank
ballot: participation, no approval) or ``invalid`` (too many marks, or unreadable on paper).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction

from appliance.votes.tally import FAILED, INVALID, NO_QUORUM, QUORUM, Ratio, Turnout, _needed

ELECTED, RUNOFF, NOT_SEATED = "elected", "runoff", "not_seated"
# matter results
FILLED, SEATS_OPEN = "filled", "seats_open"  # every seat filled | fewer passed than seats (or a run-off)
HALF = Fraction(1, 2)


@dataclass(frozen=True)
class CandidateResult:
    number: int
    name: str
    approval_area: Ratio
    approval_owners: Ratio
    status: str  # elected | runoff | not_seated (passed, no seat left) | failed | no_quorum
    rank: int | None = None  # 1-based among those who passed; tied candidates share a rank

    @property
    def passed(self) -> bool:
        return self.status in (ELECTED, RUNOFF, NOT_SEATED)

    def as_json(self) -> dict:
        return {"number": self.number, "candidate": self.name, "status": self.status, "rank": self.rank,
                "approval": {"area": str(self.approval_area), "owners": str(self.approval_owners)}}


@dataclass(frozen=True)
class ElectionResult(Turnout):
    matter: str
    seats: int
    result: str  # filled | seats_open | no_quorum
    participation_area: Ratio
    participation_owners: Ratio
    candidates: list[CandidateResult]
    invalid: int  # owners whose ballot on this matter is invalid
    missing_area: int
    missing_owners: int
    runoff_seats: int = 0
    special: bool = field(default=False)  # never: item 3; kept so pages treat both results alike
    kind: str = "election"

    @property
    def elected(self) -> list[CandidateResult]:
        return [c for c in self.candidates if c.status == ELECTED]

    @property
    def runoff(self) -> list[CandidateResult]:
        return [c for c in self.candidates if c.status == RUNOFF]

    def as_json(self) -> dict:
        return {"matter": self.matter, "kind": "election", "result": self.result, "seats": self.seats,
                "participation": {"area": str(self.participation_area), "owners": str(self.participation_owners)},
                "invalid": self.invalid, "runoff_seats": self.runoff_seats,
                "elected": [c.name for c in self.elected], "runoff": [c.name for c in self.runoff],
                "candidates": [c.as_json() for c in self.candidates]}


def check_marks(marks: Sequence[int], seats: int, n_candidates: int):
    """A ballot's marks on an election: the sorted list, or ``invalid`` when it approves more
    candidates than there are seats. Unknown numbers are the caller's error, not the voter's."""
    chosen = sorted(set(int(m) for m in marks))
    if any(m < 1 or m > n_candidates for m in chosen):
        raise ValueError("no such candidate")
    return INVALID if len(chosen) > seats else chosen


def count_election(matter: str, owners: Mapping[str, int], choices: Mapping[str, object], seats: int,
                   candidates: Sequence[str]) -> ElectionResult:
    """``owners``: owner -> area; ``choices``: owner -> list of candidate numbers or ``invalid``."""
    total_area = sum(owners.values())
    voted = {o: c for o, c in choices.items() if o in owners}
    part_area = sum(owners[o] for o in voted)
    participation_area, participation_owners = Ratio(part_area, total_area), Ratio(len(voted), len(owners))
    quorum = participation_area.at_least(QUORUM) and participation_owners.at_least(QUORUM)
    heads, areas = [0] * len(candidates), [0] * len(candidates)
    for o, c in voted.items():
        if c == INVALID:
            continue
        for number in set(c):  # one owner approves a candidate once, whatever the list says
            heads[number - 1] += 1
            areas[number - 1] += owners[o]
    approvals = list(zip(heads, areas))  # per candidate: (owners, area)
    passing = [i for i, (n, a) in enumerate(approvals)
               if quorum and Ratio(a, part_area).more_than(HALF) and Ratio(n, len(voted)).more_than(HALF)]
    status: dict[int, str] = {}
    rank: dict[int, int] = {}
    left, runoff_seats, position = seats, 0, 1
    # Groups of equal (owners, area), best first.
    keys = sorted({approvals[i] for i in passing}, reverse=True)
    for key in keys:
        group = [i for i in passing if approvals[i] == key]
        for i in group:
            rank[i] = position
        position += len(group)
        if left <= 0 or runoff_seats:
            verdict = NOT_SEATED
        elif len(group) <= left:
            verdict = ELECTED
            left -= len(group)
        else:
            verdict, runoff_seats, left = RUNOFF, left, 0
        for i in group:
            status[i] = verdict
    out = []
    for i, name in enumerate(candidates):
        n, a = approvals[i]
        default = FAILED if quorum else NO_QUORUM
        out.append(CandidateResult(i + 1, name, Ratio(a, part_area), Ratio(n, len(voted)), status.get(i, default),
                                   rank.get(i)))
    if not quorum:
        result = NO_QUORUM
    else:
        result = FILLED if sum(1 for c in out if c.status == ELECTED) == seats else SEATS_OPEN
    return ElectionResult(matter, seats, result, participation_area, participation_owners, out,
                          sum(1 for c in voted.values() if c == INVALID),
                          _needed(part_area, total_area, QUORUM), _needed(len(voted), len(owners), QUORUM),
                          runoff_seats)


@dataclass(frozen=True)
class MatterSpec:
    key: str  # the matter's position as text, as in the ledger's choices
    special: bool = False
    seats: int = 0  # 0: a 赞成/反对/弃权 matter
    candidates: tuple[str, ...] = ()

    @property
    def is_election(self) -> bool:
        return self.seats > 0


def count_all(roll, ballots: Mapping[str, Mapping[str, object]], specs: Sequence[MatterSpec], silent: bool = False):
    """Every matter of a vote, each by its own kind. The rule "non-voters count with the
    majority" has no single majority to join in an election, so elections are always counted
    strictly (the pages say so)."""
    from appliance.votes.tally import count_matter, owners_of

    owners = owners_of(roll)
    out = []
    for s in specs:
        choices = ballots.get(s.key, {})
        if s.is_election:
            out.append(count_election(s.key, owners, choices, s.seats, s.candidates))
        else:
            out.append(count_matter(s.key, owners, choices, s.special, silent))
    return out


def spec_of(matter) -> MatterSpec:
    """A VoteMatter row (or the dict in an exported ledger's header) as a MatterSpec."""
    from appliance.votes.tally import SPECIAL_ITEMS

    get = matter.get if isinstance(matter, dict) else (lambda k, d=None: getattr(matter, k, d))
    election = get("kind", "choice") == "election"
    return MatterSpec(str(get("position")), get("item") in SPECIAL_ITEMS, int(get("seats") or 0) if election else 0,
                      tuple(get("candidates") or ()) if election else ())
