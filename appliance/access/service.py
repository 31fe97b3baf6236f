"""Access decisions: who may open the gate now, and the one place that tells the gate to open.

Every attempt — granted or refused, whatever the method — becomes one access-log row and
one ``access.event`` outbox entry with a pseudonymous resident id (never a name).
"""

from __future__ import annotations

import datetime
import logging
import threading
import uuid as uuidlib
from dataclasses import dataclass

from appliance.access.codes import CodeInvalid, clean_card, clean_pin, looks_like_qr, parse_qr
from appliance.access.log import AccessLog
from appliance.access.throttle import GuessThrottle
from appliance.db.models import AccessSchedule, Credential, DistrictSetting, Resident, VisitorPass
from appliance.errors import PermissionDenied, ValidationError
from appliance.i18n import N_
from appliance.face.identifier import REASONS as FACE_REASONS

logger = logging.getLogger(__name__)

# Reason code -> what the kiosk says. The log keeps the precise code; the kiosk message
# is deliberately vague where precision would help someone guessing PINs.
REASONS = {
    "granted": N_("Welcome. The door is open."),
    "visitor": N_("Welcome, guest. The door is open."),
    "remote": N_("Opened by a volunteer."),
    "exit_button": N_("Exit button."),
    "fire_alarm": N_("Fire alarm: the gate is held open."),
    "forced_open": N_("Door forced open."),
    "held_open": N_("Door held open too long."),
    "fire_reset": N_("Fire alarm reset."),
    "bad_pin": N_("Wrong PIN. Please try again."),
    "unknown_pin": N_("Wrong PIN. Please try again."),
    "locked_out": N_("Too many wrong PINs. Please wait a few seconds and try again, or use your card or QR code."),
    "unknown_card": N_("This card is not registered."),
    "malformed": N_("This code is not valid."),
    "bad_signature": N_("This code is not valid."),
    "unknown_code": N_("This code is not valid."),
    "replaced": N_("This code was replaced by a newer one. Please use the new code."),
    "revoked": N_("This pass or card was cancelled."),
    "expired": N_("This code has expired."),
    "not_yet_valid": N_("This pass is not valid yet."),
    "used_up": N_("This pass has been used up."),
    "moved_out": N_("Access for this resident has ended."),
    "not_moved_in": N_("Access for this resident has not started yet."),
    "outside_schedule": N_("Access is not allowed at this time."),
    "safe_mode": N_("The gate is in safe mode. Please call a volunteer."),
    "gate_fault": N_("The gate could not be opened. Please call a volunteer."),
}
# Face refusals (appliance/face/entry.py) say what the face identifier says, under "face_*".
REASONS.update({f"face_{code}": msgid for code, msgid in FACE_REASONS.items()})
REASONS["face_withdrawn"] = N_("Face entry is not enrolled for this resident.")
REASONS["face_fault"] = N_("Face entry is not working right now. Please use your PIN, QR pass or card.")
GRANTED_REASONS = {"granted", "visitor", "remote", "exit_button", "fire_alarm"}


@dataclass
class Decision:
    granted: bool
    method: str
    reason: str
    who: str = ""  # masked name for the kiosk screen, e.g. "王*"
    relay_at: float | None = None  # perf_counter() of the relay command
    resident_id: int | None = None  # whose entry it was (never shown; the kiosk may offer them 平安打卡)

    @property
    def msgid(self) -> str:
        return REASONS.get(self.reason, REASONS["unknown_code"])


def mask_name(name: str) -> str:
    return (name[:1] + "*" * min(2, max(1, len(name) - 1))) if name else ""


