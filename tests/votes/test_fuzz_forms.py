"""Garbage in the votes forms never gives a 500 and never writes a ballot."""

from __future__ import annotations

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
