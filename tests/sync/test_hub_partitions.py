"""The hub's entries by month on a real PostgreSQL (migration 0005): existing rows move into
months and stay readable, new months are made ahead, an odd date never fails an insert,
retention drops a whole expired month, and every entry is still stored once."""

from __future__ import annotations

import argparse
import datetime
import functools
import threading

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from playhouse.migrations import Runner

from appliance.hub import partitions
from appliance.hub.models import HUB_MODELS, HubBoxDay, HubEntry
from appliance.hub.retention import prune
from appliance.hub.service import HubService
from appliance.hub.store import MIGRATIONS_DIR, connect_hub_db, migrate_hub, open_hub_db
from appliance.i18n import _locale, set_locale
from appliance.sync import batch as batchfmt
from appliance.sync.keys import public_text

JAN, FEB = datetime.datetime(2025, 1, 1), datetime.datetime(2025, 2, 1)


def _url(request, tmp_path, prefix: str) -> str:
    return request.getfixturevalue("postgres").create_db(f"{prefix}_{tmp_path.name[-12:].replace('-', '_').lower()}")


@pytest.fixture
def hub(request, tmp_path):
    h = HubService(open_hub_db(_url(request, tmp_path, "part"), tmp_path), "district-1", tmp_path)
    yield h
    h.db.close()


def send(hub, box: str, key, first: int, n: int, start: datetime.datetime, step_h: float = 1.0,
         kind: str = "access.event"):
    entries = [batchfmt.Entry(s, f"{box}-{s}", kind, int((start + datetime.timedelta(hours=step_h * i)).timestamp()),
                              {"n": s}) for i, s in enumerate(range(first, first + n))]
    data = batchfmt.build(entries, box, key, 1 << 20)[0]
    return data, hub.receive(data, "test")


def paired(hub, box: str = "box-a"):
    key = Ed25519PrivateKey.generate()
    hub.register_box(box, public_text(key))
    return key


def received_in(db, month: datetime.datetime, seqs: range) -> None:
    """As if the hub had stored these rows in ``month`` (the row moves to that month's partition)."""
    db.execute_sql("UPDATE hub_entry SET received_at = %s WHERE seq BETWEEN %s AND %s",
                   (month + datetime.timedelta(days=20), seqs.start, seqs.stop - 1))
    if db.table_exists("hub_box_month"):  # as that hub's ingest would have noted them (migration 0006)
        db.execute_sql("DELETE FROM hub_box_month")
        db.execute_sql("INSERT INTO hub_box_month SELECT box, CAST(date_trunc('month', received_at) AS DATE), "
                       "MIN(seq), MAX(seq) FROM hub_entry GROUP BY 1, 2")


def rows_in(db, table: str) -> int:
    return db.execute_sql(f"SELECT COUNT(*) FROM {table}").fetchone()[0]


def children(db) -> set[str]:
    return {name for (name,) in db.execute_sql(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        "WHERE i.inhparent = 'hub_entry'::regclass")}


def this_month() -> datetime.datetime:
    return partitions.month_start(datetime.datetime.now())


def test_the_migration_moves_existing_rows_into_months_and_keeps_them_readable(request, tmp_path):
    db = connect_hub_db(_url(request, tmp_path, "mig"), tmp_path)
    try:
        Runner(db, str(MIGRATIONS_DIR)).up(target="0004_entry_retention_index")  # a hub from before 0005
        hub = HubService(db, "district-1", tmp_path)
        key = paired(hub)
        # What that hub's ingest had stored and acked (today's ingest needs migration 0006).
        old = datetime.datetime(2025, 6, 1)
        for s in range(1, 31):
            db.execute_sql("INSERT INTO hub_entry (box, seq, uuid, kind, at, payload, received_at) "
                           "VALUES ('box-a', %s, %s, 'access.event', %s, %s, now())",
                           (s, f"box-a-{s}", old + datetime.timedelta(hours=s), '{"n": %d}' % s))
        db.execute_sql("UPDATE hub_box SET acked = 30 WHERE box_id = 'box-a'")
        received_in(db, old, range(1, 11))  # stored months ago
        assert not partitions.is_partitioned(db)

        assert migrate_hub(db) == ["0005_entry_partitions", "0006_box_months"]
        assert partitions.is_partitioned(db)
        assert rows_in(db, "hub_entry_y2025m06") == 10
        now = this_month()
        assert rows_in(db, partitions.month_of(now).name) == 20
        assert {partitions.month_of(partitions.add_months(now, n)).name for n in range(4)} <= children(db)
        assert "hub_entry_default" in children(db)
        # Readable as before, old month and new alike.
        assert [e.payload["n"] for e in HubEntry.select().where(HubEntry.box == "box-a").order_by(HubEntry.seq)] \
            == list(range(1, 31))
        assert send(hub, "box-a", key, 31, 5, datetime.datetime(2025, 6, 3))[1].acked == 35  # and stores on
        # 0006 found the old month's rows: another entry under a seq stored in June is refused.
        forged = batchfmt.build([batchfmt.Entry(5, "not-the-stored-one", "access.event", int(old.timestamp()), {})],
                                "box-a", key, 1 << 20)[0]
        receipt = hub.receive(forged, "test")
        assert receipt.status == "refused" and "5" in receipt.reason
    finally:
        db.close()


