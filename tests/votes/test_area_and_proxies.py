"""Floor area by the rules' order (registered, else surveyed, else contract) with its source on
the roll and in the count; tenants voting on their phone under a recorded written proxy."""

from __future__ import annotations

import pytest

from appliance.db.models import Unit, VoteEntry, VoteProxy
from appliance.errors import Conflict, PermissionDenied, ValidationError
from tests.votes.conftest import MATTERS, make_community
from tests.votes.test_votes_service import ALL_YES, png, roll_by_unit


def set_areas(services, building, number, registered, surveyed, contract):
    unit = Unit.select().join(Unit.building.rel_model).where(Unit.number == number,
                                                             Unit.building.rel_model.name == building).get()
    services.registry.save_unit({"building_id": unit.building_id, "number": number, "area_m2": registered,
                                 "surveyed_area_m2": surveyed, "contract_area_m2": contract}, "test", unit.id)


def test_the_roll_falls_back_to_surveyed_then_contract_area_and_says_which(services, votes, community):
    set_areas(services, "1号楼", "102", "", "61.20", "65.00")
    set_areas(services, "2号楼", "102", None, None, "76.40")
    set_areas(services, "2号楼", "101", "70.00", "69.00", "72.00")  # registered wins when there is one
    vote = votes.service.save({"title": "t"}, MATTERS, "admin")
    votes.service.publish_roll(vote.id, "admin", correction_days=0)
    rows = roll_by_unit(votes, vote)
    assert (rows["1号楼 102"].area, rows["1号楼 102"].area_source) == (6120, "surveyed")
    assert (rows["2号楼 102"].area, rows["2号楼 102"].area_source) == (7640, "contract")
    assert (rows["2号楼 101"].area, rows["2号楼 101"].area_source) == (7000, "register")
    votes.service.open(vote.id, "admin")
    res = votes.service.results(vote)
    assert res["fallback"] == {"surveyed": 1, "contract": 1}
    assert str(res["strict"][0].participation_area) == "0/47835"  # 80.50+61.20+90.25+100+70+76.40 m²


def test_a_unit_with_no_area_from_any_source_still_stops_the_roll(services, votes):
    make_community(services, {"3号楼": [("101", None, []), ("102", "50", [])]})
    set_areas(services, "3号楼", "101", None, None, None)
    vote = votes.service.save({"title": "t"}, MATTERS, "admin")
    with pytest.raises(ValidationError) as exc:
        votes.service.publish_roll(vote.id, "admin")
    assert "3号楼 101" in exc.value.message()
    set_areas(services, "3号楼", "101", None, None, "48.8")
    votes.service.publish_roll(vote.id, "admin")
    assert roll_by_unit(votes, vote)["3号楼 101"].area_source == "contract"


def test_bad_fallback_areas_are_refused_naming_the_field(services, community):
    with pytest.raises(ValidationError) as exc:
        set_areas(services, "1号楼", "102", "", "abc", "")
    assert exc.value.field == "surveyed_area_m2"


def test_a_correction_on_the_roll_marks_the_area_corrected(votes, community):
    vote = votes.service.save({"title": "t"}, MATTERS, "admin")
    votes.service.publish_roll(vote.id, "admin", correction_days=3)
    row = roll_by_unit(votes, vote)["1号楼 101"]
    votes.roll.correct(vote, row.id, {"area": "81.00", "reason": "测绘报告"}, "volunteer")
    assert roll_by_unit(votes, vote)["1号楼 101"].area_source == "corrected"


# --- tenants' proxies -----------------------------------------------------------------------------
def tenant_of(community):
    return community[("2号楼", "101")][1]  # 租客 in 王五's unit


def record(votes, vote, tenant, **extra):
    return votes.proxies.record(vote.id, {"resident": str(tenant.id), "document": "王五委托租客，2026-11-30",
                                          **extra}, png("proxy"), "volunteer")


