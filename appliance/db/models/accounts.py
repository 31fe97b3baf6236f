"""Staff accounts, the audit log, login throttling and background job progress."""

from peewee import AutoField, BooleanField, CharField, DateTimeField, IntegerField, TextField

from appliance.db.base import BaseModel, JSONField, now, register

ROLES = ("admin", "volunteer", "district", "kiosk", "police")


@register
class User(BaseModel):
    id = AutoField()
    username = CharField(unique=True)
    display_name = CharField(default="")
    role = CharField()
    password_hash = CharField()
    active = BooleanField(default=True)
    created_at = DateTimeField(default=now)
    last_login_at = DateTimeField(null=True)
    # Copied into the session at login; raised to end every session of the account (0008).
    session_epoch = IntegerField(default=0)
    must_change_password = BooleanField(default=False)


@register
class AuditLog(BaseModel):
    id = AutoField()
    at = DateTimeField(default=now, index=True)
    actor = CharField()  # username, or "system"/"cli"
    action = CharField()  # create / update / delete / import / login ...
    entity = CharField()
    entity_id = CharField(default="")
    detail = JSONField(null=True)


@register
class LoginFailure(BaseModel):
    """Recent failed logins, keyed by username and by client address."""

    id = AutoField()
    key = CharField(index=True)
    at = DateTimeField(default=now)


@register
class Job(BaseModel):
    """Progress of long work (imports, exports) so pages and the CLI can show it."""

    id = AutoField()
    uuid = CharField(unique=True)
    kind = CharField()
    status = CharField(default="queued")  # queued, running, done, failed
    done = IntegerField(default=0)
    total = IntegerField(default=0)
    message = TextField(default="")
    result = JSONField(null=True)
    created_by = CharField(default="")
    created_at = DateTimeField(default=now)
    updated_at = DateTimeField(default=now)
