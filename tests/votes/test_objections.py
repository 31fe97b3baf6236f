"""Objections (询异) to the preliminary result: written down during the window, each answered;
the final result waits for every answer and says how many there were."""

from __future__ import annotations

import datetime
import json

import pytest

from appliance.db.models import AuditLog, OutboxEntry, VoteObjection
from appliance.errors import Conflict, NotFound, ValidationError
from tests.conftest import csrf_token

LATER = datetime.timedelta(days=8)


@pytest.fixture
def preliminary(votes, open_vote, community):
    for unit in (("1号楼", "101"), ("1号楼", "201"), ("2号楼", "101"), ("2号楼", "102")):
        votes.ballots.cast_phone(open_vote.id, community[unit][0], {"m1": "yes", "m2": "no"})
    votes.service.close(open_vote.id, "admin")
    return votes.service.publish_preliminary(open_vote.id, "admin")


def later(votes, delta=LATER):
    votes.service.clock = votes.objections.clock = lambda: datetime.datetime.now() + delta


def test_objections_are_taken_only_in_the_window(votes, open_vote, community):
    with pytest.raises(Conflict):  # voting still open: nothing to object to yet
        votes.objections.record(open_vote.id, {"text": "我家没收到选票"}, "volunteer")
    votes.service.close(open_vote.id, "admin")
    votes.service.publish_preliminary(open_vote.id, "admin")
    o = votes.objections.record(open_vote.id, {"unit": "1号楼 102", "text": "我家没收到选票\n请核实"}, "volunteer")
    assert o.unit == "1号楼 102" and o.text == "我家没收到选票\n请核实" and o.outcome == ""
    with pytest.raises(ValidationError) as bad:
        votes.objections.record(open_vote.id, {"unit": "9号楼 999", "text": "x"}, "volunteer")
    assert bad.value.field == "unit"
    with pytest.raises(ValidationError) as bad:
        votes.objections.record(open_vote.id, {"text": "  "}, "volunteer")
    assert bad.value.field == "text"
    later(votes)
    with pytest.raises(Conflict):  # the window is over
        votes.objections.record(open_vote.id, {"text": "太晚了"}, "volunteer")
    assert VoteObjection.select().count() == 1


def test_the_final_result_waits_for_every_answer_and_counts_them(votes, preliminary):
    first = votes.objections.record(preliminary.id, {"unit": "1号楼 102", "text": "没收到选票"}, "volunteer")
    second = votes.objections.record(preliminary.id, {"text": "计票有误"}, "volunteer")
    later(votes)
    with pytest.raises(Conflict) as waiting:
        votes.service.finalize(preliminary.id, "admin")
    assert "2" in waiting.value.message()
    with pytest.raises(ValidationError) as bad:
        votes.objections.answer(preliminary.id, first.id, {"outcome": "maybe", "answer": "x"}, "admin")
    assert bad.value.field == "outcome"
    with pytest.raises(ValidationError) as bad:
        votes.objections.answer(preliminary.id, first.id, {"outcome": "dismissed", "answer": ""}, "admin")
    assert bad.value.field == "answer"
    votes.objections.answer(preliminary.id, first.id, {"outcome": "dismissed",
                                                       "answer": "送达记录显示 11 月 2 日已签收"}, "admin")
    with pytest.raises(Conflict):  # an answer is not rewritten
        votes.objections.answer(preliminary.id, first.id, {"outcome": "upheld", "answer": "改"}, "admin")
    with pytest.raises(Conflict):
        votes.service.finalize(preliminary.id, "admin")  # one still waits
    votes.objections.answer(preliminary.id, second.id, {"outcome": "upheld", "answer": "已复核，结果不变"}, "admin")
    vote = votes.service.finalize(preliminary.id, "admin")
    assert vote.result["objections"] == {"raised": 2, "upheld": 1, "dismissed": 1}
    sent = OutboxEntry.get(OutboxEntry.kind == "vote_result").payload
    assert sent["result"]["objections"] == {"raised": 2, "upheld": 1, "dismissed": 1}
    assert "没收到选票" not in json.dumps(sent, ensure_ascii=False)  # counts leave the box, not what was said
    assert [a.action for a in AuditLog.select().where(AuditLog.action.startswith("objection_"))
            .order_by(AuditLog.id)] == ["objection_recorded"] * 2 + ["objection_answered"] * 2
    with pytest.raises(NotFound):
        votes.objections.answer(preliminary.id, 9999, {"outcome": "upheld", "answer": "x"}, "admin")


def test_staff_pages_record_and_answer_and_the_notice_counts(client_as, votes, preliminary):
    vol = client_as("volunteer")
    path = f"/votes/{preliminary.id}/objections"
    assert 'id="objections-link"' in vol.get(f"/votes/{preliminary.id}").get_data(as_text=True)
    t = csrf_token(vol, path)
    r = vol.post(path, data={"csrf_token": t, "unit": "1号楼 102", "text": ""})
    assert r.status_code == 400 and 'data-field="text"' in r.get_data(as_text=True)
    r = vol.post(path, data={"csrf_token": t, "unit": "\x00" * 80, "text": "x"})
    assert r.status_code == 400
    r = vol.post(path, data={"csrf_token": t, "unit": "1号楼 102", "text": "我家没收到选票"})
    assert r.status_code == 302
    page = vol.get(path).get_data(as_text=True)
    assert "我家没收到选票" in page and "1号楼 102" in page
    oid = VoteObjection.get().id
    r = vol.post(f"{path}/{oid}/answer", data={"csrf_token": t, "outcome": "dismissed", "answer": ""})
    assert r.status_code == 400 and 'id="list-error"' in r.get_data(as_text=True)
    later(votes)
    r = vol.post(f"/votes/{preliminary.id}/step/final", data={"csrf_token": t})
    assert "error=" in r.headers["Location"] and votes.service.get(preliminary.id).status == "preliminary"
    r = vol.post(f"{path}/{oid}/answer", data={"csrf_token": t, "outcome": "dismissed", "answer": "已签收"})
    assert r.status_code == 302
    r = vol.post(f"/votes/{preliminary.id}/step/final", data={"csrf_token": t})
    assert votes.service.get(preliminary.id).status == "final"
    notice = vol.get(f"/votes/{preliminary.id}/notice").get_data(as_text=True)
    assert "询异：共 1 条，成立 0 条，不成立 1 条" in notice
    district = client_as("district")
    assert district.get(path).status_code == 200
    assert district.post(path, data={"csrf_token": csrf_token(district, path), "text": "x"}).status_code == 403
