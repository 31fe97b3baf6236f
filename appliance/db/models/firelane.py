"""Fire-lane watch tables: zones, incidents, the notices each incident sent, settings."""

from peewee import (AutoField, BooleanField, CharField, DateTimeField, FloatField, ForeignKeyField,
                    IntegerField, TextField)

from appliance.db.base import BaseModel, JSONField, SyncedModel, now, register
from appliance.db.models.registry import Resident, Vehicle

ZONE_KINDS = ("fire_lane", "parking")
INCIDENT_STAGES = ("new", "owner", "volunteer", "escalated")


@register
class FireZone(SyncedModel):
    id = AutoField()
    camera = CharField()
    name = CharField()
    kind = CharField(default="fire_lane")
    polygon = JSONField()  # [[x, y], ...] in the camera's pixel coordinates
    objects = JSONField()  # ["car", "truck", ...]
    inertia = IntegerField(default=3)
    dwell_s = FloatField(default=60.0)
    active = BooleanField(default=True)
    spaces = IntegerField(default=0)  # parking zones: how many cars fit (0 = not given)

    class Meta:
        indexes = ((("camera", "name"), True),)


@register
class FireIncident(SyncedModel):
    id = AutoField()
    zone = ForeignKeyField(FireZone, backref="incidents", on_delete="RESTRICT")
    camera = CharField()
    track_id = IntegerField()
    label = CharField(default="")
    plate = CharField(default="")
    plate_confidence = FloatField(default=0.0)
    plate_reads = IntegerField(default=0)
    vehicle = ForeignKeyField(Vehicle, null=True, on_delete="SET NULL")
    owner = ForeignKeyField(Resident, null=True, on_delete="SET NULL")
    status = CharField(default="open", index=True)
    stage = CharField(default="new")
    entered_at = DateTimeField()
    opened_at = DateTimeField(default=now)
    last_seen_at = DateTimeField(default=now)
    closed_at = DateTimeField(null=True)
    owner_notified_at = DateTimeField(null=True)
    volunteer_notified_at = DateTimeField(null=True)
    escalated_at = DateTimeField(null=True)
    acknowledged_by = CharField(default="")
    acknowledged_at = DateTimeField(null=True)
    evidence = JSONField(default=dict)  # {"first": file, "latest": file, "plate": file}

    @property
    def duration_s(self) -> float:
        end = self.closed_at or self.last_seen_at
        return (end - self.entered_at).total_seconds()


@register
class FireNotice(BaseModel):
    id = AutoField()
    incident = ForeignKeyField(FireIncident, backref="notices", on_delete="CASCADE")
    at = DateTimeField(default=now)
    channel = CharField()  # sms_owner | sms_volunteer | dashboard | outbox
    recipient = CharField(default="")  # resident or account name, for the page
    number = CharField(default="")  # phone number; never logged
    text = TextField(default="")
    status = CharField(default="queued")  # queued | sent | delivered | undelivered | failed | cancelled
    error = TextField(default="")
    ref = CharField(default="")  # the network's SMS reference(s), "12" or "12,13" for a long SMS
    reports = TextField(default="")  # delivery report per part: "12:delivered,13:pending"
    delivered_at = DateTimeField(null=True)


@register
class FireSetting(BaseModel):
    key = CharField(primary_key=True)
    value = TextField()
