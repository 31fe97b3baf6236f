"""200 owners voting at once, and 50 ballots racing for one unit: one per unit, none lost."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from appliance.db.models import VoteEntry
from tests.votes.conftest import make_community


def test_simultaneous_ballots_keep_one_per_unit_and_lose_none(services, votes):
    layout = {"1号楼": [(f"{i:03d}", "50", [(f"业主{i}", f"139{i:08d}", "owner")]) for i in range(200)]}
    layout["2号楼"] = [("101", "60", [(f"共有{i}", f"137{i:08d}", "owner") for i in range(50)])]
    people = make_community(services, layout)
    vote = votes.service.save({"title": "并发"}, [{"title": "续聘", "item": "4"}], "admin")
    votes.service.publish_roll(vote.id, "admin", correction_days=0)
    votes.service.open(vote.id, "admin")
    owners = [people[("1号楼", f"{i:03d}")][0] for i in range(200)]
    racers = people[("2号楼", "101")]

    def cast(resident):
        return votes.ballots.cast_phone(vote.id, resident, {"m1": "yes"}).accepted

    with ThreadPoolExecutor(max_workers=16) as pool:
        results = list(pool.map(cast, owners + racers))
    services.db.close()  # this thread's connection sees every other thread's commit afresh
    assert results[:200] == [True] * 200
    assert sum(results[200:]) == 1
    entries = list(VoteEntry.select().where(VoteEntry.vote == vote.id))
    assert len(entries) == 250
    assert sum(1 for e in entries if e.kind == "ballot") == 201
    assert sum(1 for e in entries if e.kind == "refused") == 49
    assert sorted(e.seq for e in entries) == list(range(1, 251))
    assert votes.ledger.verify(vote) == []
    assert str(votes.service.results(vote)["strict"][0].participation_owners) == "201/201"
