"""Residents on their own phone: sign in with phone number + gate PIN, see their own code,
invite guests with visitor passes they can list and cancel.

Sign-in reuses the gate's PIN lookup and the access service's failure counters, keyed by
phone number and by network address as well: a phone on the LAN is a kiosk anyone can
carry, so guessing must be slowed per target and per guesser, not per device name.
Checking a PIN here never opens the gate and never writes an access-log row (nobody
tried the gate); sign-ins go to the audit log.
"""

from __future__ import annotations

import datetime
import logging
import math
import secrets

from appliance.access.codes import clean_pin
from appliance.access.service import REASONS
from appliance.db.models import Credential, PortalSession, Resident, VisitorPass
from appliance.errors import NotFound, PermissionDenied, ValidationError
from appliance.i18n import N_

logger = logging.getLogger(__name__)

# A phone left on a table should not stay signed in: idle and absolute limits.
IDLE_MINUTES = 15
MAX_MINUTES = 120
# A start a little in the past is a form left open a while, not a mistake.
PAST_GRACE = datetime.timedelta(hours=1)
MAX_GUEST_USES = 20
NOTE_MAX = 60


class SignInLocked(PermissionDenied):
    def __init__(self, seconds: float):
        super().__init__(N_("Too many wrong tries. Please wait %(seconds)s seconds and try again."),
                         seconds=max(1, math.ceil(seconds)))


def resident_actor(resident_id) -> str:
    return f"resident:{resident_id}"


def _phone(text) -> str:
    """Digits of a mobile number as the register keeps them (no +86, no spaces or dashes)."""
    text = text if isinstance(text, str) else ""
    text = "".join(c for c in text.strip()[:40] if c not in " -()")
    if text.startswith("+86"):
        text = text[3:]
    return text if text.isascii() and text.isdigit() and 5 <= len(text) <= 20 else ""


def _when(text, field: str) -> datetime.datetime | None:
    text = text.strip() if isinstance(text, str) else ""
    if not text:
        return None
    try:
        value = datetime.datetime.fromisoformat(text[:32])
    except ValueError:
        value = None
    if value is None or value.tzinfo is not None or not 2000 <= value.year <= 2200:
        if field == "valid_from":
            raise ValidationError("Valid from: give a date and time such as 2026-05-01 14:00.", field=field)
        raise ValidationError("Valid until: give a date and time such as 2026-05-01 18:00.", field=field)
    return value.replace(second=0, microsecond=0)


