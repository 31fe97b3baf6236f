"""The committee election count against a plain reference written with fractions: each
candidate's double threshold on its own, seats by rank, a tie for the last seat left for a
run-off, and ballots with too many marks invalid."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings, strategies as st

from appliance.votes.election import (ELECTED, FILLED, NOT_SEATED, RUNOFF, SEATS_OPEN, MatterSpec, check_marks,
                                      count_all, count_election)
from appliance.votes.tally import INVALID, NO_QUORUM, YES, RollEntry, owners_of


def reference(roll, choices, seats, n_candidates):
    """Straight from the rules, nothing shared with the engine: (result, {candidate: status})."""
    owners = {}
    for e in roll:
        owners[e.owner] = owners.get(e.owner, 0) + e.area
    voters = {o: c for o, c in choices.items() if o in owners}
    part_area = sum(owners[o] for o in voters)
    quorum = (Fraction(part_area, sum(owners.values())) >= Fraction(2, 3)
              and Fraction(len(voters), len(owners)) >= Fraction(2, 3))
    support = {}
    for k in range(1, n_candidates + 1):
        backers = [o for o, c in voters.items() if c != "invalid" and k in c]
        support[k] = (len(backers), sum(owners[o] for o in backers))
    passing = [k for k, (n, a) in support.items()
               if quorum and Fraction(a, part_area) > Fraction(1, 2) and Fraction(n, len(voters)) > Fraction(1, 2)]
    status = {}
    for k in range(1, n_candidates + 1):
        if not quorum:
            status[k] = "no_quorum"
            continue
        if k not in passing:
            status[k] = "failed"
            continue
        better = sum(1 for j in passing if support[j] > support[k])  # more owners, or as many and more area
        equal = sum(1 for j in passing if support[j] == support[k])
        status[k] = "elected" if better + equal <= seats else ("runoff" if better < seats else "not_seated")
    if not quorum:
        return "no_quorum", status
    return ("filled" if sum(1 for s in status.values() if s == "elected") == seats else "seats_open"), status


@st.composite
def elections(draw):
    n_units = draw(st.integers(1, 24))
    n_owners = draw(st.integers(1, n_units))
    owners = [f"o{i}" for i in range(n_owners)] + ["开发商"]
    # Few distinct areas so equal support (ties) happens often.
    roll = [RollEntry(f"u{i}", owners[i] if i < n_owners else draw(st.sampled_from(owners)),
                      draw(st.sampled_from([100, 100, 250, 5000, draw(st.integers(1, 20000))])))
            for i in range(n_units)]
    n_candidates = draw(st.integers(1, 6))
    seats = draw(st.integers(1, n_candidates))
    present = sorted({e.owner for e in roll})
    ballot = st.one_of(st.just(INVALID),
                       st.lists(st.integers(1, n_candidates), unique=True, max_size=seats).map(sorted))
    choices = draw(st.dictionaries(st.sampled_from(present), ballot))
    return roll, choices, seats, n_candidates


@pytest.mark.slow  # 500 generated elections: the full run checks them
@settings(max_examples=500, deadline=None)
@given(elections())
def test_engine_agrees_with_the_reference(case):
    roll, choices, seats, n_candidates = case
    names = [f"候选{k}" for k in range(1, n_candidates + 1)]
    r = count_election("m", owners_of(roll), choices, seats, names)
    result, status = reference(roll, choices, seats, n_candidates)
    assert r.result == result
    assert {c.number: c.status for c in r.candidates} == status
    assert len(r.elected) <= seats
    assert r.runoff_seats == (seats - len(r.elected) if r.runoff else 0)
    assert r.invalid == sum(1 for c in choices.values() if c == INVALID)


def four_owners():
    return [RollEntry(f"u{i}", f"o{i}", 100) for i in range(4)]


def test_exactly_half_of_the_participants_is_not_enough():
    owners = owners_of(four_owners())
    r = count_election("m", owners, {"o0": [1], "o1": [1], "o2": [2], "o3": [2, 1]}, 2, ["甲", "乙"])
    assert [c.status for c in r.candidates] == [ELECTED, "failed"]  # 3/4 for 甲, 2/4 for 乙
    assert str(r.candidates[1].approval_owners) == "2/4" and r.result == SEATS_OPEN


def test_area_and_head_count_are_both_needed():
    roll = [RollEntry("u0", "big", 10000)] + [RollEntry(f"u{i}", f"o{i}", 100) for i in range(1, 4)]
    r = count_election("m", owners_of(roll), {"big": [1], "o1": [2], "o2": [2], "o3": [2]}, 1, ["甲", "乙"])
    # 甲: the area but one owner of four; 乙: three owners but 300 of 10300 m²
    assert [c.status for c in r.candidates] == ["failed", "failed"]


def test_a_tie_for_the_last_seat_is_left_for_a_run_off():
    owners = owners_of(four_owners())
    choices = {"o0": [1, 2], "o1": [1, 2], "o2": [1, 3], "o3": [2, 3]}
    r = count_election("m", owners, choices, 2, ["甲", "乙", "丙"])
    # 甲 and 乙 both 3/4 (owners and area): both fit in two seats
    assert [c.status for c in r.candidates] == [ELECTED, ELECTED, "failed"] and r.result == FILLED
    r = count_election("m", owners, choices, 1, ["甲", "乙", "丙"])
    assert [c.status for c in r.candidates] == [RUNOFF, RUNOFF, "failed"] and r.runoff_seats == 1
    assert r.result == SEATS_OPEN and [c.rank for c in r.candidates] == [1, 1, None]


def test_more_owners_rank_first_then_more_area():
    roll = [RollEntry("u0", "o0", 300), RollEntry("u1", "o1", 150)] + [RollEntry(f"u{i}", f"o{i}", 100)
                                                                         for i in range(2, 5)]
    owners = owners_of(roll)  # 750 in all
    # 甲: o0,o1,o2 (3 owners, 550); 乙: o0,o2,o3 (3 owners, 500); 丙: o1..o4 (4 owners, 450).
    # (o2's three marks would be invalid on a two-seat ballot; the count itself takes marks as given.)
    choices = {"o0": [1, 2], "o1": [1, 3], "o2": [1, 2, 3], "o3": [2, 3], "o4": [3]}
    r = count_election("m", owners, choices, 2, ["甲", "乙", "丙"])
    assert [c.status for c in r.candidates] == [ELECTED, NOT_SEATED, ELECTED]
    assert [c.rank for c in r.candidates] == [2, 3, 1] and r.result == FILLED


def test_no_quorum_elects_nobody():
    owners = owners_of(four_owners())
    r = count_election("m", owners, {"o0": [1], "o1": [1]}, 1, ["甲"])
    assert r.result == NO_QUORUM and r.candidates[0].status == NO_QUORUM and r.missing_owners == 1


def test_too_many_marks_make_the_ballot_invalid_but_it_still_took_part():
    assert check_marks([3, 1], 2, 3) == [1, 3]
    assert check_marks([1, 2, 3], 2, 3) == INVALID
    with pytest.raises(ValueError):
        check_marks([4], 2, 3)
    owners = owners_of(four_owners())
    r = count_election("m", owners, {"o0": INVALID, "o1": [1], "o2": [1], "o3": []}, 1, ["甲"])
    assert str(r.participation_owners) == "4/4" and str(r.candidates[0].approval_owners) == "2/4"
    assert r.invalid == 1 and r.candidates[0].status == "failed"


def test_a_vote_mixes_elections_and_ordinary_matters():
    owners = four_owners()
    out = count_all(owners, {"1": {f"o{i}": YES for i in range(4)}, "2": {f"o{i}": [1] for i in range(4)}},
                    [MatterSpec("1"), MatterSpec("2", seats=1, candidates=("甲", "乙"))])
    assert out[0].result == "passed" and out[1].result == FILLED and out[1].elected[0].name == "甲"
