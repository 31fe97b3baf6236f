"""The roll from the register, one ballot per owner on every channel, the counting rule's
conditions, the notice stages and the ledger's proofs."""

from __future__ import annotations

import datetime
import io
import json

import pytest
import segno
from PIL import Image

from appliance.db.models import OutboxEntry, VoteEntry, VoteRoll
from appliance.errors import Conflict, PermissionDenied, ValidationError
from appliance.votes.export import verify_export
from tests.votes.conftest import MATTERS, make_community

ALL_YES = {"m1": "yes", "m2": "yes"}


def roll_by_unit(votes, vote):
    return {f"{r.building} {r.number}": r for r in votes.roll.rows(vote.id)}


def test_the_roll_comes_from_the_register_with_areas_co_owners_and_the_developer(votes, open_vote):
    rows = roll_by_unit(votes, open_vote)
    assert rows["1号楼 101"].area == 8050 and rows["1号楼 201"].area == 9025
    assert rows["1号楼 202"].owner_key == "developer" and rows["1号楼 202"].owner_label == "开发商"
    assert "李四" in rows["1号楼 201"].owner_label and "李四妻" in rows["1号楼 201"].owner_label
    # 张三 on two units is one owner only once staff merge (suggested by same name and phone)
    assert rows["1号楼 101"].owner_key != rows["1号楼 102"].owner_key


def test_a_unit_without_floor_area_stops_the_roll_naming_it(services, votes):
    make_community(services, {"3号楼": [("101", "50", [("甲", "13900000001", "owner")]), ("102", None, [])]})
    vote = votes.service.save({"title": "t"}, MATTERS, "admin")
    with pytest.raises(ValidationError) as exc:
        votes.service.publish_roll(vote.id, "admin")
    assert "3号楼 102" in exc.value.message()
    assert votes.service.get(vote.id).status == "draft" and not votes.roll.rows(vote.id)


def test_scope_limits_the_roll_to_the_chosen_buildings(votes, community):
    vote = votes.service.save({"title": "2号楼加装电梯", "scope": ["2号楼"]}, MATTERS, "admin")
    votes.service.publish_roll(vote.id, "admin", correction_days=0)
    assert sorted(roll_by_unit(votes, vote)) == ["2号楼 101", "2号楼 102"]


def test_merging_a_suggested_multi_unit_owner_is_audited_and_counts_once(services, votes, community):
    vote = votes.service.save({"title": "t"}, MATTERS, "admin")
    votes.service.publish_roll(vote.id, "admin", correction_days=3)
    groups = votes.roll.suggestions(vote.id)
    assert [[f"{r.building} {r.number}" for r in g] for g in groups] == [["1号楼 101", "1号楼 102"]]
    votes.roll.merge(vote, [r.id for r in groups[0]], "volunteer")
    assert votes.roll.suggestions(vote.id) == []
    assert services.audit.recent(1)[0].action == "roll_merge"
    with pytest.raises(Conflict):  # voting waits for the correction window
        votes.service.open(vote.id, "admin")
    votes.service.clock = lambda: datetime.datetime.now() + datetime.timedelta(days=4)
    votes.service.open(vote.id, "admin")
    zhang = community[("1号楼", "102")][0]
    assert votes.ballots.cast_phone(vote.id, zhang, ALL_YES).accepted
    owners = votes.service.results(vote)["strict"][0].participation_owners
    assert str(owners) == "1/5"  # 张三 (2 units), 李四家, 开发商, 王五, 赵六
    with pytest.raises(Conflict):
        votes.roll.correct(vote, groups[0][0].id, {"area": "81", "reason": "测绘"}, "volunteer")


def test_one_ballot_per_unit_across_channels_the_later_is_refused_and_recorded(votes, open_vote, community):
    li, li_wife = community[("1号楼", "201")]
    first = votes.ballots.cast_phone(open_vote.id, li, ALL_YES)
    second = votes.ballots.cast_phone(open_vote.id, li_wife, {"m1": "no", "m2": "no"})
    assert first.accepted and not second.accepted and second.first_seq == first.entry.seq
    row = roll_by_unit(votes, open_vote)["1号楼 201"]
    code = votes.ballots.paper_code(open_vote, row)
    paper = votes.ballots.enter_paper(open_vote.id, {"code": code, "m1": "no"}, png(), "volunteer")
    third = votes.ballots.confirm_paper(open_vote.id, paper.id, "admin")
    assert not third.accepted
    kinds = [e.kind for e in VoteEntry.select().order_by(VoteEntry.seq)]
    assert kinds == ["ballot", "refused", "refused"]
    assert votes.service.ballots_by_matter(open_vote.id)["1"] == {row.owner_key: "yes"}


