"""Alerts and their ladder: call the elder (the modem speaks the message) → SMS the family →
a visit work order for the paired volunteer → escalation when nobody acknowledges it.

Mixed into :class:`appliance.care.service.CareService`; needs ``self.db``, ``self.audit``,
``self.now()``, ``self.workorders``, ``self.notifier``, ``self.settings``. Every step's
result is a :class:`CareAlertStep`. Only the alert itself leaves the box (``care.alert``
in the outbox: the elder's uuid, which the field policy turns into the box's pseudonym, the
kind, the step and the outcome); signals, routines and silence lengths stay here.
"""

from __future__ import annotations

import datetime
import logging

from appliance.care.routine import awake_hours_between, waking_hours
from appliance.db.models import CareAlert, CareAlertStep, CarePlan, CareRoutine, CareSignal
from appliance.db.base import find as find_row
from appliance.errors import LinliError, NotFound, ValidationError
from appliance.i18n import N_, gettext
from appliance.sync import outbox

logger = logging.getLogger(__name__)

ENTITY = "care.alert"
CATEGORY = "care_visit"
OUTCOMES = ("ok", "help", "false_alarm", "answered")
STEP_WORDS = {"raised": N_("alert raised"), "call": N_("called the elder"), "family": N_("texted the family"),
              "order": N_("visit order for the volunteer"), "escalated": N_("escalated to the community office"),
              "acknowledged": N_("volunteer on the way"), "closed": N_("closed"),
              "duty": N_("texted the duty phone"), "duty_escalated": N_("texted the duty phone again")}
TEXT_TRIES = 3  # a failed text to the family or the duty phone: tried this often in all
RETRY_AFTER = datetime.timedelta(minutes=4)
KIND_WORDS = {"silence": N_("No sign of life for longer than usual"), "water": N_("Almost no water used in 12 hours"),
              "sos": N_("SOS button pressed")}


def step_word(step: str) -> str:
    return gettext(STEP_WORDS.get(step, step))


def kind_word(kind: str) -> str:
    return gettext(KIND_WORDS.get(kind, kind))