def test_a_month_ahead_takes_its_rows_and_a_far_date_lands_in_the_default(hub):
    db = hub.db
    ahead = partitions.month_of(partitions.add_months(this_month(), 2))
    insert = ("INSERT INTO hub_entry (box, seq, uuid, kind, at, payload, received_at) "
              "VALUES ('box-x', %s, %s, 'access.event', %s, '{}', %s)")
    db.execute_sql(insert, (1, "u1", ahead.start, ahead.start + datetime.timedelta(days=3)))
    assert rows_in(db, ahead.name) == 1
    far = datetime.datetime(2099, 1, 15)
    db.execute_sql(insert, (2, "u2", far, far))  # no month made for it: still stored
    assert rows_in(db, "hub_entry_default") == 1
    # When its month is made, the row moves out of the default into it.
    assert partitions.month_of(datetime.datetime(2099, 1, 1)).name in partitions.ensure_months(db, 1, now=far)
    assert rows_in(db, "hub_entry_default") == 0
    assert rows_in(db, "hub_entry_y2099m01") == 1
    assert HubEntry.select().where(HubEntry.box == "box-x").count() == 2


def test_making_months_twice_or_from_two_workers_at_once_is_harmless(hub):
    before = children(hub.db)
    assert partitions.ensure_months(hub.db, 3) == []  # the migration made them already
    barrier = threading.Barrier(2)
    made, errors = [], []

    def worker():
        barrier.wait()
        try:
            made.append(partitions.ensure_months(hub.db, 8))
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            hub.db.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert sorted(made, key=len) == [[], [partitions.month_of(partitions.add_months(this_month(), n)).name
                                          for n in range(4, 9)]]
    assert len(children(hub.db)) == len(before) + 5


def old_months(hub):
    """Box a: 20 gate events in January 2025 (stored then), 20 in February 2025 (stored then)."""
    key = paired(hub)
    partitions.ensure_months(hub.db, 1, now=JAN)
    send(hub, "box-a", key, 1, 20, JAN + datetime.timedelta(days=4))
    send(hub, "box-a", key, 21, 20, FEB, step_h=24)  # one a day: Feb 1 to Feb 20
    received_in(hub.db, JAN, range(1, 21))
    received_in(hub.db, FEB, range(21, 41))
    return key


NOW = datetime.datetime(2026, 2, 10)  # a year's limit keeps what happened from 2025-02-10 on


def test_prune_drops_an_expired_month_whole_and_keeps_a_partial_months_newer_rows(hub):
    old_months(hub)
    dry = prune(hub.db, {"*": 365}, now=NOW, dry_run=True)
    assert dry.months == ["2025-01"] and dry.month_rows == 20
    assert dry.rows == {"access.event": 20 + 9}  # January whole, February 1 to 9 row by row
    assert HubEntry.select().count() == 40 and "hub_entry_y2025m01" in children(hub.db)  # nothing changed

    done = prune(hub.db, {"*": 365}, now=NOW, chunk=4)
    assert (done.months, done.rows) == (dry.months, dry.rows)
    assert "hub_entry_y2025m01" not in children(hub.db)
    assert [s for (s,) in HubEntry.select(HubEntry.seq).order_by(HubEntry.seq).tuples()] == list(range(30, 41))
    assert sum(d.entries for d in HubBoxDay.select()) == 40  # the district's counts stay
    again = prune(hub.db, {"*": 365}, now=NOW)
    assert (again.months, again.rows) == ([], {"access.event": 0})


def test_a_month_holding_a_kind_kept_for_ever_is_not_dropped(hub):
    key = old_months(hub)
    send(hub, "box-a", key, 41, 1, JAN + datetime.timedelta(days=9), kind="firelane.event")
    received_in(hub.db, JAN, range(41, 42))
    done = prune(hub.db, {"access.event": 365, "*": 0}, now=NOW)
    assert done.months == [] and done.rows == {"access.event": 29}
    assert "hub_entry_y2025m01" in children(hub.db)
    assert [e.kind for e in HubEntry.select().where(HubEntry.at < FEB)] == ["firelane.event"]


