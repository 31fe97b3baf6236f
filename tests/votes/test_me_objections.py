"""Owners raise an objection (询异) on their own phone during the window: one of their own units,
text with a cap; it reaches the office's list marked as filed on the phone; refused in words
outside the window and for anyone not on the roll."""

from __future__ import annotations

import datetime

from appliance.db.models import AuditLog, VoteObjection
from tests.conftest import csrf_token
from tests.votes.conftest import MATTERS
from tests.votes.test_objections import later
from tests.votes.test_participation_pages import resident_client


def test_an_owner_files_an_objection_on_the_phone_and_the_office_sees_it(app, services, community, votes, client_as):
    open_vote = votes.service.save({"title": "2026年业主大会"}, MATTERS, "admin")
    votes.service.publish_roll(open_vote.id, "admin", correction_days=0)
    votes.roll.merge(open_vote, [r.id for r in votes.roll.suggestions(open_vote.id)[0]], "volunteer")  # 张三's two
    votes.service.open(open_vote.id, "admin")
    zhao = resident_client(app, services, community[("2号楼", "102")][0])
    path = f"/me/votes/{open_vote.id}/objection"
    page = zhao.get(path).get_data(as_text=True)
    assert 'id="window-closed"' in page and 'id="objection-form"' not in page  # voting still open
    t = csrf_token(zhao, "/me/votes/suggestions")
    r = zhao.post(path, data={"csrf_token": t, "text": "太早了"})
    assert r.status_code == 400 and 'id="error"' in r.get_data(as_text=True)
    votes.ballots.cast_phone(open_vote.id, community[("2号楼", "102")][0], {"m1": "yes", "m2": "no"})
    votes.service.close(open_vote.id, "admin")
    votes.service.publish_preliminary(open_vote.id, "admin")

    assert 'id="to-objection"' in zhao.get(f"/me/votes/{open_vote.id}").get_data(as_text=True)
    page = zhao.get(path).get_data(as_text=True)
    assert 'id="objection-form"' in page and 'value="2号楼 102"' in page  # one unit: chosen for them
    r = zhao.post(path, data={"csrf_token": t, "unit": "2号楼 102", "text": ""})
    assert r.status_code == 400 and 'data-field="text"' in r.get_data(as_text=True)
    r = zhao.post(path, data={"csrf_token": t, "unit": "2号楼 102", "text": "长" * 1001})
    assert r.status_code == 400 and 'data-field="text"' in r.get_data(as_text=True)
    r = zhao.post(path, data={"csrf_token": t, "unit": "1号楼 101", "text": "别人家的"})  # not their unit
    assert r.status_code == 400 and 'data-field="unit"' in r.get_data(as_text=True)
    assert VoteObjection.select().count() == 0
    r = zhao.post(path, data={"csrf_token": t, "unit": "2号楼 102", "text": "我投的是反对\n请核对纸质票"})
    assert r.status_code == 302
    page = zhao.get(r.headers["Location"]).get_data(as_text=True)
    assert 'id="done"' in page and "我投的是反对" in page and 'id="my-objections"' in page

    o = VoteObjection.get()
    assert o.unit == "2号楼 102" and o.text == "我投的是反对\n请核对纸质票"
    audit = AuditLog.get(AuditLog.action == "objection_filed")
    assert audit.detail == {"objection": o.id, "unit": "2号楼 102", "channel": "me"}
    office = client_as("volunteer").get(f"/votes/{open_vote.id}/objections").get_data(as_text=True)
    row = office.split(f'data-objection="{o.id}"')[1].split("</tr>")[0]
    assert 'data-channel="me"' in row and "我投的是反对" in row and "2号楼 102" in row
    votes.objections.record(open_vote.id, {"text": "电话反映"}, "volunteer")
    office = client_as("volunteer").get(f"/votes/{open_vote.id}/objections").get_data(as_text=True)
    assert office.count('data-channel="office"') == 1 and office.count('data-channel="me"') == 1

    # 张三 owns two units: he picks one of his own.
    zhang = resident_client(app, services, community[("1号楼", "101")][0])
    t = csrf_token(zhang, path)
    r = zhang.post(path, data={"csrf_token": t, "text": "面积不对"})
    assert r.status_code == 400 and 'data-field="unit"' in r.get_data(as_text=True)
    assert zhang.post(path, data={"csrf_token": t, "unit": "1号楼 102", "text": "面积不对"}).status_code == 302
    t = csrf_token(zhao, path)
    # A tenant (no proxy) is not on the roll.
    tenant = resident_client(app, services, community[("2号楼", "101")][1])
    assert 'id="not-on-roll"' in tenant.get(path).get_data(as_text=True)
    r = tenant.post(path, data={"csrf_token": csrf_token(tenant, "/me/votes/suggestions"), "text": "我也有意见"})
    assert r.status_code == 400 and 'id="error"' in r.get_data(as_text=True)
    # After the window: refused, in words, with the date it ended.
    later(votes)
    votes.objections.clock = lambda: datetime.datetime.now() + datetime.timedelta(days=8)
    r = zhao.post(path, data={"csrf_token": t, "unit": "2号楼 102", "text": "又想起一件"})
    assert r.status_code == 400
    body = r.get_data(as_text=True)
    assert votes.service.get(open_vote.id).objection_until.strftime("%Y-%m-%d") in body
    assert VoteObjection.select().count() == 3
    assert client_as("volunteer").get(path).status_code == 403  # staff are not residents here