class Alerts:
    def open_alert(self, person) -> CareAlert | None:
        return (CareAlert.select().where(CareAlert.resident == person, CareAlert.closed_at.is_null())
                .order_by(CareAlert.id).first())

    def open_alerts(self) -> list[CareAlert]:
        return list(CareAlert.select().where(CareAlert.closed_at.is_null()).order_by(CareAlert.raised_at))

    def alert(self, alert_id) -> CareAlert:
        row = find_row(CareAlert, alert_id)
        if row is None:
            raise NotFound("No such alert.")
        return row

    def steps(self, alert) -> list[CareAlertStep]:
        return list(CareAlertStep.select().where(CareAlertStep.alert == alert).order_by(CareAlertStep.id))

    # --- rules ---------------------------------------------------------------------------------
    def evaluate(self, plan: CarePlan, now: datetime.datetime) -> str | None:
        """The alert this elder's signs call for now, or None."""
        person = plan.resident
        routine = CareRoutine.get_or_none(CareRoutine.resident == person)
        limit = min(float(plan.floor_hours), routine.limit_hours if routine else float(plan.floor_hours))
        limit = max(limit, float(plan.tolerance_hours or 0))
        last = self.last_seen(person, plan.use_gate)
        since = last or plan.created_at
        if since is not None:
            silent = (now - since).total_seconds() / 3600
            if silent > limit:
                return "silence"
            # Within her own waking hours she is rarely quiet this long (a night's sleep does
            # not count); a false alarm's tolerance still holds.
            if (routine is not None and routine.active_limit_hours and silent > float(plan.tolerance_hours or 0)
                    and awake_hours_between(since, now, waking_hours(routine.hours)) > routine.active_limit_hours):
                return "silence"
        if plan.water_meter:
            from appliance.care.routine import water_flow

            flow = water_flow(self.water_readings(plan, now - datetime.timedelta(hours=12)), now, 12)
            if flow is not None and flow < self.settings.water_min_m3:
                return "water"
        return None

    def silent_hours(self, plan: CarePlan, now: datetime.datetime) -> float:
        last = self.last_seen(plan.resident, plan.use_gate) or plan.created_at
        return round((now - last).total_seconds() / 3600, 1)

    def raise_alert(self, person, kind: str, at: datetime.datetime | None = None) -> CareAlert:
        """At most one open alert per elder: a new reason on an open alert only notes it, except
        that an SOS climbs the ladder at once."""
        now = at or self.now()
        plan = self.plan(person)
        with self.db.atomic("IMMEDIATE"):
            current = self.open_alert(person)
            if current is not None:
                if kind == "sos" and current.kind != "sos":
                    current.kind = "sos"
                    current.next_at = now
                    current.save()
                    self._step(current, "raised", "sos", "", now)
                return current
            row = CareAlert.create(resident=person, kind=kind, raised_at=now, next_at=now,
                                   silent_hours=self.silent_hours(plan, now) if plan and kind == "silence" else None)
            self._step(row, "raised", kind, "", now)
            self._publish(row)
            self.audit.record("system", "raise", ENTITY, row.id, {"name": person.name, "kind": kind})
        logger.info("care alert %s raised (%s)", row.id, kind)
        if kind == "sos":
            self.advance(row, now)
        return row

    # --- the ladder ----------------------------------------------------------------------------
    def advance(self, alert: CareAlert, now: datetime.datetime) -> CareAlert:
        """Climb as far as the ladder goes now. Calls and SMS may take a minute on a real modem,
        so this runs on the care thread, never in a request."""
        alert = CareAlert.get_by_id(alert.id)
        if alert.closed_at is None:
            self._retry_failed_texts(alert, now)
        if alert.closed_at is not None or (alert.next_at is not None and alert.next_at > now):
            return alert
        plan = self.plan(alert.resident)
        person = alert.resident
        if alert.step == "raised" and alert.kind != "sos" and plan is not None and plan.call_elder and person.phone:
            text = gettext("This is Linli, your community. We have not seen you for a while. Please press the "
                           "check-in button at the gate, or call your volunteer. If you need help, say so.")
            result, detail = self._send(person.phone, text, voice=True)
            self._step(alert, "call", result, detail, now)
            if result == "answered":
                return self._finish(alert, "answered", "system", now)
            alert = self._set_step(alert, "call", now)
        if alert.step in ("raised", "call"):
            if plan is not None and plan.family_phone:
                result, detail = self._send(plan.family_phone, self._family_text(alert), voice=False)
                self._step(alert, "family", result, detail, now)
            else:
                self._step(alert, "family", "skipped", "no family phone", now)
            alert = self._set_step(alert, "family", now)
        if alert.step == "family":
            self._open_order(alert, plan, now)
            alert = CareAlert.get_by_id(alert.id)
            self._tell_duty_phone(alert, "duty", now)
        elif alert.step == "order" and alert.acknowledged_at is None:
            self._escalate(alert, now)
            self._tell_duty_phone(CareAlert.get_by_id(alert.id), "duty_escalated", now)
        return CareAlert.get_by_id(alert.id)

    def _tell_duty_phone(self, alert: CareAlert, step: str, now: datetime.datetime) -> None:
        """A visit order on a page nobody opens is an alert that is missed: the community's
        duty phone is texted when the order opens and again when nobody acknowledged it.
        Sent after the order's transaction (the modem may take a minute)."""
        number = getattr(self.settings, "escalate_phone", "")
        if not number:
            return
        result, detail = self._send(number, self._duty_text(alert, step), voice=False)
        self._step(alert, step, result, detail, now)
        if result != "sent":
            logger.warning("care alert %s: the duty phone could not be texted (%s)", alert.id, result)

    def _retry_failed_texts(self, alert: CareAlert, now: datetime.datetime) -> None:
        """A text that failed (no signal, the modem busy with a call) is sent again at the next
        checks, at least RETRY_AFTER apart, up to TEXT_TRIES tries in all; each try is a step."""
        tries: dict[str, list[CareAlertStep]] = {}
        for s in self.steps(alert):
            if s.step in ("family", "duty", "duty_escalated") and s.result != "skipped":
                tries.setdefault(s.step, []).append(s)
        plan = self.plan(alert.resident)
        for step, done in tries.items():
            last = done[-1]
            if last.result != "failed" or len(done) >= TEXT_TRIES or now - last.at < RETRY_AFTER:
                continue
            if step == "family":
                number, text = (plan.family_phone if plan else ""), self._family_text(alert)
            else:
                number, text = getattr(self.settings, "escalate_phone", ""), self._duty_text(alert, step)
            if not number:
                continue
            result, detail = self._send(number, text, voice=False)
            self._step(alert, step, result, detail, now)
            logger.info("care alert %s: %s text tried again (%s)", alert.id, step, result)

    @staticmethod
    def _family_text(alert: CareAlert) -> str:
        return gettext("Linli community: %(name)s may need you (%(reason)s). Please call or visit; the "
                       "volunteer has been told too.", name=alert.resident.name, reason=kind_word(alert.kind))

    @staticmethod
    def _duty_text(alert: CareAlert, step: str) -> str:
        order = alert.order.number if alert.order_id else "-"
        if step == "duty":
            text = gettext("Linli community: care alert for %(name)s (%(reason)s). Visit order %(order)s is waiting "
                           "for the volunteer; please make sure someone goes today.",
                           name=alert.resident.name, reason=kind_word(alert.kind), order=order)
        else:
            text = gettext("Linli community: nobody acknowledged visit order %(order)s for %(name)s (%(reason)s) in "
                           "time. Please send someone now.",
                           name=alert.resident.name, reason=kind_word(alert.kind), order=order)
        return text

    def _send(self, number: str, text: str, voice: bool) -> tuple[str, str]:
        from appliance.firelane.notify import NotifyError

        try:
            delivery = self.notifier.send(number, text, voice=voice)
        except NotifyError as exc:
            return "failed", str(exc)[:200]
        except LinliError as exc:
            return "failed", str(exc)[:200]
        if voice:
            return ("answered" if delivery.channel == "call" else "no answer"), delivery.detail[:200]
        return "sent", delivery.ref

    def _open_order(self, alert: CareAlert, plan: CarePlan | None, now: datetime.datetime) -> None:
        # Nothing personal in the description: the order leaves the box; the volunteer sees
        # the elder on the care page, which stays here.
        description = gettext("Please visit the elder of care alert %(id)s today: %(reason)s.",
                              id=alert.id, reason=kind_word(alert.kind))
        ack = datetime.timedelta(minutes=self.settings.ack_minutes)
        with self.db.atomic():
            order = self.workorders.open(source="care", category=CATEGORY, description=description, actor="system",
                                         dedupe_key=f"care:{alert.resident.uuid}", due_at=now + ack * 4,
                                         assignee=(plan.volunteer if plan and plan.volunteer else None))
            CareAlert.update(order=order, step="order", next_at=now + ack).where(CareAlert.id == alert.id).execute()
            self._step(alert, "order", "opened", order.number, now)
            self._publish(CareAlert.get_by_id(alert.id))

    def _escalate(self, alert: CareAlert, now: datetime.datetime) -> None:
        who = self.settings.escalate_to
        with self.db.atomic():
            if alert.order_id:
                self.workorders.assign(alert.order_id, who, "system")
                self.workorders.add_note(alert.order_id, gettext("Nobody acknowledged in time; passed to %(who)s.",
                                                                 who=who), False, "system")
            CareAlert.update(step="escalated", next_at=None).where(CareAlert.id == alert.id).execute()
            self._step(alert, "escalated", who, "", now)
            self._publish(CareAlert.get_by_id(alert.id))

    def _set_step(self, alert: CareAlert, step: str, now: datetime.datetime) -> CareAlert:
        CareAlert.update(step=step).where(CareAlert.id == alert.id).execute()
        return CareAlert.get_by_id(alert.id)

    def _step(self, alert, step, result, detail, now) -> None:
        CareAlertStep.create(alert=alert, step=step, at=now, result=result, detail=detail or "")

    # --- people answering ----------------------------------------------------------------------
    def acknowledge(self, alert_id, actor: str) -> CareAlert:
        now = self.now()
        with self.db.atomic("IMMEDIATE"):
            alert = self.alert(alert_id)
            if alert.closed_at is not None:
                raise ValidationError("This alert is already closed.", field="alert")
            if alert.acknowledged_at is not None:
                return alert
            CareAlert.update(acknowledged_at=now, acknowledged_by=actor, next_at=None).where(
                CareAlert.id == alert.id).execute()
            if alert.order_id and alert.order.status in ("new", "reopened"):
                self.workorders.transition(alert.order_id, "accepted", actor)
            if alert.order_id and actor not in ("", "system") and alert.order.assignee != actor:
                self.workorders.assign(alert.order_id, actor, actor)
            self._step(alert, "acknowledged", actor, "", now)
            self.audit.record(actor, "acknowledge", ENTITY, alert.id, {"name": alert.resident.name})
            alert = CareAlert.get_by_id(alert.id)
            self._publish(alert)
        return alert

    def close_alert(self, alert_id, outcome: str, actor: str) -> CareAlert:
        if outcome not in OUTCOMES:
            raise ValidationError("Unknown outcome: %(value)s", field="outcome", value=str(outcome)[:40])
        with self.db.atomic("IMMEDIATE"):
            alert = self.alert(alert_id)
            if alert.closed_at is not None:
                raise ValidationError("This alert is already closed.", field="alert")
            return self._finish(alert, outcome, actor, self.now())

    def _finish(self, alert: CareAlert, outcome: str, actor: str, now: datetime.datetime) -> CareAlert:
        with self.db.atomic():
            CareAlert.update(closed_at=now, closed_by=actor, outcome=outcome, next_at=None).where(
                CareAlert.id == alert.id).execute()
            if outcome == "false_alarm" and alert.kind == "silence" and alert.silent_hours:
                # Teach the pattern: this much silence was normal for this person.
                plan = self.plan(alert.resident)
                if plan is not None and alert.silent_hours + 1 > plan.tolerance_hours:
                    CarePlan.update(tolerance_hours=min(float(plan.floor_hours), alert.silent_hours + 1)).where(
                        CarePlan.id == plan.id).execute()
            # Someone has just made sure the elder is fine: the silence starts again from now.
            CareSignal.create(resident=alert.resident, source_id=f"resident:{alert.resident_id}", kind="call", at=now)
            if alert.order_id and alert.order.status in ("new", "accepted", "in_progress", "reopened"):
                reason = gettext("Care alert closed: %(outcome)s", outcome=outcome_word(outcome))
                self.workorders.transition(alert.order_id, "closed", actor or "system", note=reason, public=True)
            self._step(alert, "closed", outcome, "", now)
            self.audit.record(actor or "system", "close", ENTITY, alert.id,
                              {"name": alert.resident.name, "kind": outcome})
            alert = CareAlert.get_by_id(alert.id)
            self._publish(alert)
        return alert

    def _publish(self, alert: CareAlert) -> None:
        outbox.append("care.alert", {
            "uuid": str(alert.uuid), "resident_uuid": str(alert.resident.uuid), "kind": alert.kind,
            "raised_at": alert.raised_at.isoformat(), "step": alert.step,
            "acknowledged": alert.acknowledged_at is not None, "outcome": alert.outcome,
            "closed_at": alert.closed_at.isoformat() if alert.closed_at else None,
            "order": alert.order.number if alert.order_id else None}, priority=3)


OUTCOME_WORDS = {"ok": N_("visited, all well"), "help": N_("visited, needs help"),
                 "false_alarm": N_("false alarm"), "answered": N_("the elder answered the call")}


def outcome_word(outcome: str) -> str:
    return gettext(OUTCOME_WORDS.get(outcome, outcome))
