"""Care plans (one per elder flagged in the register) and the signs of life that feed them.

Mixed into :class:`appliance.care.service.CareService`; needs ``self.db``, ``self.audit``,
``self.now()``.
"""

from __future__ import annotations

import datetime
import logging

from peewee import fn

from appliance.db.base import find as find_row
from appliance.db.models import AccessEvent, CarePlan, CareSignal, Resident, User
from appliance.db.models.care import SIGNAL_KINDS
from appliance.errors import NotFound, ValidationError
from appliance.validation import clean_flag, clean_int, clean_phone, clean_text

logger = logging.getLogger(__name__)

ENTITY = "care.plan"
# Gate events that say nothing about the elder being up and about.
NOT_A_PASSAGE = ("exit_button", "fire_alarm", "remote", "visitor")
LIFE_KINDS = tuple(k for k in SIGNAL_KINDS if k != "water")  # water counts through its own rule
# Less than this between two readings (3 litres) is a dripping tap or the meter's jitter, not a
# person washing or flushing.
FLOW_SIGN_M3 = 0.003


class Plans:
    # --- the register's elders ----------------------------------------------------------------
    def elders(self) -> list[Resident]:
        """Every current resident flagged as an elder living alone."""
        today = self.now().date()
        return list(Resident.select().where(
            Resident.living_alone_elderly == True,  # noqa: E712
            Resident.move_out.is_null() | (Resident.move_out > today)).order_by(Resident.name, Resident.id))

    def elder(self, resident_id) -> Resident:
        person = find_row(Resident, resident_id)
        if person is None or not person.living_alone_elderly:
            raise NotFound("No such elder in the care list.")
        return person

    def offers_checkin(self, resident_id) -> bool:
        """Whether the kiosk shows this resident the 平安打卡 button right after their entry:
        an elder living alone with an active care plan."""
        person = find_row(Resident, resident_id)
        if person is None or not person.living_alone_elderly:
            return False
        plan = self.plan(person)
        return plan is not None and plan.active

    def plan(self, resident) -> CarePlan | None:
        return CarePlan.get_or_none(CarePlan.resident == resident)

    def volunteers(self) -> list[str]:
        return [u.username for u in User.select().where(User.active == True,  # noqa: E712
                                                        User.role.in_(("admin", "volunteer"))).order_by(User.username)]

    def save_plan(self, resident_id, data: dict, actor: str) -> CarePlan:
        person = self.elder(resident_id)
        consent_by = clean_text(data.get("consent_by"), "consent_by", required=True, max_len=60)
        volunteer = clean_text(data.get("volunteer"), "volunteer", max_len=100)
        if volunteer and not User.select().where(User.username == volunteer, User.active == True).exists():  # noqa: E712
            raise ValidationError("No staff account named %(value)s.", field="volunteer", value=volunteer[:40])
        values = {
            "consent_by": consent_by,
            "health_consent": clean_flag(data.get("health_consent"), "health_consent"),
            "volunteer": volunteer,
            "family_name": clean_text(data.get("family_name"), "family_name", max_len=60),
            "family_phone": clean_phone(data.get("family_phone") or "", "family_phone"),
            "call_elder": clean_flag(data.get("call_elder", True), "call_elder"),
            "use_gate": clean_flag(data.get("use_gate", True), "use_gate"),
            "water_meter": clean_text(data.get("water_meter"), "water_meter", max_len=100),
            "door_sensor": clean_text(data.get("door_sensor"), "door_sensor", max_len=100),
            "sos_button": clean_text(data.get("sos_button"), "sos_button", max_len=100),
            "floor_hours": clean_int(data.get("floor_hours"), "floor_hours", min=6, max=72) or 24,
            "active": clean_flag(data.get("active", True), "active"),
        }
        sources = [values[k] for k in ("water_meter", "door_sensor", "sos_button") if values[k]]
        if len(sources) != len(set(sources)):
            raise ValidationError("The sensor %(value)s already belongs to another elder.", field="sos_button",
                                  value=sources[0][:40])
        for key in ("water_meter", "door_sensor", "sos_button"):
            source = values[key]
            if source and CarePlan.select().where(
                    (CarePlan.water_meter == source) | (CarePlan.door_sensor == source)
                    | (CarePlan.sos_button == source), CarePlan.resident != person).exists():
                raise ValidationError("The sensor %(value)s already belongs to another elder.", field=key,
                                      value=source[:40])
        now = self.now()
        with self.db.atomic():
            plan = self.plan(person)
            if plan is None:
                plan = CarePlan.create(resident=person, consent_at=now, created_at=now, updated_at=now, **values)
                self.audit.record(actor, "create", ENTITY, plan.id, {"name": person.name})
            else:
                if values["consent_by"] != plan.consent_by:
                    values["consent_at"] = now
                CarePlan.update(updated_at=now, **values).where(CarePlan.id == plan.id).execute()
                plan = CarePlan.get_by_id(plan.id)
                self.audit.record(actor, "update", ENTITY, plan.id, {"name": person.name})
        return plan

    # --- signs of life ------------------------------------------------------------------------
    def observe(self, source_id: str, kind: str, value: float | None = None,
                at: datetime.datetime | None = None) -> CareSignal | None:
        """One reading from a sensor or a person: ``source_id`` is a water meter's or door
        sensor's id from a care plan, or ``resident:<id>`` (check-in, SOS, a call answered).
        Unknown sources are ignored (None): a sensor may exist before its plan does. An SOS
        raises its alert at once."""
        if kind not in SIGNAL_KINDS:
            raise ValidationError("Unknown signal: %(value)s", field="kind", value=str(kind)[:40])
        source = str(source_id or "")[:100]
        if value is not None:
            try:
                value = float(value)
            except (TypeError, ValueError):
                raise ValidationError("Not a number.", field="value") from None
            if value != value or value in (float("inf"), float("-inf")):
                raise ValidationError("Not a number.", field="value")
        person = self._source_owner(source)
        if person is None:
            logger.debug("care signal from unknown source %s ignored", source)
            return None
        when = (at or self.now()).replace(microsecond=0)
        if kind == "water" and value is not None:
            return self._water_reading(person, source, value, when)
        signal = CareSignal.create(resident=person, source_id=source, kind=kind, value=value, at=when)
        if kind == "sos":
            self.raise_alert(person, "sos", at=when)
        return signal

    def _water_reading(self, person, source: str, value: float, when: datetime.datetime) -> CareSignal:
        """A meter reading is kept for the 12-hour rule; water that ran since the previous
        reading is also a sign of life (a "flow" signal at the same time)."""
        with self.db.atomic():
            previous = (CareSignal.select(CareSignal.value).where(
                CareSignal.resident == person, CareSignal.kind == "water", CareSignal.source_id == source,
                CareSignal.value.is_null(False), CareSignal.at <= when).order_by(CareSignal.at.desc()).scalar())
            signal = CareSignal.create(resident=person, source_id=source, kind="water", value=value, at=when)
            if previous is not None and round(value - previous, 6) >= FLOW_SIGN_M3:
                CareSignal.create(resident=person, source_id=source, kind="flow", value=round(value - previous, 4),
                                  at=when)
        return signal

    def check_in(self, resident_id, actor: str) -> CareSignal:
        """平安打卡: the elder (or the kiosk after their entry) says they are fine today."""
        person = self.elder(resident_id)
        signal = self.observe(f"resident:{person.id}", "checkin")
        self.audit.record(actor, "checkin", ENTITY, person.id, {"name": person.name})
        return signal

    def _source_owner(self, source: str) -> Resident | None:
        if source.startswith("resident:"):
            person = find_row(Resident, source.split(":", 1)[1])
            return person if person is not None and person.living_alone_elderly else None
        if not source:
            return None
        plan = CarePlan.get_or_none((CarePlan.water_meter == source) | (CarePlan.door_sensor == source)
                                    | (CarePlan.sos_button == source))
        return plan.resident if plan is not None else None

    def life_signs(self, person, since: datetime.datetime, until: datetime.datetime,
                   use_gate: bool = True) -> list[datetime.datetime]:
        """Times of every sign of life in a window: sensors, check-ins and gate passages."""
        times = [t for (t,) in CareSignal.select(CareSignal.at).where(
            CareSignal.resident == person, CareSignal.kind.in_(LIFE_KINDS),
            CareSignal.at >= since, CareSignal.at <= until).tuples()]
        if use_gate:
            times += [t for (t,) in AccessEvent.select(AccessEvent.at).where(
                AccessEvent.resident == person, AccessEvent.granted == True,  # noqa: E712
                AccessEvent.method.not_in(NOT_A_PASSAGE), AccessEvent.at >= since, AccessEvent.at <= until).tuples()]
        return sorted(times)

    def last_seen(self, person, use_gate: bool = True) -> datetime.datetime | None:
        last = CareSignal.select(fn.MAX(CareSignal.at)).where(
            CareSignal.resident == person, CareSignal.kind.in_(LIFE_KINDS)).scalar()
        if use_gate:
            gate = AccessEvent.select(fn.MAX(AccessEvent.at)).where(
                AccessEvent.resident == person, AccessEvent.granted == True,  # noqa: E712
                AccessEvent.method.not_in(NOT_A_PASSAGE)).scalar()
            if gate is not None and (last is None or gate > last):
                last = gate
        return last

    def water_readings(self, plan: CarePlan, since: datetime.datetime) -> list[tuple[datetime.datetime, float]]:
        # The reading just before the window is needed to know the flow inside it.
        first = (CareSignal.select(CareSignal.at, CareSignal.value).where(
            CareSignal.resident == plan.resident, CareSignal.kind == "water", CareSignal.value.is_null(False),
            CareSignal.at <= since).order_by(CareSignal.at.desc()).limit(1).tuples())
        rest = (CareSignal.select(CareSignal.at, CareSignal.value).where(
            CareSignal.resident == plan.resident, CareSignal.kind == "water", CareSignal.value.is_null(False),
            CareSignal.at > since).order_by(CareSignal.at).tuples())
        return list(first) + list(rest)
