"""Retention of raw entries on the hub (per kind, day counts kept), on SQLite and PostgreSQL,
and a late copy of a pruned batch not bringing its rows back."""

from __future__ import annotations

import datetime

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from appliance.errors import ConfigError
from appliance.hub.models import HubBoxDay, HubEntry
from appliance.hub.retention import parse_policy, prune
from appliance.hub.service import HubService
from appliance.hub.store import open_hub_db
from appliance.sync import batch as batchfmt
from appliance.sync.keys import public_text

DAY = 86400
NOW = datetime.datetime(2026, 12, 1)
T0 = int(datetime.datetime(2024, 12, 1).timestamp())  # two years of entries before NOW


@pytest.fixture(params=["sqlite", "postgresql"])
def hub(request, tmp_path):
    url = ""
    if request.param == "postgresql":
        url = request.getfixturevalue("postgres").create_db(f"ret_{tmp_path.name[-12:].replace('-', '_').lower()}")
    h = HubService(open_hub_db(url, tmp_path), "district-1", tmp_path)
    yield h
    h.db.close()


def entries(first: int, n: int) -> list[batchfmt.Entry]:
    # One entry every 3 days; every third one is a fire-lane event, the rest gate events.
    return [batchfmt.Entry(s, f"e{s}", "firelane.event" if s % 3 == 0 else "access.event", T0 + s * 3 * DAY,
                           {"n": s}) for s in range(first, first + n)]


def test_parse_policy_names_the_bad_part():
    assert parse_policy("access.event=400, *=3650") == {"access.event": 400, "*": 3650}
    assert parse_policy("") == {}
    for bad in ("access.event", "access.event=-1", "=5", "access.event=forever"):
        with pytest.raises(ConfigError) as err:
            parse_policy(bad)
        assert bad.split(",")[0] in str(err.value)


def test_old_entries_go_per_kind_counts_stay_and_late_copies_stay_out(hub):
    key = Ed25519PrivateKey.generate()
    hub.register_box("box-a", public_text(key))
    rows = entries(1, 240)  # two years
    first = batchfmt.build(rows[:120], "box-a", key, 1 << 20)[0]
    hub.receive(first, "test")
    hub.receive(batchfmt.build(rows[120:], "box-a", key, 1 << 20)[0], "test")
    counted = sum(d.entries for d in HubBoxDay.select())
    assert HubEntry.select().count() == counted == 240

    policy = {"access.event": 365, "*": 0}  # gate events a year; fire-lane events for ever
    cutoff = NOW - datetime.timedelta(days=365)
    old_access = HubEntry.select().where(HubEntry.kind == "access.event", HubEntry.at < cutoff).count()
    assert old_access > 50
    assert prune(hub.db, policy, now=NOW, dry_run=True).rows == {"access.event": old_access}
    assert HubEntry.select().count() == 240  # a dry run deletes nothing

    assert prune(hub.db, policy, now=NOW, chunk=16).rows == {"access.event": old_access}
    assert HubEntry.select().where(HubEntry.kind == "access.event", HubEntry.at < cutoff).count() == 0
    assert HubEntry.select().where(HubEntry.kind == "firelane.event").count() == 80
    assert HubEntry.select().count() == 240 - old_access
    # The district's day counts still say what happened then.
    assert sum(d.entries for d in HubBoxDay.select()) == 240
    # Idempotent: the next night finds nothing.
    assert prune(hub.db, policy, now=NOW).rows == {"access.event": 0}

    # The first batch arrives again (a stick imported twice): acked, nothing comes back.
    receipt = hub.receive(first, "test")
    assert receipt.status == "duplicate" and receipt.acked == 240
    assert HubEntry.select().count() == 240 - old_access
    assert sum(d.entries for d in HubBoxDay.select()) == 240


def test_entries_above_the_ack_are_never_pruned(hub):
    key = Ed25519PrivateKey.generate()
    hub.register_box("box-b", public_text(key))
    rows = entries(1, 30)
    hub.receive(batchfmt.build(rows[:10], "box-b", key, 1 << 20)[0], "test")
    hub.receive(batchfmt.build(rows[20:], "box-b", key, 1 << 20)[0], "test")  # 11..20 still missing
    deleted = prune(hub.db, {"*": 30}, now=NOW).rows
    assert sum(deleted.values()) == 10
    assert sorted(s for (s,) in HubEntry.select(HubEntry.seq).tuples()) == list(range(21, 31))
    # The gap filled: the ack goes to 30 over the kept rows.
    assert hub.receive(batchfmt.build(rows[10:20], "box-b", key, 1 << 20)[0], "test").acked == 30
