"""Participation: report photos, the "fixed?" follow-up, Open311 API keys, notices with their
per-unit read records, and the monthly star ratings (anonymous: a household is a keyed hash)."""

from peewee import AutoField, BooleanField, CharField, DateTimeField, ForeignKeyField, IntegerField, TextField

from appliance.db.base import BaseModel, JSONField, SyncedModel, now, register
from appliance.db.models.registry import Resident, Unit
from appliance.db.models.workorders import WorkOrder


@register
class ReportPhoto(SyncedModel):
    id = AutoField()
    order = ForeignKeyField(WorkOrder, backref="photos", on_delete="CASCADE")
    name = CharField(unique=True)  # file stem in the photo folder: <name>.jpg and <name>.t.jpg
    width = IntegerField()
    height = IntegerField()
    size = IntegerField()  # bytes stored
    created_at = DateTimeField(default=now)
    deleted_at = DateTimeField(null=True)  # files removed by the retention sweep


@register
class ReportFollowup(BaseModel):
    """The "fixed?" question after a report was fixed, and the reporter's answer."""

    id = AutoField()
    order = ForeignKeyField(WorkOrder, backref="followups", on_delete="CASCADE", unique=True)
    fixed_at = DateTimeField()  # which fix was asked about (a reopened order is asked again)
    asked_at = DateTimeField(default=now)
    sms = CharField(default="")  # "", "sent", "failed: ..." or "none" (no phone)
    answered_at = DateTimeField(null=True)
    really_fixed = BooleanField(null=True)
    stars = IntegerField(null=True)


@register
class Open311Key(BaseModel):
    id = AutoField()
    name = CharField(unique=True)
    key_hash = CharField(unique=True)  # sha256 of the key; the key itself is shown once
    prefix = CharField()  # first characters, so staff can tell keys apart
    created_at = DateTimeField(default=now)
    created_by = CharField(default="")
    revoked_at = DateTimeField(null=True)
    last_used_at = DateTimeField(null=True)


@register
class Notice(SyncedModel):
    id = AutoField()
    title = CharField()
    body = TextField(default="")
    picture = CharField(default="")  # a stored photo name
    buildings = JSONField(default=list)  # building ids; empty list = everyone
    pinned = BooleanField(default=False)
    important = BooleanField(default=False)  # residents confirm "已读"; reads are counted per building
    expires_at = DateTimeField(null=True)
    source = CharField(default="local")  # local | district
    created_at = DateTimeField(default=now, index=True)
    created_by = CharField(default="")
    withdrawn_at = DateTimeField(null=True)


@register
class NoticeRead(BaseModel):
    """One row per unit and notice: the delivery proof owners' votes need."""

    id = AutoField()
    notice = ForeignKeyField(Notice, backref="reads", on_delete="CASCADE")
    unit = ForeignKeyField(Unit, on_delete="CASCADE")
    resident = ForeignKeyField(Resident, null=True, on_delete="SET NULL")
    at = DateTimeField(default=now)

    class Meta:
        indexes = ((("notice", "unit"), True),)


@register
class Rating(BaseModel):
    """One household's stars for one aspect in one month. ``household`` is a keyed hash of the
    unit and month, so a second rating is refused while nobody can tell whose stars these are."""

    id = AutoField()
    period = CharField(index=True)  # "2026-03"
    household = CharField()
    aspect = CharField()
    stars = IntegerField()

    class Meta:
        indexes = ((("period", "household", "aspect"), True),)


@register
class ReportSubmission(BaseModel):
    """The key of a draft a resident's phone sent (kept offline, maybe sent twice): one order per key."""

    id = AutoField()
    draft_key = CharField(unique=True)
    resident = ForeignKeyField(Resident, null=True, on_delete="CASCADE")
    order = ForeignKeyField(WorkOrder, on_delete="CASCADE")
    created_at = DateTimeField(default=now)


@register
class SmsInbound(BaseModel):
    """A text message the modem received, and what the box made of it (outcome)."""

    id = AutoField()
    received_at = DateTimeField(default=now, index=True)
    sender = CharField(default="")  # masked: 138****8000 (enough to recognise, no full number kept)
    text = CharField(default="")
    outcome = CharField()  # answered | unclear | unknown_sender | no_question
    order = ForeignKeyField(WorkOrder, null=True, on_delete="SET NULL")
    replied = BooleanField(default=False)