def test_tenants_and_people_outside_the_scope_cannot_vote_by_phone(votes, open_vote, community):
    tenant = community[("2号楼", "101")][1]
    with pytest.raises(PermissionDenied):
        votes.ballots.cast_phone(open_vote.id, tenant, ALL_YES)
    with pytest.raises(ValidationError):
        votes.ballots.cast_phone(open_vote.id, community[("2号楼", "102")][0], {"m1": "yes"})  # matter 2 missing


def png(text="LV1:x"):
    buf = io.BytesIO()
    segno.make(text, error="m").save(buf, kind="png", scale=8, border=4)
    return buf.getvalue()


def test_paper_needs_a_second_person_and_keeps_the_scan(votes, open_vote, community, linli_home):
    row = roll_by_unit(votes, open_vote)["2号楼 102"]
    code = votes.ballots.paper_code(open_vote, row)
    scan = png(code)  # the photo of the signed ballot, its QR code read from it
    paper = votes.ballots.enter_paper(open_vote.id, {"m1": "yes", "m2": "invalid"}, scan, "volunteer")
    assert paper.roll_id == row.id and (linli_home / "votes" / "evidence" / paper.evidence).read_bytes() == scan
    with pytest.raises(PermissionDenied):
        votes.ballots.confirm_paper(open_vote.id, paper.id, "volunteer")
    result = votes.ballots.confirm_paper(open_vote.id, paper.id, "admin")
    e = result.entry
    assert result.accepted and e.channel == "paper" and e.entered_by == "volunteer" and e.confirmed_by == "admin"
    assert e.evidence == paper.evidence.split(".")[0] and e.choices == {"1": "yes", "2": "invalid"}
    blank = votes.ballots.enter_paper(open_vote.id, {"code": votes.ballots.paper_code(
        open_vote, roll_by_unit(votes, open_vote)["2号楼 101"]), "m1": "no"}, scan, "volunteer")
    assert blank.choices == {"1": "no", "2": "invalid"}  # a blank matter takes part, never approves
    with pytest.raises(ValidationError):  # a forged code
        votes.ballots.enter_paper(open_vote.id, {"code": code[:-1] + "x", "m1": "yes"}, scan, "volunteer")
    with pytest.raises(ValidationError):  # not a picture
        votes.ballots.enter_paper(open_vote.id, {"code": code, "m1": "yes"}, b"%PDF-1.4", "volunteer")


def test_a_proxy_ballot_needs_the_written_proxy(votes, open_vote):
    row = roll_by_unit(votes, open_vote)["2号楼 101"]
    code = votes.ballots.paper_code(open_vote, row)
    with pytest.raises(ValidationError) as exc:
        votes.ballots.enter_paper(open_vote.id, {"code": code, "channel": "proxy", **ALL_YES}, png(), "volunteer")
    assert exc.value.field == "proxy_doc"
    paper = votes.ballots.enter_paper(open_vote.id, {"code": code, "channel": "proxy", "proxy_doc": "王五书面委托租客",
                                                     **ALL_YES}, png(), "volunteer")
    e = votes.ballots.confirm_paper(open_vote.id, paper.id, "admin").entry
    assert e.channel == "proxy" and e.proxy_doc == "王五书面委托租客"


def test_the_silent_rule_needs_its_warning_and_every_delivery(votes, community):
    with pytest.raises(ValidationError) as exc:
        votes.service.save({"title": "t", "rule": "silent"}, MATTERS, "admin")
    assert exc.value.field == "warning"
    vote = votes.service.save({"title": "t", "rule": "silent", "warning": "未投票视为同意多数意见"},
                              [{"title": "续聘物业公司", "item": "4"}], "admin")
    votes.service.publish_roll(vote.id, "admin", correction_days=0)
    votes.service.open(vote.id, "admin")
    for unit in (("1号楼", "101"), ("1号楼", "201"), ("2号楼", "101")):
        votes.ballots.cast_phone(vote.id, community[unit][0], {"m1": "yes"})
    res = votes.service.results(vote)
    assert res["strict"][0].result == "no_quorum" and res["rule"] is None and res["undelivered"] == 6
    wang = community[("2号楼", "102")][0]
    votes.ballots.record_read(vote, wang)  # read on /me
    rows = votes.roll.undelivered(vote.id)
    assert len(rows) == 5
    votes.roll.mark_delivered(vote, [r.id for r in rows], "signed", "volunteer")
    res = votes.service.results(vote)
    assert res["undelivered"] is None and res["rule"][0].result == "passed"
    assert res["strict"][0].result == "no_quorum"  # the strict tally is always there beside it


