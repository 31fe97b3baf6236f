"""The hub's schema under its own numbered migrations: a hub database made before migrations
(by ``create_tables``) upgrades in place on SQLite and on PostgreSQL, keeping its data."""

from __future__ import annotations

import datetime
import json
import sqlite3
import subprocess

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from peewee import (AutoField, BigIntegerField, CharField, CompositeKey, DateTimeField, IntegerField, Model,
                    PostgresqlDatabase, SqliteDatabase, TextField)
from playhouse.db_url import parse

from appliance.hub.models import HubBox, HubBoxDay, HubEntry
from appliance.hub.service import HubService
from appliance.hub.store import MIGRATIONS_DIR, open_hub_db, pending_hub_migrations
from appliance.sync import batch as batchfmt
from appliance.sync.keys import public_text
from tests.sync.realparts import linli_cmd


def old_hub_db(db):
    """The hub's tables exactly as the code before migrations created them (a frozen copy)."""

    class Old(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class HubBox(Old):
        box_id = CharField(primary_key=True)
        public_key = CharField()
        name = CharField(default="")
        registered_at = DateTimeField(default=datetime.datetime.now)
        last_seen = DateTimeField(null=True)
        last_channel = CharField(default="")
        acked = BigIntegerField(default=0)
        down_acked = BigIntegerField(default=0)
        backlog = IntegerField(default=0)
        online = CharField(default="unknown")
        health = TextField(null=True)

    class HubEntry(Old):
        box = CharField()
        seq = BigIntegerField()
        uuid = CharField(index=True)
        kind = CharField(index=True)
        at = DateTimeField(index=True)
        payload = TextField()
        received_at = DateTimeField(default=datetime.datetime.now)

        class Meta:
            primary_key = CompositeKey("box", "seq")

    class HubBatch(Old):
        id = AutoField()
        box = CharField(index=True)
        digest = CharField(index=True)
        first_seq = BigIntegerField(null=True)
        last_seq = BigIntegerField(null=True)
        entries = IntegerField(default=0)
        new_entries = IntegerField(default=0)
        channel = CharField()
        status = CharField()
        reason = TextField(default="")
        received_at = DateTimeField(default=datetime.datetime.now, index=True)

    class HubDownlink(Old):
        box = CharField()
        seq = BigIntegerField()
        kind = CharField()
        data = TextField()
        created_at = DateTimeField(default=datetime.datetime.now)
        created_by = CharField(default="")

        class Meta:
            primary_key = CompositeKey("box", "seq")

    class HubPairCode(Old):
        code_hash = CharField(primary_key=True)
        created_at = DateTimeField(default=datetime.datetime.now)
        used_by = CharField(null=True)

    db.connect(reuse_if_open=True)
    db.create_tables([HubBox, HubEntry, HubBatch, HubDownlink, HubPairCode])
    key = Ed25519PrivateKey.generate()
    HubBox.create(box_id="box-old", public_key=public_text(key), acked=3)
    for seq, day in ((1, 1), (2, 1), (3, 2)):
        HubEntry.create(box="box-old", seq=seq, uuid=f"u{seq}", kind="access.event",
                        at=datetime.datetime(2026, 11, day, 8, 0), payload=json.dumps({"n": seq}))
    db.close()
    return key


@pytest.fixture(params=["sqlite", "postgresql"])
def old_url(request, tmp_path):
    if request.param == "sqlite":
        url, db = f"sqlite:///{tmp_path / 'hub.db'}", SqliteDatabase(str(tmp_path / "hub.db"))
    else:
        url = request.getfixturevalue("postgres").create_db(f"old_{tmp_path.name[-12:].replace('-', '_').lower()}")
        params = parse(url)
        db = PostgresqlDatabase(params.pop("database"), **params)
    return url, old_hub_db(db)


def test_an_old_hub_database_upgrades_in_place_and_keeps_working(old_url, tmp_path):
    url, key = old_url
    db = open_hub_db(url, tmp_path)
    try:
        assert pending_hub_migrations(db) == []
        assert HubEntry.select().count() == 3  # nothing lost
        box = HubBox.get(HubBox.box_id == "box-old")
        assert box.acked == 3 and box.mqtt_hash == ""  # paired before logins: gets one on request
        assert box.entries == 3  # the overview's running total starts from what was stored
        # The day counts cover what was stored before the upgrade ...
        days = {(str(d.day), d.kind): d.entries for d in HubBoxDay.select()}
        assert days == {("2026-11-01", "access.event"): 2, ("2026-11-02", "access.event"): 1}
        # ... and keep counting batches stored after it.
        hub = HubService(db, "district-1", tmp_path)
        entry = batchfmt.Entry(4, "u4", "access.event", int(datetime.datetime(2026, 11, 2, 9).timestamp()), {"n": 4})
        data, _ = batchfmt.build([entry], "box-old", key, 65536)
        assert hub.receive(data, "test").acked == 4
        days = {(str(d.day), d.kind): d.entries for d in HubBoxDay.select()}
        assert days[("2026-11-02", "access.event")] == 2
        assert HubBox.get(HubBox.box_id == "box-old").entries == 4
        assert hub.new_box_login("box-old")
        assert HubBox.get(HubBox.box_id == "box-old").mqtt_hash.startswith("$7$")
    finally:
        db.close()


def test_migrations_are_numbered_and_each_applies_once(tmp_path):
    names = sorted(p.stem for p in MIGRATIONS_DIR.glob("[0-9]*.py"))
    assert [int(n[:4]) for n in names] == list(range(1, len(names) + 1))
    db = open_hub_db("", tmp_path)
    db.close()
    db = open_hub_db("", tmp_path)  # a second open finds nothing to do
    db.close()
    with sqlite3.connect(tmp_path / "hub.db") as conn:
        applied = [r[0] for r in conn.execute("SELECT name FROM schema_migration ORDER BY name")]
    assert applied == names


@pytest.mark.slow  # two CLI processes
def test_linli_hub_migrate_reports_what_it_applied(tmp_path):
    import os

    (tmp_path / "config.toml").write_text('[hub]\nid = "district-1"\n')
    env = dict(os.environ, LINLI_HOME=str(tmp_path), LINLI_LANG="en")
    out = subprocess.run(linli_cmd("hub", "migrate"), env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert "0001_hub_tables" in out.stdout and "0003_box_days" in out.stdout
    again = subprocess.run(linli_cmd("hub", "migrate"), env=env, capture_output=True, text=True, timeout=60)
    assert "applied: -" in again.stdout
