"""Hub tables. The hub has its own database (SQLite file or PostgreSQL), so these models
are bound by :func:`appliance.hub.store.open_hub_db`, never to the box's database."""

from peewee import (AutoField, BigIntegerField, CharField, CompositeKey, DateField, DateTimeField, IntegerField, Model,
                    TextField)

from appliance.db.base import JSONField, now


class HubModel(Model):
    class Meta:
        database = None
        legacy_table_names = False


class HubBox(HubModel):
    box_id = CharField(primary_key=True)
    public_key = CharField()
    name = CharField(default="")
    registered_at = DateTimeField(default=now)
    last_seen = DateTimeField(null=True)
    last_channel = CharField(default="")
    acked = BigIntegerField(default=0)  # highest contiguous seq stored
    down_acked = BigIntegerField(default=0)  # highest downlink seq the box applied
    backlog = IntegerField(default=0)  # as the box last reported it
    online = CharField(default="unknown")
    health = JSONField(null=True)
    mqtt_hash = TextField(default="")  # the broker's password-file hash; the password is never stored
    entries = BigIntegerField(default=0)  # stored entries, kept by the ingest (migration 0004)


class HubEntry(HubModel):
    box = CharField()
    seq = BigIntegerField()
    uuid = CharField(index=True)
    kind = CharField(index=True)
    at = DateTimeField(index=True)
    payload = JSONField()
    received_at = DateTimeField(default=now)

    class Meta:
        primary_key = CompositeKey("box", "seq")


class HubBatch(HubModel):
    id = AutoField()
    box = CharField(index=True)
    digest = CharField(index=True)
    first_seq = BigIntegerField(null=True)
    last_seq = BigIntegerField(null=True)
    entries = IntegerField(default=0)
    new_entries = IntegerField(default=0)
    channel = CharField()
    status = CharField()  # stored / duplicate / refused
    reason = TextField(default="")
    received_at = DateTimeField(default=now, index=True)


class HubDownlink(HubModel):
    box = CharField()
    seq = BigIntegerField()
    kind = CharField()
    data = JSONField()
    created_at = DateTimeField(default=now)
    created_by = CharField(default="")

    class Meta:
        primary_key = CompositeKey("box", "seq")


class HubPairCode(HubModel):
    code_hash = CharField(primary_key=True)
    created_at = DateTimeField(default=now)
    used_by = CharField(null=True)


class HubBoxDay(HubModel):
    """Kept up to date as batches are stored (migration 0003)."""
    box = CharField()
    day = DateField()
    kind = CharField()
    entries = BigIntegerField(default=0)

    class Meta:
        primary_key = CompositeKey("box", "day", "kind")


class HubBoxMonth(HubModel):
    """Which months (of ``received_at``) can hold a box's seqs (migration 0006)."""
    box = CharField()
    month = DateField()
    first_seq = BigIntegerField()
    last_seq = BigIntegerField()

    class Meta:
        primary_key = CompositeKey("box", "month")


HUB_MODELS = [HubBox, HubEntry, HubBatch, HubDownlink, HubPairCode, HubBoxDay, HubBoxMonth]
