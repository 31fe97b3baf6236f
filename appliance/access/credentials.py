"""Managing access: residents' PINs, cards, personal QR codes and schedules, visitor passes.

PINs are generated, never chosen: a chosen PIN that clashes with a neighbour's would
tell the chooser someone else's PIN. The PIN is shown once and only its keyed hash kept.
"""

from __future__ import annotations

import datetime
import re
import secrets

from appliance.access.codes import clean_card, make_qr
from appliance.db.models import AccessSchedule, Credential, Resident, VisitorPass
from appliance.errors import Conflict, NotFound, ValidationError, ValidationErrors

_TIME = re.compile(r"([01][0-9]|2[0-3]):[0-5][0-9]|24:00")


class CredentialService:
    def __init__(self, db, audit, keys, settings, access):
        self.db = db
        self.audit = audit
        self.keys = keys
        self.settings = settings
        self.access = access  # for resident_refusal and the clock

    def _resident(self, resident_id) -> Resident:
        r = Resident.get_or_none(Resident.id == resident_id)
        if r is None:
            raise NotFound("No such resident.")
        return r

    def credentials(self, resident_id) -> list[Credential]:
        return list(Credential.select().where(Credential.resident == resident_id, Credential.revoked_at.is_null())
                    .order_by(Credential.kind, Credential.id))

    # --- PIN ----------------------------------------------------------------------------
    def new_pin(self, resident_id, actor: str) -> str:
        resident = self._resident(resident_id)
        for _ in range(50):
            pin = "".join(secrets.choice("0123456789") for _ in range(self.settings.pin_length))
            if len(set(pin)) < 3:  # 111111, 121212: the first guesses of anyone
                continue
            lookup = self.keys.lookup("pin", pin)
            if not Credential.select().where(Credential.lookup == lookup).exists():
                break
        else:
            raise Conflict("No free PIN could be generated; make PINs longer.")
        with self.db.atomic():
            self._revoke_kind(resident, "pin", actor)
            Credential.create(resident=resident, kind="pin", lookup=lookup, created_by=actor)
            self.audit.record(actor, "new_pin", "resident", resident.id)
        return pin

    # --- cards ----------------------------------------------------------------------------
    def add_card(self, resident_id, number: str, actor: str) -> Credential:
        resident = self._resident(resident_id)
        card = clean_card(number)
        if card is None:
            raise ValidationError("A card number is 4 to 20 digits.", field="card")
        lookup = self.keys.lookup("card", card)
        if Credential.select().where(Credential.lookup == lookup).exists():
            raise Conflict("This card is already registered.")
        with self.db.atomic():
            cred = Credential.create(resident=resident, kind="card", lookup=lookup, hint=card[-3:], created_by=actor)
            self.audit.record(actor, "add_card", "resident", resident.id, {"hint": card[-3:]})
        return cred

    # --- personal QR ------------------------------------------------------------------------
    def issue_qr(self, resident_id, actor: str) -> str:
        """A new personal QR code; every earlier printout stops working."""
        resident = self._resident(resident_id)
        expires = self.access.now() + datetime.timedelta(days=self.settings.qr_valid_days)
        with self.db.atomic():
            cred = Credential.get_or_none(Credential.resident == resident, Credential.kind == "qr")
            if cred is None:
                cred = Credential.create(resident=resident, kind="qr", created_by=actor, expires_at=expires)
            else:
                cred.version += 1
                cred.expires_at, cred.revoked_at, cred.revoked_by, cred.created_by = expires, None, None, actor
                cred.save()
            self.audit.record(actor, "issue_qr", "resident", resident.id, {"version": cred.version})
        return self.qr_payload(cred)

    def qr_payload(self, cred: Credential) -> str:
        expires = int(cred.expires_at.timestamp()) if cred.expires_at else 0
        return make_qr(self.keys, "r", cred.uuid.hex, cred.version, expires)

    def resident_qr(self, resident_id) -> tuple[Credential, str] | None:
        cred = Credential.get_or_none(Credential.resident == resident_id, Credential.kind == "qr",
                                      Credential.revoked_at.is_null())
        return (cred, self.qr_payload(cred)) if cred else None

    # --- revoke ------------------------------------------------------------------------------
    def revoke(self, credential_id, actor: str) -> Credential:
        cred = Credential.get_or_none(Credential.id == credential_id)
        if cred is None:
            raise NotFound("No such credential.")
        with self.db.atomic():
            self._revoke(cred, actor)
        return cred

    def _revoke_kind(self, resident, kind: str, actor: str) -> None:
        for cred in Credential.select().where(Credential.resident == resident, Credential.kind == kind,
                                              Credential.revoked_at.is_null()):
            self._revoke(cred, actor)

    def _revoke(self, cred: Credential, actor: str) -> None:
        cred.revoked_at, cred.revoked_by = self.access.now(), actor
        # A revoked PIN/card frees its lookup so the number can be given out again.
        cred.lookup = None
        cred.save()
        self.audit.record(actor, "revoke", "credential", cred.id, {"kind": cred.kind, "resident": cred.resident_id})

    # --- schedules -------------------------------------------------------------------------
    def schedule(self, resident_id) -> AccessSchedule | None:
        return AccessSchedule.get_or_none(AccessSchedule.resident == resident_id)

    def set_schedule(self, resident_id, weekdays, start: str, end: str, actor: str) -> AccessSchedule | None:
        resident = self._resident(resident_id)
        days = "".join(sorted({d for d in (weekdays or []) if d in "1234567" and len(d) == 1}))
        start, end = (start or "").strip(), (end or "").strip()
        if not days and not start and not end:
            AccessSchedule.delete().where(AccessSchedule.resident == resident).execute()
            self.audit.record(actor, "clear_schedule", "resident", resident.id)
            return None
        errors = []
        if not days:
            errors.append(ValidationError("Choose at least one weekday.", field="weekdays"))
        if not _TIME.fullmatch(start) or not _TIME.fullmatch(end) or start >= end:
            errors.append(ValidationError("Give the hours as 07:00 and 22:00, the start before the end.",
                                          field="start"))
        if errors:
            raise ValidationErrors(errors)
        with self.db.atomic():
            sched = self.schedule(resident.id) or AccessSchedule(resident=resident)
            sched.weekdays, sched.start, sched.end = days, start, end
            sched.save()
            self.audit.record(actor, "set_schedule", "resident", resident.id, {"days": days, "start": start, "end": end})
        return sched

    # --- visitor passes -------------------------------------------------------------------------
    def create_pass(self, actor: str, valid_from: datetime.datetime | None, hours: float, max_uses: int,
                    note: str = "", host_id=None, by_resident: bool = False) -> tuple[VisitorPass, str]:
        """``actor`` is a staff user name, or ``resident:<id>`` when a resident invites a guest."""
        now = self.access.now()
        host = self._resident(host_id) if host_id else None
        if by_resident:
            if host is None or self.access.resident_refusal(host, now):
                raise ValidationError("Only a current resident can invite a guest.", field="host")
            max_days = self.settings.resident_pass_max_days
        else:
            max_days = self.settings.visitor_max_days
        start = valid_from or now
        try:
            hours = float(hours)
            max_uses = int(max_uses)
        except (TypeError, ValueError):
            raise ValidationError("Give the hours and the number of entries as numbers.", field="hours") from None
        if not (0 < hours <= max_days * 24):
            raise ValidationError("A pass lasts at most %(days)s days.", field="hours", days=max_days)
        if not (1 <= max_uses <= 50):
            raise ValidationError("A pass allows 1 to 50 entries.", field="max_uses")
        until = start + datetime.timedelta(hours=hours)
        if until <= now:
            raise ValidationError("This pass would already have expired.", field="valid_from")
        note = (note or "").strip()[:60]
        with self.db.atomic():
            vp = VisitorPass.create(host=host, note=note, created_by=actor, valid_from=start, valid_until=until,
                                    max_uses=max_uses)
            self.audit.record(actor, "create", "visitor_pass", vp.id,
                              {"until": until.isoformat(), "uses": max_uses, "host": host.id if host else None})
        return vp, self.pass_payload(vp)

    def pass_payload(self, vp: VisitorPass) -> str:
        return make_qr(self.keys, "v", vp.uuid.hex, 0, int(vp.valid_until.timestamp()))

    def get_pass(self, pass_id) -> VisitorPass:
        vp = VisitorPass.get_or_none(VisitorPass.id == pass_id)
        if vp is None:
            raise NotFound("No such visitor pass.")
        return vp

    def pass_uses(self, vp: VisitorPass) -> int:
        """Entries so far, including those still in the journal on their way to the database:
        every page that shows a pass counts the same way (a used-up pass never shows "0 / 1")."""
        return vp.uses + self.access.log.pending_uses(vp.id)

    def pass_state(self, vp: VisitorPass, now: datetime.datetime | None = None) -> str:
        now = now or self.access.now()
        if vp.revoked_at is not None:
            return "revoked"
        if now > vp.valid_until:
            return "expired"
        if self.pass_uses(vp) >= vp.max_uses:
            return "used_up"
        if now < vp.valid_from:
            return "not_yet_valid"
        return "active"

    def passes(self, active_only: bool = True, limit: int = 200) -> list[dict]:
        """Newest first, each as {"pass", "uses", "state"}; ``active_only`` leaves out the passes
        that can no longer open the gate."""
        now = self.access.now()
        query = VisitorPass.select().order_by(VisitorPass.id.desc())
        if active_only:
            query = query.where(VisitorPass.revoked_at.is_null(), VisitorPass.valid_until > now,
                                VisitorPass.uses < VisitorPass.max_uses)
        rows = [{"pass": vp, "uses": self.pass_uses(vp), "state": self.pass_state(vp, now)}
                for vp in query.limit(limit)]
        if active_only:
            rows = [r for r in rows if r["state"] in ("active", "not_yet_valid")]
        return rows

    def revoke_pass(self, pass_id, actor: str) -> VisitorPass:
        vp = self.get_pass(pass_id)
        vp.revoked_at = self.access.now()
        vp.save()
        self.audit.record(actor, "revoke", "visitor_pass", vp.id)
        return vp
