"""Committee elections through the services: the matter's rules at drafting, ballots on every
channel (too many marks refused on a phone, recorded invalid on paper), the result in the
notice, the hub payload, the exports and their re-count."""

from __future__ import annotations

import datetime
import json

import pytest

from appliance.db.models import OutboxEntry, VoteEntry, VotePaper
from appliance.errors import ValidationError
from appliance.sync.policy import FieldPolicy
from appliance.votes.export import verify_export
from tests.sync.test_batches_and_hub import hub  # noqa: F401  (the district hub fixture)
from tests.votes.conftest import make_community
from tests.votes.test_votes_service import png, roll_by_unit

ELECTION = [{"title": "续聘物业公司", "item": "4"},
            {"title": "选举第二届业主委员会委员", "item": "3", "seats": "2", "candidates": "陈一\n林二\n黄三"}]
CANDIDATES = ("陈一", "林二", "黄三")


@pytest.fixture
def election(votes, community):
    vote = votes.service.save({"title": "业委会换届"}, ELECTION, "admin")
    votes.service.publish_roll(vote.id, "admin", correction_days=0)
    return votes.service.open(vote.id, "admin")


@pytest.mark.parametrize("matter, field", [
    ({"title": "选举", "item": "4", "seats": "1", "candidates": "甲\n乙"}, "item_1"),
    ({"title": "选举", "item": "3", "seats": "3", "candidates": "甲\n乙"}, "seats_1"),
    ({"title": "选举", "item": "3", "seats": "1", "candidates": "甲\n甲"}, "candidates_1"),
    ({"title": "选举", "item": "3", "seats": "", "candidates": "甲\n乙"}, "seats_1"),
    ({"title": "选举", "item": "3", "seats": "2", "candidates": ""}, "candidates_1"),
    ({"title": "选举", "item": "3", "seats": "0", "candidates": "甲"}, "seats_1"),
])
def test_an_election_matter_is_checked_when_drafted(votes, matter, field):
    with pytest.raises(ValidationError) as exc:
        votes.service.save({"title": "t"}, [matter], "admin")
    assert exc.value.field == field


def test_seats_and_candidates_are_kept_in_order(votes, election):
    m = votes.service.matters(election.id)[1]
    assert m.is_election and m.seats == 2 and m.candidates == list(CANDIDATES) and m.item == 3
    assert not votes.service.matters(election.id)[0].is_election


def test_too_many_marks_on_a_phone_are_refused_with_the_reason(votes, election, community):
    zhao = community[("2号楼", "102")][0]
    with pytest.raises(ValidationError) as exc:
        votes.ballots.cast_phone(election.id, zhao, {"m1": "yes", "m2_c1": "1", "m2_c2": "1", "m2_c3": "1"})
    assert exc.value.field == "m2" and "2" in exc.value.message()
    assert VoteEntry.select().count() == 0
    result = votes.ballots.cast_phone(election.id, zhao, {"m1": "yes", "m2_c1": "1", "m2_c3": "1"})
    assert result.accepted and result.entry.choices == {"1": "yes", "2": [1, 3]}


def test_too_many_marks_on_paper_make_the_matter_invalid_and_it_is_recorded(votes, election):
    row = roll_by_unit(votes, election)["2号楼 102"]
    code = votes.ballots.paper_code(election, row)
    paper = votes.ballots.enter_paper(election.id, {"code": code, "m1": "no", "m2_c1": "1", "m2_c2": "1",
                                                    "m2_c3": "1"}, png(), "volunteer")
    assert VotePaper.get_by_id(paper.id).choices == {"1": "no", "2": "invalid"}
    assert votes.ballots.confirm_paper(election.id, paper.id, "admin").accepted
    entry = VoteEntry.get(VoteEntry.kind == "ballot")
    assert entry.choices == {"1": "no", "2": "invalid"} and entry.channel == "paper"
    res = votes.service.results(election)["strict"][1]
    assert res.invalid == 1 and str(res.participation_owners) == "1/6"


def cast_all(votes, vote, community):
    """Five of six owners (the developer does not vote): 陈一 by 4, 林二 by 4, 黄三 by 1."""
    marks = {("1号楼", "101"): (1, 2), ("1号楼", "102"): (1, 2), ("1号楼", "201"): (1, 2),
             ("2号楼", "101"): (1, 3), ("2号楼", "102"): (2,)}
    for unit, chosen in marks.items():
        data = {"m1": "yes", **{f"m2_c{n}": "1" for n in chosen}}
        assert votes.ballots.cast_phone(vote.id, community[unit][0], data).accepted


def test_seats_go_to_the_candidates_who_pass_and_the_result_reaches_the_hub(votes, election, community, services):
    cast_all(votes, election, community)
    res = votes.service.results(election)["strict"][1]
    assert [(c.name, c.status) for c in res.candidates] == [("陈一", "elected"), ("林二", "elected"),
                                                           ("黄三", "failed")]
    assert str(res.candidates[0].approval_owners) == "4/5" and res.result == "filled"
    votes.service.close(election.id, "admin")
    vote = votes.service.publish_preliminary(election.id, "admin")
    matter = vote.result["matters"][1]["strict"]
    assert matter["elected"] == ["陈一", "林二"] and matter["kind"] == "election"
    votes.service.clock = lambda: datetime.datetime.now() + datetime.timedelta(days=30)
    votes.service.finalize(election.id, "admin")
    payload = OutboxEntry.get(OutboxEntry.kind == "vote_result").payload
    # What leaves the box after the field policy: candidates' names stay (they stood for election),
    # owners' names never were there.
    sent = FieldPolicy(b"k" * 32).apply(payload, "vote_result")
    candidates = sent["result"]["matters"][1]["strict"]["candidates"]
    assert [c["candidate"] for c in candidates] == list(CANDIDATES) and candidates[0]["status"] == "elected"
    assert "张三" not in json.dumps(sent, ensure_ascii=False)


