"""Garbage in the votes forms never gives a 500 and never writes a ballot."""

from __future__ import annotations

from urllib.parse import quote

from hypothesis import HealthCheck, given, settings, strategies as st

from appliance.db.models import VoteEntry
from tests.conftest import csrf_token
from tests.votes.test_participation_pages import resident_client

FUZZ = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
junk = st.one_of(st.text(max_size=300), st.sampled_from(["", "yes", "-1", "99999999999999999999999", "nan",
                                                         "LV1:1:1:x", "\x00", "2026-13-45T99:99"]))


@FUZZ
@given(title=junk, matter=junk, item=junk, rule=junk, warning=junk, opens=junk, closes=junk, scope=junk)
def test_vote_form(client_as, community, title, matter, item, rule, warning, opens, closes, scope):
    admin = client_as("admin")
    r = admin.post("/votes/new", data={"csrf_token": csrf_token(admin, "/votes/new"), "title": title,
                                       "matter_1": matter, "item_1": item, "rule": rule, "warning": warning,
                                       "opens_at": opens, "closes_at": closes, "scope": scope})
    assert r.status_code in (302, 400)


@FUZZ
@given(code=junk, m1=junk, m2=junk, channel=junk, proxy=junk)
def test_paper_and_phone_forms(app, client_as, services, open_vote, community, code, m1, m2, channel, proxy):
    admin = client_as("volunteer")
    t = csrf_token(admin, f"/votes/{open_vote.id}/paper")
    r = admin.post(f"/votes/{open_vote.id}/paper", data={"csrf_token": t, "code": code, "m1": m1, "m2": m2,
                                                         "channel": channel, "proxy_doc": proxy})
    assert r.status_code in (302, 400)
    tenant = resident_client(app, services, community[("2号楼", "101")][1])
    r = tenant.post(f"/me/votes/{open_vote.id}", data={"csrf_token": csrf_token(tenant, f"/me/votes/{open_vote.id}"),
                                                       "m1": m1, "m2": m2})
    assert r.status_code in (400, 403)
    assert VoteEntry.select().count() == 0


@FUZZ
@given(seats=junk, candidates=junk, c1=junk, c2=junk, c3=junk, doc=junk, who=junk)
def test_election_and_proxy_forms(app, client_as, services, votes, community, seats, candidates, c1, c2, c3, doc,
                                  who):
    admin = client_as("admin")
    r = admin.post("/votes/new", data={"csrf_token": csrf_token(admin, "/votes/new"), "title": "选举",
                                       "matter_1": "选举委员", "item_1": "3", "seats_1": seats,
                                       "candidates_1": candidates})
    assert r.status_code in (302, 400)
    from tests.votes.test_elections_service import ELECTION

    vote = votes.service.save({"title": "换届"}, ELECTION, "admin")
    votes.service.publish_roll(vote.id, "admin", correction_days=0)
    votes.service.open(vote.id, "admin")
    before = VoteEntry.select().count()
    zhao = resident_client(app, services, community[("2号楼", "102")][0])
    r = zhao.post(f"/me/votes/{vote.id}", data={"csrf_token": csrf_token(zhao, f"/me/votes/{vote.id}"), "m1": "yes",
                                                "m2_c1": c1, "m2_c2": c2, "m2_c3": c3})
    marked = sum(1 for c in (c1, c2, c3) if c)
    assert r.status_code == (200 if marked <= 2 else 400)
    assert VoteEntry.select().count() == before + (1 if marked <= 2 else 0)
    r = admin.post(f"/votes/{vote.id}/proxies", data={"csrf_token": csrf_token(admin, f"/votes/{vote.id}/proxies"),
                                                      "resident": who, "document": doc})
    assert r.status_code in (302, 400, 409)


@FUZZ
@given(unit=junk, text=junk, outcome=junk, answer=junk, name=junk)
def test_objection_forms_and_scan_names(client_as, votes, open_vote, unit, text, outcome, answer, name):
    from appliance.db.models import VoteObjection

    if votes.service.get(open_vote.id).status == "open":  # the fixture's vote is shared by the examples
        votes.service.close(open_vote.id, "admin")
        votes.service.publish_preliminary(open_vote.id, "admin")
    admin = client_as("volunteer")
    path = f"/votes/{open_vote.id}/objections"
    t = csrf_token(admin, path)
    before = VoteObjection.select().count()
    r = admin.post(path, data={"csrf_token": t, "unit": unit, "text": text})
    assert r.status_code in (302, 400)
    assert VoteObjection.select().count() == before + (r.status_code == 302)
    for o in VoteObjection.select().where(VoteObjection.outcome == "").limit(1):
        r = admin.post(f"{path}/{o.id}/answer", data={"csrf_token": t, "outcome": outcome, "answer": answer})
        assert r.status_code in (302, 400)
    assert admin.get(f"/votes/{open_vote.id}/scans/{quote(name, safe='') or 'x'}").status_code == 404
