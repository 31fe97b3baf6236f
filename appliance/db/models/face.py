"""Face entry tables. Templates are ciphertext only; they never reach the outbox."""

from peewee import (AutoField, BlobField, CharField, DateTimeField, FloatField, ForeignKeyField, IntegerField,
                    TextField)

from appliance.db.base import BaseModel, SyncedModel, now, register
from appliance.db.models.registry import Resident


@register
class FaceConsent(SyncedModel):
    id = AutoField()
    resident = ForeignKeyField(Resident, null=True, backref="face_consents", on_delete="SET NULL")
    resident_uuid = CharField()
    notice_version = CharField()
    channel = CharField()  # "kiosk" (resident alone) or "staff" (volunteer with the resident present)
    given_by = CharField()
    given_at = DateTimeField(default=now)
    guardian_name = CharField(default="")
    guardian_relation = CharField(default="")
    withdrawn_at = DateTimeField(null=True)
    withdrawn_by = CharField(default="")
    withdrawal_reason = CharField(default="")


@register
class FaceTemplate(BaseModel):
    id = AutoField()
    resident = ForeignKeyField(Resident, backref="face_templates", on_delete="CASCADE")
    consent = ForeignKeyField(FaceConsent, backref="templates", on_delete="CASCADE")
    model = CharField()  # embedder checksum prefix: a new model needs re-enrollment
    ciphertext = BlobField()
    frames = IntegerField()
    # Lowest similarity of an enrollment frame to the template: the box's own genuine score,
    # shown on the calibration page (a number, not face data).
    consistency = FloatField(default=0.0)
    created_at = DateTimeField(default=now)
    # "enrolled" (one row per good enrollment frame) or "adapted" (a confident, live entry
    # frame; bounded per resident, oldest out).
    kind = CharField(default="enrolled")


@register
class FaceFalseAccept(BaseModel):
    id = AutoField()
    resident = ForeignKeyField(Resident, null=True, on_delete="SET NULL")
    reported_at = DateTimeField(default=now)
    reported_by = CharField()
    event_ref = CharField(default="")
    note = TextField(default="")