def test_the_export_carries_the_election_and_both_recounts_agree(votes, election, community, tmp_path, capsys):
    cast_all(votes, election, community)
    votes.exporter.write(election.id, tmp_path)
    header = json.loads((tmp_path / "ledger.jsonl").read_text(encoding="utf-8").splitlines()[0])
    assert header["matters"][1] == {"position": 2, "title": "选举第二届业主委员会委员", "item": 3,
                                    "kind": "election", "seats": 2, "candidates": list(CANDIDATES)}
    problems, summary = verify_export(tmp_path / "ledger.jsonl", tmp_path / "roll.csv")
    assert problems == []
    assert any("选举第二届业主委员会委员: filled, 2 seats" in line for line in summary)
    assert any("1. 陈一: elected approval" in line and "4/5 (owners)" in line for line in summary)
    assert any("3. 黄三: failed" in line for line in summary)
    csv_text = (tmp_path / "ballots.csv").read_text(encoding="utf-8")
    assert "2号楼 102,2. 选举第二届业主委员会委员｜林二,赞成" in csv_text
    assert "2号楼 102,2. 选举第二届业主委员会委员｜陈一,弃权" in csv_text
    # the offline calculator re-checks each candidate's double threshold from the same files
    from appliance.cli import main

    assert main(["votes", "tally", str(tmp_path / "roll.csv"), str(tmp_path / "ballots.csv"), "--json"]) == 0
    capsys.readouterr()
    # ...and with --seats it re-runs the whole election: same seats as the box
    assert main(["votes", "tally", str(tmp_path / "roll.csv"), str(tmp_path / "ballots.csv"), "--json",
                 "--seats", "2. 选举第二届业主委员会委员=2"]) == 0
    printed = json.loads(capsys.readouterr().out)
    box = votes.service.results(election)["strict"][1].as_json()
    assert printed[-1] == {**box, "matter": "2. 选举第二届业主委员会委员"} and printed[-1]["elected"] == ["陈一", "林二"]
    assert [r["matter"] for r in printed] == ["1. 续聘物业公司", "2. 选举第二届业主委员会委员"]
    assert main(["votes", "tally", str(tmp_path / "roll.csv"), str(tmp_path / "ballots.csv"),
                 "--seats", "2. 选举第二届业主委员会委员=2"]) == 0
    assert "陈一" in capsys.readouterr().out
    assert main(["votes", "tally", str(tmp_path / "roll.csv"), str(tmp_path / "ballots.csv"),
                 "--seats", "没有这项=2"]) == 1
    assert "没有这项" in capsys.readouterr().err


def tie_community(services):
    return make_community(services, {"5号楼": [(f"10{i}", "50.00", [(f"业主{i}", f"1370000000{i}", "owner")])
                                             for i in range(1, 6)]})


def test_a_tie_for_the_last_seat_is_reported_for_a_run_off_not_drawn(services, votes):
    people = tie_community(services)
    vote = votes.service.save({"title": "补选"}, [{"title": "补选委员", "item": "3", "seats": "2",
                                                  "candidates": "甲\n乙\n丙"}], "admin")
    votes.service.publish_roll(vote.id, "admin", correction_days=0)
    votes.service.open(vote.id, "admin")
    # 丙 by four owners; 甲 and 乙 by three each with the same area: one seat left for two
    for i, marks in enumerate([(3, 1), (3, 2), (3, 1), (3, 2), (1, 2)], start=1):
        data = {f"m1_c{n}": "1" for n in marks}
        assert votes.ballots.cast_phone(vote.id, people[("5号楼", f"10{i}")][0], data).accepted
    res = votes.service.results(vote)["strict"][0]
    assert [c.status for c in res.candidates] == ["runoff", "runoff", "elected"]
    assert res.runoff_seats == 1 and res.result == "seats_open"
    assert [c.name for c in res.elected] == ["丙"] and [c.rank for c in res.candidates] == [2, 2, 1]


def test_the_election_result_reaches_the_hub_through_the_real_sync(votes, election, community, services, hub):
    from appliance.hub.models import HubEntry
    from tests.sync.test_batches_and_hub import deliver

    cast_all(votes, election, community)
    votes.service.close(election.id, "admin")
    votes.service.publish_preliminary(election.id, "admin")
    votes.service.clock = lambda: datetime.datetime.now() + datetime.timedelta(days=30)
    votes.service.finalize(election.id, "admin")
    deliver(services, hub)
    stored = HubEntry.get(HubEntry.kind == "vote_result").payload
    matter = stored["result"]["matters"][1]["strict"]
    assert matter["elected"] == ["陈一", "林二"] and matter["seats"] == 2
    assert [c["candidate"] for c in matter["candidates"]] == list(CANDIDATES)
    assert "张三" not in json.dumps(stored, ensure_ascii=False)


def test_the_street_office_sheet_lists_each_candidate_and_the_area_sources(votes, election, community):
    import io

    from openpyxl import load_workbook

    cast_all(votes, election, community)
    wb = load_workbook(io.BytesIO(votes.exporter.xlsx(election.id)))
    rows = [[c for c in r] for r in wb["表决结果"].iter_rows(values_only=True)]
    assert ["选举第二届业主委员会委员｜陈一", 3, "严格计票", "elected", "37575/47575", "5/6", "30075/37575", "4/5"] in rows
    assert ["面积来源", "测绘面积 0 户", "合同面积 0 户"] == [c for c in rows[-1] if c is not None]
    assert wb["参与房屋"]["C2"].value == "不动产登记面积"
