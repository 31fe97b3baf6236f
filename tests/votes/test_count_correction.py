"""An upheld objection corrects the count: the preliminary notice is withdrawn (back to closed,
with the reason, audited), the ledger gets a reversal and a corrected ballot (nothing earlier
changes, the chain still verifies), a new notice says what it replaces and opens a new window,
and the final result is the corrected one."""

from __future__ import annotations

import datetime

import pytest

from appliance.cli import main
from appliance.db.models import AuditLog, VoteEntry
from appliance.errors import Conflict, ValidationError
from tests.conftest import csrf_token
from tests.votes.test_objections import later, preliminary  # noqa: F401  (the fixture)


def owners_yes(result: dict, position: int) -> int:
    return int(result["matters"][position - 1]["strict"]["approval"]["owners"].split("/")[0])


def upheld(votes, vote, unit="2号楼 102"):
    o = votes.objections.record(vote.id, {"unit": unit, "text": "我在纸上投的是反对，公示写成了赞成"}, "volunteer")
    return votes.objections.answer(vote.id, o.id, {"outcome": "upheld", "answer": "核对原件，确实录错"}, "admin")


def test_an_upheld_objection_corrects_the_ledger_and_the_final_result(votes, preliminary, tmp_path, capsys):
    first = dict(preliminary.result)
    before = [(e.seq, e.hash) for e in VoteEntry.select().order_by(VoteEntry.seq)]
    assert owners_yes(first, 1) == 4
    with pytest.raises(Conflict):  # nothing to correct before an objection reopened the count
        votes.corrections.correct(preliminary.id, {"unit": "2号楼 102", "action": "remove"}, "admin")
    dismissed = votes.objections.record(preliminary.id, {"text": "不服"}, "volunteer")
    votes.objections.answer(preliminary.id, dismissed.id, {"outcome": "dismissed", "answer": "无依据"}, "admin")
    with pytest.raises(Conflict):
        votes.corrections.reopen(preliminary.id, dismissed.id, {"reason": "x"}, "admin")
    objection = upheld(votes, preliminary)
    with pytest.raises(ValidationError) as bad:
        votes.corrections.reopen(preliminary.id, objection.id, {"reason": " "}, "admin")
    assert bad.value.field == "reason" and votes.service.get(preliminary.id).status == "preliminary"

    vote = votes.corrections.reopen(preliminary.id, objection.id, {"reason": "2号楼 102 纸质票第 1 项录错"}, "admin")
    assert vote.status == "closed"
    audit = AuditLog.get(AuditLog.action == "count_reopened")
    assert audit.detail["objection"] == objection.id and audit.detail["previous_head"] == first["head"]
    with pytest.raises(ValidationError) as bad:
        votes.corrections.correct(vote.id, {"unit": "9号楼 1", "action": "remove"}, "admin")
    assert bad.value.field == "unit"
    with pytest.raises(Conflict):  # 1号楼 202 has no ballot to remove
        votes.corrections.correct(vote.id, {"unit": "1号楼 202", "action": "remove"}, "admin")
    with pytest.raises(ValidationError) as bad:  # a corrected ballot needs every matter
        votes.corrections.correct(vote.id, {"unit": "2号楼 102", "action": "replace", "m1": "no"}, "admin")
    assert bad.value.field == "m2"
    seqs = votes.corrections.correct(vote.id, {"unit": "2号楼 102", "action": "replace", "m1": "no", "m2": "no"},
                                     "admin")
    reversal, ballot = (VoteEntry.get(VoteEntry.seq == s) for s in seqs)
    assert reversal.kind == "reversal" and ballot.kind == "ballot" and ballot.choices == {"1": "no", "2": "no"}
    assert reversal.reverses == 4 and f"询异 #{objection.id}" in ballot.note
    # The ledger only grew: every earlier entry is exactly as it was, and the chain holds.
    assert [(e.seq, e.hash) for e in VoteEntry.select().where(VoteEntry.seq <= len(before))
            .order_by(VoteEntry.seq)] == before
    assert votes.ledger.verify(vote) == []

    old_until = vote.objection_until
    later(votes, datetime.timedelta(minutes=5))
    vote = votes.service.publish_preliminary(vote.id, "admin")
    assert vote.status == "preliminary" and vote.result["notice"] == 2 and vote.objection_until > old_until
    assert vote.result["replaces"]["objection"] == objection.id and vote.result["replaces"]["entries"] == seqs
    assert vote.result["replaces"]["previous"]["head"] == first["head"]
    assert owners_yes(vote.result, 1) == 3  # the new notice shows the corrected count
    with pytest.raises(Conflict):  # the same objection does not reopen the count twice
        votes.corrections.reopen(vote.id, objection.id, {"reason": "再来"}, "admin")
    # A new objection window: the old deadline no longer ends it, the new one does.
    votes.objections.record(vote.id, {"text": "新公示无异议吧"}, "volunteer")
    later(votes, datetime.timedelta(days=4))
    with pytest.raises(Conflict):  # still inside the new window
        votes.service.finalize(vote.id, "admin")
    later(votes, datetime.timedelta(days=20))
    o2 = votes.objections.list(vote.id)[-1]
    votes.objections.answer(vote.id, o2.id, {"outcome": "dismissed", "answer": "无"}, "admin")
    vote = votes.service.finalize(vote.id, "admin")
    assert owners_yes(vote.result, 1) == 3 and vote.result["notice"] == 2
    assert vote.result["objections"] == {"raised": 3, "upheld": 1, "dismissed": 2}

    # Anyone re-checks the exported ledger with the standard command: the chain holds and the
    # recount is the corrected one.
    votes.exporter.write(vote.id, tmp_path)
    capsys.readouterr()
    assert main(["votes", "verify", str(tmp_path / "ledger.jsonl"), "--roll", str(tmp_path / "roll.csv")]) == 0
    out = capsys.readouterr().out
    assert f"{vote.result['matters'][0]['strict']['approval']['owners']} " in out
    assert f"{len(before) + 2} " in out