class ResidentPortal:
    """What a signed-in resident may do; every method takes the resident id from the session."""

    def __init__(self, access, credentials):
        self.access = access  # AccessService: clock, PIN counters, resident_refusal
        self.credentials = credentials
        self.keys = access.keys
        self.settings = access.settings

    # --- sign-in --------------------------------------------------------------------------
    def _throttle_keys(self, phone: str, address: str) -> tuple[str, str]:
        # The counters' keys show up in a warning on lockout: a keyed hash, never the number.
        return "me-phone:" + self.keys.lookup("me-phone", phone)[:16], "me-addr:" + (address or "?")[:64]

    def sign_in(self, phone, pin, address: str) -> Credential:
        """The resident's PIN credential, or an error that tells a guesser nothing."""
        number = _phone(phone)
        keys = self._throttle_keys(number, address)
        throttle = self.access.pin_throttle
        with throttle.lock:
            waits = [throttle.remaining(k) for k in keys]
            if max(waits) > 0:
                self.access.audit.record("resident", "login_locked", "resident", "", {"address": address[:64]})
                raise SignInLocked(max(waits))
            code = clean_pin(pin, self.settings.pin_length)
            cred = None
            if number and code is not None:
                cred = Credential.get_or_none(Credential.lookup == self.keys.lookup("pin", code),
                                              Credential.kind == "pin", Credential.revoked_at.is_null())
            if cred is None or _phone(cred.resident.phone) != number:
                for key in keys:
                    throttle.failed(key)
                self.access.audit.record("resident", "login_refused", "resident", "", {"address": address[:64]})
                raise ValidationError("The phone number or the PIN is wrong.", field="pin")
            # Only the number's counter is reset: resetting the address one would let a resident
            # sign in as themselves between guesses at a neighbour's PIN.
            throttle.succeeded(keys[0])
        refusal = self._refusal(cred.resident)
        if refusal:
            raise PermissionDenied(REASONS[refusal])
        self.access.audit.record(resident_actor(cred.resident_id), "login", "resident", cred.resident_id)
        return cred

    def _refusal(self, resident: Resident) -> str | None:
        today = self.access.now().date()
        if resident.move_out is not None and resident.move_out <= today:
            return "moved_out"
        if resident.move_in is not None and resident.move_in > today:
            return "not_moved_in"
        return None

    def open_session(self, cred: Credential) -> str:
        """A new phone session for a signed-in resident: the token goes into their cookie, only
        its keyed hash stays on the box. Sessions older than the longest allowed are purged."""
        token = secrets.token_urlsafe(24)
        oldest = datetime.datetime.now() - datetime.timedelta(minutes=MAX_MINUTES)
        with self.access.db.atomic():
            PortalSession.delete().where(PortalSession.created_at < oldest).execute()
            PortalSession.create(resident=cred.resident_id, credential=cred.id,
                                 token_hash=self.keys.lookup("session", token))
        return token

    def end_session(self, token) -> None:
        if isinstance(token, str) and token:
            (PortalSession.update(ended_at=datetime.datetime.now())
             .where(PortalSession.token_hash == self.keys.lookup("session", token)).execute())

    def session_resident(self, resident_id, credential_id, token=None) -> Resident | None:
        """The resident behind a session, while the session is open on the box, its PIN is
        still theirs and they still live here. Signing out, a new PIN or a move-out ends it."""
        if not isinstance(token, str) or not token:
            return None
        try:
            cred = Credential.get_or_none(Credential.id == int(credential_id), Credential.kind == "pin",
                                          Credential.revoked_at.is_null())
        except (TypeError, ValueError):
            return None
        if cred is None or cred.resident_id != resident_id or self._refusal(cred.resident):
            return None
        open_session = PortalSession.get_or_none(PortalSession.token_hash == self.keys.lookup("session", token),
                                                 PortalSession.ended_at.is_null())
        if open_session is None or open_session.credential_id != cred.id:
            return None
        return cred.resident

    # --- my pass ----------------------------------------------------------------------------
    def my_pass(self, resident_id) -> dict:
        resident = Resident.get_by_id(resident_id)
        household = resident.household
        members = list(Resident.select().where(Resident.household == household.id, Resident.id != resident.id,
                                               (Resident.move_out.is_null()) |
                                               (Resident.move_out > self.access.now().date()))
                       .order_by(Resident.id))
        found = self.credentials.resident_qr(resident_id)
        code, until, expired = None, None, False
        if found is not None:
            cred, code = found
            until = cred.expires_at
            expired = until is not None and until < self.access.now()
        return {"resident": resident, "household": household, "unit": household.unit,
                "building": household.unit.building, "members": members, "code": None if expired else code,
                "until": until, "expired": expired}

    # --- guest passes -------------------------------------------------------------------------
    def create_guest_pass(self, resident_id, note, valid_from, valid_until, max_uses) -> tuple[VisitorPass, str]:
        """Check what the resident typed, naming the field at fault, then let the credential
        service make the pass (it applies ``resident_pass_max_days`` again and audits)."""
        now = self.access.now().replace(second=0, microsecond=0)
        max_days = self.settings.resident_pass_max_days
        note = note.strip() if isinstance(note, str) else ""
        if not note:
            raise ValidationError("Guest: write the guest's name or a short note.", field="note")
        if len(note) > NOTE_MAX or any(ord(c) < 32 for c in note):
            raise ValidationError("Guest: at most %(n)s letters, on one line.", field="note", n=NOTE_MAX)
        start = _when(valid_from, "valid_from") or now
        until = _when(valid_until, "valid_until")
        if until is None:
            raise ValidationError("Valid until: choose when the pass ends.", field="valid_until")
        if start < now - PAST_GRACE:
            raise ValidationError("Valid from: this time has already passed.", field="valid_from")
        if until <= now:
            raise ValidationError("Valid until: this time has already passed.", field="valid_until")
        if until <= start:
            raise ValidationError("Valid until: the end must be after the start.", field="valid_until")
        if until > now + datetime.timedelta(days=max_days):
            raise ValidationError("Valid until: a guest pass must end within %(days)s days from now.",
                                  field="valid_until", days=max_days)
        try:
            uses = int(str(max_uses).strip()[:6])
        except ValueError:
            uses = 0
        if not 1 <= uses <= MAX_GUEST_USES:
            raise ValidationError("Entries: give a number from 1 to %(n)s.", field="max_uses", n=MAX_GUEST_USES)
        start = max(start, now)
        hours = (until - start).total_seconds() / 3600
        return self.credentials.create_pass(resident_actor(resident_id), start, hours, uses, note=note,
                                            host_id=resident_id, by_resident=True)

    def guest_passes(self, resident_id, limit: int = 30) -> list[dict]:
        now = self.access.now()
        rows = []
        for vp in (VisitorPass.select().where(VisitorPass.host == resident_id)
                   .order_by(VisitorPass.id.desc()).limit(limit)):
            rows.append({"pass": vp, "state": self._state(vp, now), "uses": self._uses(vp)})
        return rows

    def _uses(self, vp: VisitorPass) -> int:
        return self.credentials.pass_uses(vp)

    def _state(self, vp: VisitorPass, now: datetime.datetime) -> str:
        return self.credentials.pass_state(vp, now)

    def guest_pass(self, resident_id, pass_id) -> tuple[VisitorPass, str, str]:
        vp = self._own(resident_id, pass_id)
        return vp, self.credentials.pass_payload(vp), self._state(vp, self.access.now())

    def revoke_guest_pass(self, resident_id, pass_id) -> VisitorPass:
        self._own(resident_id, pass_id)
        return self.credentials.revoke_pass(pass_id, resident_actor(resident_id))

    def _own(self, resident_id, pass_id) -> VisitorPass:
        # Someone else's pass is "not found", not "forbidden": ids must not be probeable.
        vp = VisitorPass.get_or_none(VisitorPass.id == pass_id, VisitorPass.host == resident_id)
        if vp is None:
            raise NotFound("No such visitor pass.")
        return vp
