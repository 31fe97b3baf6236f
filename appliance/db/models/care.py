"""Care for elders living alone (独居老人): care plans, raw signals and learned routines
(which never leave the box), alerts with the steps of their ladder, and visits."""

from peewee import (AutoField, BooleanField, CharField, DateField, DateTimeField, FloatField, ForeignKeyField,
                    IntegerField, TextField)

from appliance.db.base import BaseModel, JSONField, SyncedModel, now, register
from appliance.db.models.registry import Building, Resident
from appliance.db.models.workorders import WorkOrder

# "water" is a meter's cumulative reading (for the 12-hour rule); "flow" says water ran since
# the meter's previous reading, which is a sign of life like a door opening.
SIGNAL_KINDS = ("gate", "door", "water", "checkin", "sos", "call", "visit", "motion", "flow")
ALERT_KINDS = ("silence", "water", "sos")
CONDITIONS = ("good", "fair", "poor", "absent")


@register
class CarePlan(SyncedModel):
    id = AutoField()
    resident = ForeignKeyField(Resident, backref="care_plans", on_delete="CASCADE", unique=True)
    consent_by = CharField(default="")  # "self" or the guardian's name
    consent_at = DateTimeField(null=True)
    health_consent = BooleanField(default=False)  # separate consent for health notes (PIPL art. 28)
    volunteer = CharField(default="")  # the paired volunteer's account name (结对)
    family_name = CharField(default="")
    family_phone = CharField(default="")
    call_elder = BooleanField(default=True)
    use_gate = BooleanField(default=True)
    water_meter = CharField(default="")  # source id of the elder's water meter, if any
    door_sensor = CharField(default="")
    sos_button = CharField(default="")  # source id of her SOS button (a Zigbee2MQTT name), if any
    floor_hours = IntegerField(default=24)
    tolerance_hours = FloatField(default=0)  # raised by false alarms: silence this long is normal
    active = BooleanField(default=True)
    created_at = DateTimeField(default=now)
    updated_at = DateTimeField(default=now)


@register
class CareSignal(BaseModel):
    """A raw sign of life. Never synced, never exported."""

    id = AutoField()
    resident = ForeignKeyField(Resident, on_delete="CASCADE")
    source_id = CharField(default="")
    kind = CharField()
    value = FloatField(null=True)  # the meter's reading in m³ for water
    at = DateTimeField()


@register
class CareRoutine(BaseModel):
    """What the box learned of one person's usual day. Never synced."""

    id = AutoField()
    resident = ForeignKeyField(Resident, on_delete="CASCADE", unique=True)
    hours = JSONField(default=list)  # 24 shares of days with a sign of life in that hour
    limit_hours = FloatField(default=24)
    active_limit_hours = FloatField(null=True)  # silence counted only over her usual waking hours
    days = IntegerField(default=0)
    computed_at = DateTimeField(default=now)


@register
class CareAlert(SyncedModel):
    id = AutoField()
    resident = ForeignKeyField(Resident, backref="care_alerts", on_delete="CASCADE")
    kind = CharField()
    raised_at = DateTimeField()
    silent_hours = FloatField(null=True)
    step = CharField(default="raised")  # raised → called → family → order → escalated
    next_at = DateTimeField(null=True)
    order = ForeignKeyField(WorkOrder, null=True, on_delete="SET NULL")
    acknowledged_at = DateTimeField(null=True)
    acknowledged_by = CharField(default="")
    closed_at = DateTimeField(null=True)
    closed_by = CharField(default="")
    outcome = CharField(default="")  # ok, false_alarm, answered, help


@register
class CareAlertStep(BaseModel):
    id = AutoField()
    alert = ForeignKeyField(CareAlert, backref="steps", on_delete="CASCADE")
    step = CharField()
    at = DateTimeField()
    result = CharField(default="")
    detail = TextField(default="")