def test_the_dry_run_command_says_in_chinese_which_months_would_go(request, tmp_path, monkeypatch, capsys):
    url = _url(request, tmp_path, "cli")
    hub = HubService(open_hub_db(url, tmp_path), "district-1", tmp_path)
    try:
        old_months(hub)
        (tmp_path / "config.toml").write_text(f'[hub]\nid = "district-1"\ndb_url = "{url}"\nretention = "*=365"\n')
        monkeypatch.setenv("LINLI_HOME", str(tmp_path))
        import appliance.hub.retention as retention

        monkeypatch.setattr(retention, "prune", functools.partial(retention.prune, now=NOW))
        from appliance.cli.hub import cmd_prune

        token = set_locale("zh_CN")
        try:
            assert cmd_prune(argparse.Namespace(dry_run=True)) == 0
        finally:
            _locale.reset(token)
            hub.db.bind(HUB_MODELS)  # the command bound the models to its own connection
        out = capsys.readouterr().out
        assert "将整月删除的分区（共 20 条记录）：2025-01" in out
        assert "access.event：将删除 29 条记录" in out and "没有做任何改动" in out
        assert HubEntry.select().count() == 40 and "hub_entry_y2025m01" in children(hub.db)
    finally:
        hub.db.close()


def test_a_batch_stored_last_month_and_sent_again_is_stored_once(hub):
    key = paired(hub)
    data, first = send(hub, "box-a", key, 1, 25, datetime.datetime(2025, 6, 1))
    assert first.status == "stored"
    last_month = partitions.add_months(this_month(), -1)
    partitions.ensure_months(hub.db, 0, now=last_month)
    received_in(hub.db, last_month, range(1, 26))  # now in another partition than this month's inserts
    again = hub.receive(data, "test")
    assert again.status == "duplicate" and again.acked == 25
    assert HubEntry.select().count() == 25
    assert sum(d.entries for d in HubBoxDay.select()) == 25


def test_on_sqlite_nothing_is_partitioned_and_prune_goes_row_by_row(tmp_path):
    h = HubService(open_hub_db("", tmp_path), "district-1", tmp_path)
    try:
        assert partitions.ensure_months(h.db, 3) == [] and not partitions.is_partitioned(h.db)
        key = paired(h)
        send(h, "box-a", key, 1, 10, JAN)
        done = prune(h.db, {"*": 365}, now=NOW)
        assert done.months == [] and done.rows == {"access.event": 10}
    finally:
        h.db.close()


def test_partitions_ahead_is_checked_like_every_setting(tmp_path):
    from appliance.config import build_config

    assert build_config({"hub": {"partitions_ahead": 6}}, tmp_path).hub.partitions_ahead == 6
    bad = build_config({"hub": {"partitions_ahead": 0}}, tmp_path)
    assert bad.safe_mode and any("hub.partitions_ahead" in p for p in bad.problems)


def test_a_worker_makes_the_months_its_setting_asks_for(hub):
    import dataclasses
    import types

    from appliance.hub.config import HubConfig
    from appliance.hub.worker import HubWorker

    cfg = dataclasses.replace(HubConfig(), partitions_ahead=6)
    worker = HubWorker(hub, cfg, client_factory=lambda *_a: types.SimpleNamespace())
    worker.make_months()
    assert partitions.month_of(partitions.add_months(this_month(), 6)).name in children(hub.db)
    assert partitions.month_of(partitions.add_months(this_month(), 7)).name not in children(hub.db)


def scans(db) -> dict[str, int]:
    db.execute_sql("SELECT pg_stat_clear_snapshot()")
    return {name: n for name, n in db.execute_sql(
        "SELECT relname, COALESCE(seq_scan, 0) + COALESCE(idx_scan, 0) FROM pg_stat_user_tables "
        "WHERE relname LIKE 'hub_entry_%%'")}


def test_storing_reads_only_the_months_that_can_hold_the_boxs_seqs(hub):
    """With years of months the planner would otherwise open every month's index for each
    batch (half the speed at 100 months: docs/hub.md)."""
    back = 24
    partitions.ensure_months(hub.db, 0, back=back)
    assert len(children(hub.db)) > back
    key = paired(hub)
    send(hub, "box-a", key, 1, 10, JAN)
    received_in(hub.db, partitions.add_months(this_month(), -5), range(1, 11))  # box-a's first rows: months ago
    hub.db.execute_sql("SELECT pg_stat_force_next_flush()")
    before = scans(hub.db)
    hub.db.execute_sql("SELECT pg_stat_force_next_flush()")
    assert send(hub, "box-a", key, 11, 10, JAN)[1].acked == 20
    hub.db.execute_sql("SELECT pg_stat_force_next_flush()")
    hub.db.execute_sql("SELECT 1")
    after = scans(hub.db)
    read = {name for name, n in after.items() if n > before.get(name, 0)}
    # Seqs 11-20 can only be in this month's partition (the ack looks past 10 there too).
    assert read == {partitions.month_of(this_month()).name}, read
    # A batch overlapping the old rows looks in their month as well, and finds the conflict there.
    forged = batchfmt.build([batchfmt.Entry(3, "another-uuid", "access.event", int(JAN.timestamp()), {})],
                            "box-a", key, 1 << 20)[0]
    assert hub.receive(forged, "test").status == "refused"
