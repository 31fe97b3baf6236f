"""The hub's first tables, as ``create_tables`` made them before the hub had migrations.

The models are frozen copies (not the application's), and every table and index is created
only when missing, so a hub database made by the old ``create_tables`` takes this migration
as a no-op and then upgrades like a new one. peewee writes each engine's dialect
(AUTOINCREMENT on SQLite, SERIAL and JSONB-free TEXT on PostgreSQL).
"""

from peewee import (AutoField, BigIntegerField, CharField, CompositeKey, DateTimeField, IntegerField, Model,
                    TextField)

atomic = True


def _models(db):
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class HubBox(Base):
        box_id = CharField(primary_key=True)
        public_key = CharField()
        name = CharField(default="")
        registered_at = DateTimeField()
        last_seen = DateTimeField(null=True)
        last_channel = CharField(default="")
        acked = BigIntegerField(default=0)
        down_acked = BigIntegerField(default=0)
        backlog = IntegerField(default=0)
        online = CharField(default="unknown")
        health = TextField(null=True)

    class HubEntry(Base):
        box = CharField()
        seq = BigIntegerField()
        uuid = CharField(index=True)
        kind = CharField(index=True)
        at = DateTimeField(index=True)
        payload = TextField()
        received_at = DateTimeField()

        class Meta:
            primary_key = CompositeKey("box", "seq")

    class HubBatch(Base):
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
        received_at = DateTimeField(index=True)

    class HubDownlink(Base):
        box = CharField()
        seq = BigIntegerField()
        kind = CharField()
        data = TextField()
        created_at = DateTimeField()
        created_by = CharField(default="")

        class Meta:
            primary_key = CompositeKey("box", "seq")

    class HubPairCode(Base):
        code_hash = CharField(primary_key=True)
        created_at = DateTimeField()
        used_by = CharField(null=True)

    return [HubBox, HubEntry, HubBatch, HubDownlink, HubPairCode]


def up(migrator, db):
    db.create_tables(_models(db), safe=True)
