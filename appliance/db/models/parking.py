"""The car gate: visitor car passes, every car the barrier saw, the questions it put to a
volunteer, and the staff's corrections of the car-park count."""

from peewee import AutoField, CharField, DateTimeField, FloatField, ForeignKeyField, IntegerField, TextField

from appliance.db.base import BaseModel, JSONField, SyncedModel, now, register
from appliance.db.models.registry import Resident, Vehicle

LANES = ("entry", "exit")
DECISIONS = ("raised", "asked", "refused")


@register
class CarPass(SyncedModel):
    """A visitor's car may enter ``max_entries`` times between the two times."""

    id = AutoField()
    plate = CharField(index=True)
    resident = ForeignKeyField(Resident, null=True, backref="car_passes", on_delete="CASCADE")  # who invited
    created_by = CharField(default="")  # a staff user name, or "resident" when made on /me
    valid_from = DateTimeField()
    valid_until = DateTimeField()
    max_entries = IntegerField(default=1)
    entries = IntegerField(default=0)
    note = CharField(default="")
    created_at = DateTimeField(default=now)
    revoked_at = DateTimeField(null=True)
    revoked_by = CharField(null=True)


@register
class CarQuestion(BaseModel):
    """A car the box would not decide alone: the volunteer taps 放行 or 拒绝."""

    id = AutoField()
    lane = CharField(default="entry")
    plate_read = CharField(default="")
    confidence = FloatField(default=0.0)
    why = CharField()  # unknown / uncertain / watch / pass_used_up / moved_out / outside_schedule
    candidates = JSONField(default=list)  # registered plates the read is close to
    picture = CharField(default="")  # file name of the plate crop in the parking folder
    asked_at = DateTimeField(default=now, index=True)
    answered_at = DateTimeField(null=True)
    answer = CharField(null=True)  # raise / refuse
    answered_by = CharField(null=True)
    reason = TextField(default="")


@register
class CarEvent(SyncedModel):
    """One car at the barrier and what became of it."""

    id = AutoField()
    at = DateTimeField(default=now, index=True)
    lane = CharField(default="entry")
    plate = CharField(default="")  # as decided (the registered plate when matched)
    decision = CharField()  # raised / asked / refused
    reason = CharField()  # resident / visitor / volunteer / exit / fire / unknown / ...
    vehicle = ForeignKeyField(Vehicle, null=True, on_delete="SET NULL")
    car_pass = ForeignKeyField(CarPass, null=True, on_delete="SET NULL")
    question = ForeignKeyField(CarQuestion, null=True, on_delete="SET NULL")
    actor = CharField(default="")


@register
class CarParkCount(BaseModel):
    """Staff counted the cars inside: the count from then on is this plus entries minus exits."""

    id = AutoField()
    at = DateTimeField(default=now)
    inside = IntegerField()
    last_event = IntegerField(default=0)  # the car events counted in ``inside`` (ids up to this)
    counted_by = CharField(default="")
