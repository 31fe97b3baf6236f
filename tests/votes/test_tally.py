"""The art. 278 count against a plain reference written with fractions, and its boundaries."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings, strategies as st

from appliance.votes.tally import ABSTAIN, INVALID, NO, YES, RollEntry, count_matter, owners_of, tally


def reference(roll, choices, special):
    """Straight from the text of art. 278, nothing shared with the engine."""
    owners = {}
    for e in roll:
        owners[e.owner] = owners.get(e.owner, 0) + e.area
    voters = {o: c for o, c in choices.items() if o in owners}
    part_area = sum(owners[o] for o in voters)
    part_owners = len(voters)
    pa = Fraction(part_area, sum(owners.values()))
    po = Fraction(part_owners, len(owners))
    if pa < Fraction(2, 3) or po < Fraction(2, 3):
        return "no_quorum", pa, po, None, None
    yes = [o for o, c in voters.items() if c == YES]
    aa = Fraction(sum(owners[o] for o in yes), part_area)
    ao = Fraction(len(yes), part_owners)
    if special:
        ok = aa >= Fraction(3, 4) and ao >= Fraction(3, 4)
    else:
        ok = aa > Fraction(1, 2) and ao > Fraction(1, 2)
    return ("passed" if ok else "failed"), pa, po, aa, ao


def frac(r):
    return Fraction(r.n, r.d)


@st.composite
def communities(draw):
    n_units = draw(st.integers(1, 30))
    n_owners = draw(st.integers(1, n_units))
    owners = [f"o{i}" for i in range(n_owners)] + ["开发商"]
    roll = [RollEntry(f"u{i}", owners[i] if i < n_owners else draw(st.sampled_from(owners)),
                      draw(st.integers(1, 20000))) for i in range(n_units)]
    present = sorted({e.owner for e in roll})
    choices = draw(st.dictionaries(st.sampled_from(present), st.sampled_from([YES, NO, ABSTAIN, INVALID])))
    return roll, choices, draw(st.booleans())


@pytest.mark.slow  # 400 generated communities: the full run checks them
@settings(max_examples=400, deadline=None)
@given(communities())
def test_engine_agrees_with_the_reference(case):
    roll, choices, special = case
    r = count_matter("m", owners_of(roll), choices, special)
    result, pa, po, aa, ao = reference(roll, choices, special)
    assert r.result == result
    assert frac(r.participation_area) == pa and frac(r.participation_owners) == po
    if aa is not None:
        assert frac(r.approval_area) == aa and frac(r.approval_owners) == ao


def equal_units(n, area=10000):
    return [RollEntry(f"u{i}", f"o{i}", area) for i in range(n)]


def test_exactly_two_thirds_is_a_quorum_and_one_hundredth_less_is_not():
    roll = equal_units(3)
    assert count_matter("m", owners_of(roll), {"o0": YES, "o1": YES}, False).result == "passed"
    # o2 has 0.01 m² more: 2 of 3 owners, but the area is 20000/30001 < 2/3
    roll = equal_units(2) + [RollEntry("u2", "o2", 10001)]
    r = count_matter("m", owners_of(roll), {"o0": YES, "o1": YES}, False)
    assert r.result == "no_quorum" and str(r.participation_area) == "20000/30001"
    assert r.missing_area == 1 and r.missing_owners == 0


def test_exactly_three_quarters_passes_an_item_6_to_8_matter():
    roll = equal_units(4)
    votes = {"o0": YES, "o1": YES, "o2": YES, "o3": NO}
    assert count_matter("m", owners_of(roll), votes, True).result == "passed"
    votes["o2"] = ABSTAIN
    assert count_matter("m", owners_of(roll), votes, True).result == "failed"


def test_exactly_half_is_not_a_majority():
    roll = equal_units(4)
    r = count_matter("m", owners_of(roll), {"o0": YES, "o1": YES, "o2": NO, "o3": NO}, False)
    assert r.result == "failed" and str(r.approval_owners) == "2/4"
    r = count_matter("m", owners_of(roll), {"o0": YES, "o1": YES, "o2": YES, "o3": NO}, False)
    assert r.result == "passed"


def test_majority_must_hold_by_area_and_by_owners():
    # three small flats for, one big flat against: majority of owners, not of area
    roll = equal_units(3, 5000) + [RollEntry("big", "rich", 20000)]
    r = count_matter("m", owners_of(roll), {"o0": YES, "o1": YES, "o2": YES, "rich": NO}, False)
    assert r.result == "failed" and str(r.approval_owners) == "3/4" and str(r.approval_area) == "15000/35000"


def test_one_owner_of_several_units_counts_once_with_the_areas_added():
    roll = [RollEntry("a", "张", 6000), RollEntry("b", "张", 6000), RollEntry("c", "李", 8000)]
    r = count_matter("m", owners_of(roll), {"张": YES}, False)
    assert str(r.participation_owners) == "1/2" and str(r.participation_area) == "12000/20000"


def test_the_developers_unsold_units_are_one_owner():
    roll = [RollEntry(f"d{i}", "开发商", 9000) for i in range(5)] + equal_units(2)
    r = count_matter("m", owners_of(roll), {"o0": YES, "o1": YES}, False)
    assert r.participation_owners.d == 3 and r.result == "no_quorum"


def test_abstentions_and_invalid_ballots_take_part_but_do_not_approve():
    roll = equal_units(3)
    r = count_matter("m", owners_of(roll), {"o0": YES, "o1": ABSTAIN, "o2": INVALID}, False)
    assert str(r.participation_owners) == "3/3" and str(r.approval_owners) == "1/3" and r.result == "failed"


def test_the_silent_rule_adds_non_voters_to_the_voters_majority():
    roll = equal_units(6)
    votes = {"o0": YES, "o1": YES, "o2": NO}
    strict = count_matter("m", owners_of(roll), votes, False)
    rule = count_matter("m", owners_of(roll), votes, False, silent=True)
    assert strict.result == "no_quorum"
    assert rule.result == "passed" and str(rule.approval_owners) == "5/6"
    # no majority among the voters: nobody is added
    tie = count_matter("m", owners_of(roll), {"o0": YES, "o1": NO}, False, silent=True)
    assert str(tie.participation_owners) == "2/6"


def test_tally_keeps_the_matters_in_order_and_counts_an_unvoted_matter():
    roll = equal_units(3)
    out = tally(roll, {"b": {"o0": YES, "o1": YES, "o2": YES}}, ["a", "b"], special=["a"])
    assert [r.matter for r in out] == ["a", "b"]
    assert out[0].result == "no_quorum" and out[0].special and out[1].result == "passed"