def test_stages_notice_objection_window_final_result_and_sync(votes, open_vote, community):
    for unit in (("1号楼", "101"), ("1号楼", "102"), ("1号楼", "201"), ("2号楼", "101"), ("2号楼", "102")):
        votes.ballots.cast_phone(open_vote.id, community[unit][0], {"m1": "yes", "m2": "no"})
    with pytest.raises(Conflict):
        votes.service.publish_preliminary(open_vote.id, "admin")
    votes.service.close(open_vote.id, "admin")
    with pytest.raises(Conflict):
        votes.ballots.cast_phone(open_vote.id, community[("1号楼", "101")][0], ALL_YES)
    vote = votes.service.publish_preliminary(open_vote.id, "admin")
    assert [m["strict"]["result"] for m in vote.result["matters"]] == ["passed", "failed"]
    assert {"unit": "1号楼 101", "area": 8050, "source": "register"} in vote.result["participants"]
    assert "张三" not in json.dumps(vote.result, ensure_ascii=False)
    with pytest.raises(Conflict):
        votes.service.finalize(vote.id, "admin")  # objections still possible
    votes.service.clock = lambda: datetime.datetime.now() + datetime.timedelta(days=8)
    votes.service.finalize(vote.id, "admin")
    sent = OutboxEntry.get(OutboxEntry.kind == "vote_result")
    assert sent.payload["result"]["matters"][0]["strict"]["participation"]["owners"] == "5/6"
    assert "张三" not in json.dumps(sent.payload, ensure_ascii=False)


def test_the_ledger_is_append_only_and_its_export_proves_the_count(votes, open_vote, community, tmp_path, db):
    for unit in (("1号楼", "101"), ("1号楼", "201"), ("2号楼", "101"), ("2号楼", "102"), ("1号楼", "102")):
        votes.ballots.cast_phone(open_vote.id, community[unit][0], {"m1": "yes", "m2": "abstain"})
    with pytest.raises(Exception):
        VoteEntry.update(choices={"1": "no"}).where(VoteEntry.seq == 1).execute()
    with pytest.raises(Exception):
        VoteEntry.delete().execute()
    entry = VoteEntry.get(VoteEntry.seq == 2)
    votes.ballots.reverse(open_vote.id, entry.seq, "录入错误", "admin")
    assert votes.ballots.cast_phone(open_vote.id, community[("1号楼", "201")][0], {"m1": "no", "m2": "no"}).accepted
    assert votes.ledger.verify(open_vote) == []
    votes.exporter.write(open_vote.id, tmp_path)
    problems, summary = verify_export(tmp_path / "ledger.jsonl", tmp_path / "roll.csv")
    assert problems == [] and any("1. 续聘物业公司: passed" in line and "4/5 (owners)" in line
                                                for line in summary)
    # what the offline calculator gets from the exported files agrees with the box
    from appliance.cli import main
    assert main(["votes", "tally", str(tmp_path / "roll.csv"), str(tmp_path / "ballots.csv"), "--json"]) == 0
    # tampering with one exported ballot is found
    lines = (tmp_path / "ledger.jsonl").read_text(encoding="utf-8").splitlines()
    row = json.loads(lines[1])
    row["choices"]["1"] = "no"
    lines[1] = json.dumps(row, ensure_ascii=False)
    (tmp_path / "ledger.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    problems, _ = verify_export(tmp_path / "ledger.jsonl")
    assert problems and "entry 1" in problems[0]


def test_export_tally_matches_the_box(votes, open_vote, community, tmp_path, capsys):
    from appliance.cli import main

    for unit in (("1号楼", "101"), ("1号楼", "201"), ("2号楼", "101"), ("2号楼", "102")):
        votes.ballots.cast_phone(open_vote.id, community[unit][0], {"m1": "yes", "m2": "abstain"})
    votes.exporter.write(open_vote.id, tmp_path)
    special = votes.exporter.special_matters(open_vote.id)
    assert main(["votes", "tally", str(tmp_path / "roll.csv"), str(tmp_path / "ballots.csv"), "--json",
                 *sum((["--special", s] for s in special), [])]) == 0
    printed = json.loads(capsys.readouterr().out)
    box = [r.as_json() for r in votes.service.results(open_vote)["strict"]]
    assert [p["result"] for p in printed] == [b["result"] for b in box]
    assert [p["participation"] for p in printed] == [b["participation"] for b in box]
    assert [p["approval"] for p in printed] == [b["approval"] for b in box]


def test_health_reports_a_ledger_altered_behind_the_box(votes, open_vote, community, db, services):
    votes.ballots.cast_phone(open_vote.id, community[("2号楼", "102")][0], ALL_YES)
    assert services.health.report()["subsystems"]["votes"]["ok"]
    # someone with the SD card drops the guard and edits a ballot
    db.execute_sql("DROP TRIGGER vote_entry_no_update")
    db.execute_sql("UPDATE vote_entry SET choices = '{\"1\": \"no\", \"2\": \"no\"}' WHERE seq = 1")
    from appliance.votes.setup import LedgerHealth

    ok, detail = LedgerHealth(votes.service, votes.ledger)()
    assert not ok and str(open_vote.id) in detail
