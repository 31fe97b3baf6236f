"""Work orders (工单): one table for everything someone must act on, its timeline of notes,
and the categories (service codes) features register at start."""

from peewee import (AutoField, BooleanField, CharField, DateTimeField, FloatField, ForeignKeyField,
                    IntegerField, TextField)

from appliance.db.base import BaseModel, SyncedModel, now, register
from appliance.db.models.registry import Building, Resident, Unit

SOURCES = ("resident", "volunteer_on_behalf", "sensor", "care", "grid", "firelane", "district", "staff")
STATUSES = ("new", "accepted", "in_progress", "fixed", "closed", "reopened", "merged")
OPEN_STATUSES = ("new", "accepted", "in_progress", "reopened")  # someone still has to act


@register
class WorkOrderCategory(BaseModel):
    id = AutoField()
    code = CharField(unique=True)  # the service code (Open311 ``service_code``)
    name_zh = CharField()
    name_en = CharField(default="")
    group = CharField(default="")  # Open311 ``group``: e.g. "repairs", "devices", "care"
    due_hours = IntegerField(default=72)
    default_assignee = CharField(default="")
    active = BooleanField(default=True)
    # Set once staff edit the category: a feature's upsert at start then leaves it alone.
    edited = BooleanField(default=False)
    updated_at = DateTimeField(default=now)


@register
class WorkOrder(SyncedModel):
    id = AutoField()
    number = CharField(unique=True)  # "GD-2026-000123", counted per year on this box
    source = CharField()
    category = ForeignKeyField(WorkOrderCategory, backref="orders", on_delete="RESTRICT")
    building = ForeignKeyField(Building, null=True, on_delete="SET NULL")
    unit = ForeignKeyField(Unit, null=True, on_delete="SET NULL")
    spot = CharField(default="")  # a named place on the site plan: "3号楼东侧路灯"
    device = CharField(default="")  # a lamp, sensor or camera id
    plan_x = FloatField(null=True)  # 0..1 of the site plan's width / height
    plan_y = FloatField(null=True)
    lat = FloatField(null=True)
    lon = FloatField(null=True)
    description = TextField(default="")
    reporter = ForeignKeyField(Resident, null=True, on_delete="SET NULL")  # never public
    reporter_phone = CharField(default="")  # never public
    on_behalf_by = CharField(default="")  # the volunteer who entered it for a resident (代报)
    assignee = CharField(default="")
    due_at = DateTimeField(null=True, index=True)
    status = CharField(default="new", index=True)
    dedupe_key = CharField(null=True, index=True)
    repeats = IntegerField(default=0)  # how often the same dedupe key was raised again
    plus_ones = IntegerField(default=0)
    merged_into = ForeignKeyField("self", null=True, on_delete="SET NULL", backref="duplicates")
    external_ref = CharField(default="")  # the city's 12345 number, once handed over
    created_at = DateTimeField(default=now, index=True)
    updated_at = DateTimeField(default=now)
    fixed_at = DateTimeField(null=True)
    closed_at = DateTimeField(null=True)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


@register
class WorkOrderNote(SyncedModel):
    id = AutoField()
    order = ForeignKeyField(WorkOrder, backref="notes", on_delete="CASCADE")
    at = DateTimeField(default=now)
    actor = CharField(default="")
    kind = CharField(default="note")  # opened | status | note | assign | merge | plus_one | repeat | ref
    from_status = CharField(default="")
    to_status = CharField(default="")
    text = TextField(default="")
    public = BooleanField(default=False)


@register
class WorkOrderCounter(BaseModel):
    """The last number given out per year; written first in a transaction, so it also
    serialises concurrent ``open`` calls."""

    year = IntegerField(primary_key=True)
    last = IntegerField(default=0)