@register
class CareVisit(SyncedModel):
    id = AutoField()
    resident = ForeignKeyField(Resident, backref="care_visits", on_delete="CASCADE")
    visitor = CharField()
    at = DateTimeField()
    condition = CharField(default="good")
    notes = TextField(default="")  # health notes: assigned volunteer and admin only
    needs = TextField(default="")  # 代办: errands the elder asked for
    alert = ForeignKeyField(CareAlert, null=True, on_delete="SET NULL")
    created_at = DateTimeField(default=now)


MEALS = ("lunch", "dinner")


@register
class MealBooking(SyncedModel):
    """One elder's meal at the elders' canteen (长者食堂) on one day."""

    id = AutoField()
    resident = ForeignKeyField(Resident, backref="meal_bookings", on_delete="CASCADE")
    day = DateField()
    meal = CharField()
    diet = CharField(default="")  # 少盐, 软食, 无糖 ...
    booked_by = CharField(default="")
    created_at = DateTimeField(default=now)
    cancelled_at = DateTimeField(null=True)

    class Meta:
        indexes = ((("resident", "day", "meal"), True),)


GRID_TASK_KINDS = ("inspection", "visit", "rectification")


@register
class Grid(SyncedModel):
    """A set of buildings one grid worker (网格员) looks after."""

    id = AutoField()
    name = CharField(unique=True)
    worker = CharField(default="")  # the grid worker's account name
    created_at = DateTimeField(default=now)


@register
class GridBuilding(BaseModel):
    id = AutoField()
    grid = ForeignKeyField(Grid, backref="buildings", on_delete="CASCADE")
    building = ForeignKeyField(Building, unique=True, on_delete="CASCADE")


@register
class GridTask(SyncedModel):
    """A grid task: a work order (source "grid") with a checklist and a written result."""

    id = AutoField()
    grid = ForeignKeyField(Grid, backref="tasks", on_delete="RESTRICT")
    order = ForeignKeyField(WorkOrder, on_delete="CASCADE")
    kind = CharField()
    title = CharField()
    checklist = JSONField(default=list)  # [{"item": "消防通道畅通", "done": false}]
    result = TextField(default="")
    done_at = DateTimeField(null=True)
    created_at = DateTimeField(default=now)


SERVICE_KINDS = ("canteen", "housekeeping", "repairs", "clinic", "other")


@register
class CommunityService(SyncedModel):
    """One entry of the community services directory (便民服务)."""

    id = AutoField()
    kind = CharField()
    name = CharField()
    hours = CharField(default="")  # "周一至周五 8:00-17:00"
    phone = CharField(default="")  # a shop's or clinic's public number
    address = CharField(default="")
    updated_at = DateTimeField(default=now)


@register
class MealMenu(BaseModel):
    """What the elders' canteen serves at one meal of one day, as the kitchen writes it."""

    id = AutoField()
    day = DateField()
    meal = CharField()
    dishes = CharField(default="")  # 红烧鱼块、清炒时蔬、冬瓜汤
    price = CharField(default="")  # "12元 (80岁以上 8元)": words, the canteen's own rules
    updated_by = CharField(default="")
    updated_at = DateTimeField(default=now)

    class Meta:
        indexes = ((("day", "meal"), True),)


@register
class WasteItem(BaseModel):
    """Staff's own entries in the waste-sorting guide: a local item, or a correction of a
    built-in one (same name), or a built-in item hidden (``hidden``)."""

    id = AutoField()
    name = CharField(unique=True)
    kind = CharField(default="")  # recyclable, hazardous, kitchen, other
    note = CharField(default="")  # "压扁后投放"
    hidden = BooleanField(default=False)
    updated_by = CharField(default="")
    updated_at = DateTimeField(default=now)


@register
class GridPhoto(BaseModel):
    """A photo a grid worker took for a task, in the report photo store (EXIF dropped, size-capped)."""

    id = AutoField()
    task = ForeignKeyField(GridTask, backref="photos", on_delete="CASCADE")
    name = CharField(unique=True)  # file stem in the photo folder
    taken_by = CharField(default="")
    created_at = DateTimeField(default=now)