def test_a_tenant_with_a_recorded_proxy_votes_for_the_owner_on_the_phone(votes, open_vote, community):
    tenant, owner = tenant_of(community), community[("2号楼", "101")][0]
    with pytest.raises(PermissionDenied):
        votes.ballots.cast_phone(open_vote.id, tenant, ALL_YES)
    proxy = record(votes, open_vote, tenant)
    assert proxy.evidence  # the signed proxy's scan is kept
    page = votes.ballots.open_ballot(open_vote.id, tenant)
    assert page["can_vote"] and page["proxy"].id == proxy.id and [u.number for u in page["units"]] == ["101"]
    # the tenant reading it is not the ballot's delivery to the owner
    assert "2号楼 101" in {f"{r.building} {r.number}" for r in votes.roll.undelivered(open_vote.id)}
    result = votes.ballots.cast_phone(open_vote.id, tenant, ALL_YES)
    assert result.accepted
    entry = VoteEntry.get(VoteEntry.seq == result.entry.seq)
    assert entry.channel == "phone" and entry.proxy_doc.startswith(f"书面委托 #{proxy.id}：王五委托租客")
    assert entry.entered_by == f"resident:{tenant.id}" and entry.owner_key == roll_by_unit(votes, open_vote)[
        "2号楼 101"].owner_key
    # the owner's own ballot afterwards is the later one: refused and recorded
    assert not votes.ballots.cast_phone(open_vote.id, owner, ALL_YES).accepted
    with pytest.raises(Conflict):  # the ballot stands; only a reversal corrects it
        votes.proxies.revoke(open_vote.id, proxy.id, "业主收回", "admin")


def test_revoking_the_proxy_before_the_ballot_stops_the_tenant(votes, open_vote, community):
    tenant = tenant_of(community)
    proxy = record(votes, open_vote, tenant)
    with pytest.raises(ValidationError):
        votes.proxies.revoke(open_vote.id, proxy.id, "", "admin")  # a reason is required
    votes.proxies.revoke(open_vote.id, proxy.id, "业主本人来投票", "admin")
    assert VoteProxy.get_by_id(proxy.id).revoked_by == "admin"
    assert not votes.ballots.open_ballot(open_vote.id, tenant)["can_vote"]
    with pytest.raises(PermissionDenied):
        votes.ballots.cast_phone(open_vote.id, tenant, ALL_YES)
    assert VoteEntry.select().count() == 0
    record(votes, open_vote, tenant)  # a new proxy may be recorded after the old one was revoked


def test_a_proxy_revoked_between_opening_and_casting_is_not_used(votes, open_vote, community):
    tenant = tenant_of(community)
    proxy = record(votes, open_vote, tenant)
    rows, live = votes.ballots.voter_rows(open_vote.id, tenant)
    votes.proxies.revoke(open_vote.id, proxy.id, "收回", "admin")
    with pytest.raises(PermissionDenied):  # checked again under the ledger's writer lock
        votes.ballots._cast(open_vote, rows[0].owner_key, {"1": "yes"}, "phone", "x", proxy_id=live.id)


def test_only_a_current_tenant_of_a_unit_on_the_roll_holds_a_proxy(votes, open_vote, community):
    with pytest.raises(ValidationError):
        record(votes, open_vote, community[("2号楼", "102")][0])  # an owner
    with pytest.raises(ValidationError):
        votes.proxies.record(open_vote.id, {"resident": "999999", "document": "x"}, None, "volunteer")
    with pytest.raises(ValidationError):
        votes.proxies.record(open_vote.id, {"resident": str(tenant_of(community).id), "document": ""}, None, "v")
    record(votes, open_vote, tenant_of(community))
    with pytest.raises(Conflict):
        record(votes, open_vote, tenant_of(community))  # one proxy per unit at a time
    assert [(r.number, t.name) for r, t in votes.proxies.tenants(open_vote.id)] == [("101", "租客")]


def test_a_tenant_with_a_proxy_still_cannot_vote_at_the_kiosk(votes, open_vote, community, services):
    tenant = tenant_of(community)
    record(votes, open_vote, tenant)
    token = votes.ballots.kiosk_token(tenant.id)
    with pytest.raises(PermissionDenied):
        votes.ballots.cast_kiosk(open_vote.id, token, ALL_YES, "kiosk-1")
