"""Gate access: credentials (PIN, card, personal QR), schedules, visitor passes, the access log."""

from peewee import AutoField, BooleanField, CharField, DateTimeField, ForeignKeyField, IntegerField

from appliance.db.base import BaseModel, SyncedModel, now, register
from appliance.db.models.registry import Resident

CREDENTIAL_KINDS = ("pin", "card", "qr")
METHODS = ("pin", "card", "qr", "visitor", "remote", "exit_button", "fire_alarm", "door", "face")


@register
class Credential(SyncedModel):
    """A resident's PIN, card or personal QR. PINs and cards are stored only as a keyed hash
    (``lookup``) so the kiosk can find the owner with one indexed query."""

    id = AutoField()
    resident = ForeignKeyField(Resident, backref="credentials", on_delete="CASCADE")
    kind = CharField()
    lookup = CharField(null=True, unique=True)
    hint = CharField(default="")  # e.g. last 2 card digits, so staff can tell cards apart
    version = IntegerField(default=1)  # personal QR: printed codes with an older version are refused
    created_at = DateTimeField(default=now)
    created_by = CharField(default="")
    expires_at = DateTimeField(null=True)
    revoked_at = DateTimeField(null=True)
    revoked_by = CharField(null=True)


@register
class AccessSchedule(BaseModel):
    """Optional hours a resident may enter (e.g. a carer); no row = any time."""

    id = AutoField()
    resident = ForeignKeyField(Resident, backref="schedules", on_delete="CASCADE", unique=True)
    weekdays = CharField(default="1234567")  # ISO weekday digits
    start = CharField(default="00:00")
    end = CharField(default="24:00")


@register
class VisitorPass(SyncedModel):
    id = AutoField()
    host = ForeignKeyField(Resident, backref="visitor_passes", on_delete="CASCADE", null=True)
    note = CharField(default="")
    created_by = CharField()
    created_at = DateTimeField(default=now)
    valid_from = DateTimeField()
    valid_until = DateTimeField()
    max_uses = IntegerField(default=1)
    uses = IntegerField(default=0)
    revoked_at = DateTimeField(null=True)


@register
class AccessEvent(BaseModel):
    """One attempt at the gate, granted or refused. Kept lean: it is written for every tap."""

    id = AutoField()
    at = DateTimeField(default=now, index=True)
    method = CharField()
    granted = BooleanField()
    reason = CharField()
    resident = ForeignKeyField(Resident, backref="access_events", on_delete="SET NULL", null=True)
    visitor_pass = ForeignKeyField(VisitorPass, backref="events", on_delete="SET NULL", null=True)
    source = CharField(default="")  # kiosk account, volunteer name, "gate"
    detail = CharField(default="")  # remote-open reason and the like; never a PIN or a code


@register
class PortalSession(BaseModel):
    """A resident signed in on their phone (/me). Signing out ends it on the box, so a copy of
    the cookie taken before stops working too. Only a keyed hash of the token is kept."""

    id = AutoField()
    resident = ForeignKeyField(Resident, backref="portal_sessions", on_delete="CASCADE")
    credential = ForeignKeyField(Credential, backref="portal_sessions", on_delete="CASCADE")
    token_hash = CharField(unique=True)
    created_at = DateTimeField(default=now)
    ended_at = DateTimeField(null=True)
