"""Sync bookkeeping on the box and what the district sends down."""

from peewee import AutoField, CharField, DateTimeField, IntegerField, TextField

from appliance.db.base import BaseModel, JSONField, now, register


@register
class SyncState(BaseModel):
    key = CharField(primary_key=True)
    value = JSONField()


@register
class SyncLog(BaseModel):
    id = AutoField()
    at = DateTimeField(default=now, index=True)
    channel = CharField()  # mqtt / usb
    direction = CharField()  # up / ack / down
    first_seq = IntegerField(null=True)
    last_seq = IntegerField(null=True)
    entries = IntegerField(default=0)
    bytes = IntegerField(default=0)
    status = CharField(default="ok")
    detail = TextField(default="")


@register
class SyncUsage(BaseModel):
    month = CharField(primary_key=True)  # YYYY-MM
    bytes = IntegerField(default=0)


@register
class DownlinkLog(BaseModel):
    id = AutoField()
    hub_seq = IntegerField(unique=True)
    kind = CharField()
    channel = CharField()
    applied_at = DateTimeField(default=now)


@register
class DistrictNotice(BaseModel):
    id = AutoField()
    uuid = CharField(unique=True)
    title = CharField()
    body = TextField(default="")
    received_at = DateTimeField(default=now)


@register
class PlateWatch(BaseModel):
    id = AutoField()
    plate = CharField(unique=True)
    reason = TextField(default="")
    added_at = DateTimeField(default=now)


@register
class CredentialRevocation(BaseModel):
    id = AutoField()
    credential = CharField(unique=True)
    reason = TextField(default="")
    revoked_at = DateTimeField(default=now)


@register
class DistrictSetting(BaseModel):
    key = CharField(primary_key=True)
    value = JSONField()
    updated_at = DateTimeField(default=now)