def test_staff_correct_the_count_through_the_pages(client_as, votes, preliminary):
    objection = upheld(votes, preliminary)
    vol = client_as("volunteer")
    path = f"/votes/{preliminary.id}/objections"
    page = vol.get(path).get_data(as_text=True)
    assert f"/objections/{objection.id}/reopen" in page
    t = csrf_token(vol, path)
    r = vol.post(f"{path}/{objection.id}/reopen", data={"csrf_token": t, "reason": ""})
    assert r.status_code == 400 and 'id="list-error"' in r.get_data(as_text=True)
    r = vol.post(f"{path}/{objection.id}/reopen", data={"csrf_token": t, "reason": "2号楼 102 录错"})
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/votes/{preliminary.id}/correction")
    assert 'id="correction-link"' in vol.get(f"/votes/{preliminary.id}").get_data(as_text=True)
    form = f"/votes/{preliminary.id}/correction"
    page = vol.get(form).get_data(as_text=True)
    assert "2号楼 102 录错" in page and 'id="correction-form"' in page
    choices = page.split('id="correction-choices"')[1].split("</div>\n</form>")[0]
    assert 'value="no"' in choices and "required" not in choices  # "remove" needs no choice
    r = vol.post(form, data={"csrf_token": t, "unit": "", "action": "replace", "m1": "no", "m2": "no"})
    assert r.status_code == 400 and 'data-field="unit"' in r.get_data(as_text=True)
    r = vol.post(form, data={"csrf_token": t, "unit": "\x00" * 99, "action": "zzz"})
    assert r.status_code == 400
    r = vol.post(form, data={"csrf_token": t, "unit": "2号楼 102", "action": "replace", "m1": "no", "m2": "no"})
    assert r.status_code == 302
    page = vol.get(form).get_data(as_text=True)
    assert 'data-seq="5"' in page and 'data-seq="6"' in page
    assert 'id="chain-ok"' in vol.get(f"/votes/{preliminary.id}/ledger").get_data(as_text=True)
    r = vol.post(f"/votes/{preliminary.id}/step/preliminary", data={"csrf_token": t})
    assert votes.service.get(preliminary.id).status == "preliminary"
    notice = vol.get(f"/votes/{preliminary.id}/notice").get_data(as_text=True)
    assert f'id="replaces" data-objection="{objection.id}"' in notice and "2号楼 102 录错" in notice
    assert "本公示取代" in notice
    district = client_as("district")
    assert district.post(form, data={"csrf_token": csrf_token(district, form), "unit": "2号楼 102",
                                     "action": "remove"}).status_code == 403
