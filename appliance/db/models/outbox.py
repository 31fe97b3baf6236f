"""The sync outbox: every change that must leave the box, in order, in the same transaction."""

from peewee import AutoField, CharField, DateTimeField, IntegerField

from appliance.db.base import BaseModel, JSONField, now, register


@register
class OutboxEntry(BaseModel):
    seq = AutoField()  # per-box sequence number; SQLite AUTOINCREMENT never reuses a value
    uuid = CharField(unique=True)
    kind = CharField()  # e.g. "access.event", "resident.upsert"; not indexed (migration 0006)
    priority = IntegerField(default=5)  # lower leaves first when the data budget is tight
    payload = JSONField()
    created_at = DateTimeField(default=now)