class AccessService:
    def __init__(self, db, audit, keys, settings, gate=None, safe_mode: bool = False, now=None, journal=None):
        self.db = db
        self.audit = audit
        self.keys = keys
        self.settings = settings
        self.gate = gate
        self.safe_mode = safe_mode
        self.now = now or (lambda: datetime.datetime.now().replace(microsecond=0))
        self.log = AccessLog(db, journal, settings.log_max_delay_s, settings.log_batch_rows)
        self.log.housekeeping = self.purge_old
        self.simulator = None  # a hardware.simulation.GateSimulator in simulation mode
        self._lock = threading.Lock()
        self.pin_throttle = GuessThrottle(settings.pin_max_failures, settings.pin_window_s,
                                         settings.pin_pause_max_s)

    def attach_gate(self, gate, simulator=None) -> None:
        """The gate is built after the service (its events call back into it)."""
        self.gate = gate
        self.simulator = simulator

    # --- decisions ------------------------------------------------------------------------
    def pin_attempt(self, text, kiosk: str) -> Decision:
        with self._lock:
            if self.pin_throttle.locked(kiosk):
                return self._refuse("pin", "locked_out", kiosk)
            pin = clean_pin(text, self.settings.pin_length)
            cred = None
            if pin is not None:
                cred = Credential.get_or_none(Credential.lookup == self.keys.lookup("pin", pin),
                                              Credential.kind == "pin")
            if cred is None:
                self.pin_throttle.failed(kiosk)
                return self._refuse("pin", "bad_pin" if pin is None else "unknown_pin", kiosk)
            refusal = self._credential_refusal(cred)
            if refusal:
                self.pin_throttle.failed(kiosk)
                return self._refuse("pin", refusal, kiosk, resident=cred.resident)
            self.pin_throttle.succeeded(kiosk)
            return self._grant("pin", kiosk, cred.resident)

    def scan(self, text, kiosk: str) -> Decision:
        """What a USB QR scanner or card reader typed (or a QR the camera decoded)."""
        text = text if isinstance(text, str) else ""
        with self._lock:
            card = clean_card(text)
            if card is not None:
                return self._card(card, kiosk)
            if not looks_like_qr(text):
                return self._refuse("qr", "malformed", kiosk)
            try:
                token = parse_qr(self.keys, text)
            except CodeInvalid as exc:
                logger.info("refused QR code at %s: %s", kiosk, exc.reason)
                return self._refuse("qr", exc.reason, kiosk)
            if token.kind == "r":
                return self._resident_qr(token, kiosk)
            return self._visitor_qr(token, kiosk)

    def remote_open(self, reason: str, actor: str) -> Decision:
        reason = (reason or "").strip()
        if len(reason) < 2 or len(reason) > 200:
            raise ValidationError("Give a reason for opening the gate (2 to 200 characters).", field="reason")
        if not self.remote_open_allowed():
            raise PermissionDenied("The district has switched off opening the gate from the admin site.")
        with self._lock:
            self.audit.record(actor, "remote_open", "gate", "", {"reason": reason})
            return self._grant("remote", actor, None, detail=reason, reason="remote")

    def remote_open_allowed(self) -> bool:
        # The district may switch remote opening off for a box (a downlink "config" entry).
        row = DistrictSetting.get_or_none(DistrictSetting.key == "gate.remote_open_allowed")
        return True if row is None else bool(row.value)

    def check_pin(self, text, kiosk: str) -> tuple[Resident | None, str | None]:
        """Whose PIN this is, opening nothing: for the kiosk's pages where a resident acts for
        themself (face consent, enrollment, withdrawal). Wrong PINs count towards the same
        lockout as at the gate. ``(resident, None)`` or ``(None, reason)``."""
        with self._lock:
            if self.pin_throttle.locked(kiosk):
                return None, "locked_out"
            pin = clean_pin(text, self.settings.pin_length)
            cred = None
            if pin is not None:
                cred = Credential.get_or_none(Credential.lookup == self.keys.lookup("pin", pin),
                                              Credential.kind == "pin")
            refusal = (("bad_pin" if pin is None else "unknown_pin") if cred is None
                       else self._credential_refusal(cred))
            if refusal is not None:
                self.pin_throttle.failed(kiosk)
                return None, refusal
            self.pin_throttle.succeeded(kiosk)
            return cred.resident, None

    def identify_by_pin(self, text, kiosk: str) -> Resident:
        """:meth:`check_pin` for the kiosk's own-PIN pages (face, care corner, ballots): the
        resident, or PermissionDenied saying why in words."""
        resident, refusal = self.check_pin(text, kiosk)
        if resident is None:
            raise PermissionDenied(REASONS.get(refusal, REASONS["bad_pin"]))
        return resident

    def identified_attempt(self, method: str, resident, source: str, refusal: str | None = None) -> Decision:
        """A method that recognised the person itself (face): ``refusal`` when it did not,
        else the resident's validity is checked exactly as for a PIN and the gate opens."""
        with self._lock:
            if refusal:
                return self._refuse(method, refusal, source, resident=resident)
            if resident is None:
                raise ValueError("an identified attempt needs a resident or a refusal")
            reason = self.resident_refusal(resident, self.now())
            if reason:
                return self._refuse(method, reason, source, resident=resident)
            return self._grant(method, source, resident)

    def gate_event(self, kind: str, detail: dict) -> None:
        """Listener for the gate's own events (exit button, fire alarm, door alarms)."""
        mapping = {"exit_button": ("exit_button", True), "fire_alarm": ("fire_alarm", True),
                   "forced_open": ("door", False), "held_open": ("door", False)}
        if kind not in mapping:
            return
        method, granted = mapping[kind]
        self._record(method, granted, kind, "gate")
        if kind == "fire_alarm":
            logger.warning("fire alarm input: gate held open")

    # --- one method each ------------------------------------------------------------------
    def _card(self, card: str, kiosk: str) -> Decision:
        cred = Credential.get_or_none(Credential.lookup == self.keys.lookup("card", card), Credential.kind == "card")
        if cred is None:
            return self._refuse("card", "unknown_card", kiosk)
        refusal = self._credential_refusal(cred)
        if refusal:
            return self._refuse("card", refusal, kiosk, resident=cred.resident)
        return self._grant("card", kiosk, cred.resident)

    def _resident_qr(self, token, kiosk: str) -> Decision:
        cred = Credential.get_or_none(Credential.uuid == uuidlib.UUID(token.ident), Credential.kind == "qr")
        if cred is None:
            return self._refuse("qr", "unknown_code", kiosk)
        if token.version != cred.version:
            return self._refuse("qr", "replaced", kiosk, resident=cred.resident)
        if token.expires < self.now().timestamp():
            return self._refuse("qr", "expired", kiosk, resident=cred.resident)
        refusal = self._credential_refusal(cred)
        if refusal:
            return self._refuse("qr", refusal, kiosk, resident=cred.resident)
        return self._grant("qr", kiosk, cred.resident)

    def _visitor_qr(self, token, kiosk: str) -> Decision:
        vp = VisitorPass.get_or_none(VisitorPass.uuid == uuidlib.UUID(token.ident))
        if vp is None:
            return self._refuse("visitor", "unknown_code", kiosk)
        now = self.now()
        reason = None
        if vp.revoked_at is not None:
            reason = "revoked"
        elif now < vp.valid_from:
            reason = "not_yet_valid"
        elif now > vp.valid_until or token.expires < now.timestamp():
            reason = "expired"
        elif vp.uses + self.log.pending_uses(vp.id) >= vp.max_uses:
            reason = "used_up"
        if reason:
            return self._refuse("visitor", reason, kiosk, visitor_pass=vp)
        return self._grant("visitor", kiosk, None, visitor_pass=vp, reason="visitor")

    def _credential_refusal(self, cred: Credential) -> str | None:
        now = self.now()
        if cred.revoked_at is not None:
            return "revoked"
        if cred.expires_at is not None and cred.expires_at < now:
            return "expired"
        return self.resident_refusal(cred.resident, now)

    def resident_refusal(self, resident: Resident, now: datetime.datetime) -> str | None:
        today = now.date()
        if resident.move_out is not None and resident.move_out <= today:
            return "moved_out"
        if resident.move_in is not None and resident.move_in > today:
            return "not_moved_in"
        schedule = AccessSchedule.get_or_none(AccessSchedule.resident == resident.id)
        if schedule is not None and not schedule_allows(schedule, now):
            return "outside_schedule"
        return None

    def lockout_remaining(self, kiosk: str) -> float:
        return self.pin_throttle.remaining(kiosk)

    # --- outcome ----------------------------------------------------------------------------
    def _grant(self, method: str, source: str, resident, visitor_pass=None, detail: str = "",
               reason: str = "granted") -> Decision:
        if self.safe_mode and method not in ("remote",):
            return self._refuse(method, "safe_mode", source, resident=resident, visitor_pass=visitor_pass)
        relay_at = None
        if self.gate is not None:
            try:
                relay_at = self.gate.open(source=method)
            except Exception:
                logger.exception("the gate did not open")
                self._record(method, False, "gate_fault", source, resident, visitor_pass, detail)
                return Decision(False, method, "gate_fault")
        self._record(method, True, reason, source, resident, visitor_pass, detail)
        return Decision(True, method, reason, who=mask_name(resident.name) if resident else "", relay_at=relay_at,
                        resident_id=resident.id if resident else None)

    def _refuse(self, method: str, reason: str, source: str, resident=None, visitor_pass=None) -> Decision:
        self._record(method, False, reason, source, resident, visitor_pass)
        return Decision(False, method, reason)

    def _record(self, method, granted, reason, source, resident=None, visitor_pass=None, detail="") -> None:
        at = self.now()
        row = {"at": at, "method": method, "granted": granted, "reason": reason,
               "resident": resident.id if resident is not None else None,
               "visitor_pass": visitor_pass.id if visitor_pass is not None else None,
               "source": (source or "")[:64], "detail": (detail or "")[:200]}
        extra = {"person": self.keys.pseudonym(resident.uuid) if resident is not None else None,
                 "pass": str(visitor_pass.uuid) if visitor_pass is not None else None}
        use = visitor_pass.id if (granted and visitor_pass is not None) else None
        self.log.add(row, extra, pass_use=use)

    # --- gate status for pages ----------------------------------------------------------------
    def gate_status(self) -> dict:
        if self.gate is None:
            return {"present": False, "simulated": False}
        status = self.gate.status()
        status.update(present=True, simulated=self.simulator is not None)
        return status

    def fire_active(self) -> bool:
        return bool(self.gate is not None and self.gate.fire_latched)

    def reset_fire(self, actor: str) -> bool:
        if self.gate is None:
            return True
        done = self.gate.reset_fire()
        self.audit.record(actor, "fire_reset" if done else "fire_reset_refused", "gate")
        if done:
            self._record("fire_alarm", False, "fire_reset", actor)
        return done

    def simulate(self, action: str, actor: str) -> None:
        """Simulation mode only: act on the simulated inputs from the admin panel."""
        from appliance.errors import NotFound

        sim = self.simulator
        if sim is None:
            raise NotFound("Simulation is only available without real GPIO.")
        actions = {"exit": sim.press_exit, "door_open": lambda: sim.set_door(True),
                   "door_close": lambda: sim.set_door(False), "fire_on": lambda: sim.set_fire(True),
                   "fire_off": lambda: sim.set_fire(False)}
        if action not in actions:
            raise NotFound("Unknown simulation action.")
        logger.info("simulated gate input %s by %s", action, actor)
        actions[action]()

    def purge_old(self) -> int:
        """Drop access-log rows older than ``log_keep_days`` (their outbox entries are separate)."""
        from appliance.db.models import AccessEvent

        cutoff = self.now() - datetime.timedelta(days=self.settings.log_keep_days)
        removed = AccessEvent.delete().where(AccessEvent.at < cutoff).execute()
        if removed:
            logger.info("removed %s access log rows older than %s days", removed, self.settings.log_keep_days)
        return removed

    def close(self) -> None:
        self.log.close()


def schedule_allows(schedule: AccessSchedule, now: datetime.datetime) -> bool:
    if str(now.isoweekday()) not in schedule.weekdays:
        return False
    hm = now.strftime("%H:%M")
    return schedule.start <= hm < schedule.end
