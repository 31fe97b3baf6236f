"""Tables of the system feature: first-boot steps and staff-filled acceptance rows."""

from __future__ import annotations

from peewee import CharField, DateTimeField, TextField

from appliance.db.base import BaseModel, JSONField, now, register


@register
class SetupStep(BaseModel):
    step = CharField(max_length=32, primary_key=True)
    status = CharField(max_length=16)  # done | skipped
    data = JSONField(default=dict)
    updated_at = DateTimeField(default=now)
    updated_by = CharField(max_length=64, default="")


@register
class AcceptanceEntry(BaseModel):
    row_key = CharField(max_length=64, primary_key=True)
    status = CharField(max_length=16)  # pass | fail | na
    evidence = TextField(default="")
    updated_at = DateTimeField(default=now)
    updated_by = CharField(max_length=64, default="")
