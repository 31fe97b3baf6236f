"""The care service: plans, signs of life, learned routines, alerts and visits.

Callers: the web (``services.care``), the care thread (``tick``) and, later, the devices
feature, which only needs :meth:`CareService.observe`::

    observe(source_id, kind, value=None, at=None)
        kind in SIGNAL_KINDS ("gate", "door", "water", "checkin", "sos", ...); source_id a
        sensor id named in a care plan (water_meter, door_sensor) or "resident:<id>".
        Water readings are the meter's cumulative m³. Unknown sources are ignored.

    learn_routines(now=None) -> int      # nightly: each elder's rhythm of the last 4 weeks
    tick(now=None) -> list[CareAlert]    # rules for every plan, then every open ladder
    acknowledge(alert_id, actor); close_alert(alert_id, outcome, actor)
    record_visit(resident_id, data, actor); visit_plan(); coverage(months); coverage_chart()

Gate passages from the access log count as signs of life without any wiring.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass

from appliance.care.alerts import Alerts
from appliance.care.directory import Directory
from appliance.care.grid import Grids
from appliance.care.gridphotos import GridPhotos
from appliance.care.guide import LocalGuide
from appliance.care.meals import Meals
from appliance.care.plans import Plans
from appliance.care.police import Police
from appliance.care.routine import WINDOW_DAYS, learn
from appliance.care.visits import Visits
from appliance.db.models import CarePlan, CareRoutine, CareSignal

logger = logging.getLogger(__name__)

KEEP_SIGNALS_DAYS = 60  # raw signals older than this are deleted: the routine needs four weeks


@dataclass
class CareSettings:
    ack_minutes: int = 60
    escalate_to: str = "社区居委会"
    water_min_m3: float = 0.01
    meal_cutoff_hour: int = 18
    waste_city: str = "national"
    escalate_phone: str = ""  # the duty phone texted when a visit order opens and when it is escalated


class CareService(Plans, Alerts, Visits, Meals, Grids, Directory, Police, LocalGuide, GridPhotos):
    def __init__(self, db, audit, workorders, notifier, settings: CareSettings | None = None,
                 clock=datetime.datetime.now):
        self.db = db
        self.audit = audit
        self.workorders = workorders
        self.notifier = notifier
        self.settings = settings or CareSettings()
        self.clock = clock

    def now(self) -> datetime.datetime:
        return self.clock().replace(microsecond=0)

    def active_plans(self) -> list[CarePlan]:
        return list(CarePlan.select().where(CarePlan.active == True))  # noqa: E712

    def routine(self, person) -> CareRoutine | None:
        return CareRoutine.get_or_none(CareRoutine.resident == person)

    def learn_routines(self, now: datetime.datetime | None = None) -> int:
        now = now or self.now()
        since = now - datetime.timedelta(days=WINDOW_DAYS)
        count = 0
        for plan in self.active_plans():
            times = self.life_signs(plan.resident, since, now, plan.use_gate)
            r = learn(times, now, plan.floor_hours, plan.tolerance_hours)
            with self.db.atomic():
                CareRoutine.insert(resident=plan.resident, hours=r.hours, limit_hours=r.limit_hours, days=r.days,
                                   active_limit_hours=r.active_limit_hours, computed_at=now).on_conflict(
                    conflict_target=[CareRoutine.resident],
                    update={CareRoutine.hours: r.hours, CareRoutine.limit_hours: r.limit_hours,
                            CareRoutine.active_limit_hours: r.active_limit_hours,
                            CareRoutine.days: r.days, CareRoutine.computed_at: now}).execute()
            count += 1
        CareSignal.delete().where(CareSignal.at < now - datetime.timedelta(days=KEEP_SIGNALS_DAYS)).execute()
        return count

    def tick(self, now: datetime.datetime | None = None) -> list:
        """Check every active plan's rules, then move every open alert's ladder on."""
        now = now or self.now()
        for plan in self.active_plans():
            if self.open_alert(plan.resident) is not None:
                continue
            kind = self.evaluate(plan, now)
            if kind is not None:
                self.raise_alert(plan.resident, kind, at=now)
        out = []
        for alert in self.open_alerts():
            out.append(self.advance(alert, now))
        return out

    # --- what the pages show -------------------------------------------------------------------
    def overview(self) -> dict:
        return {"alerts": self.open_alerts(), "rows": self.visit_plan()}

    def elder_page(self, resident_id, viewer) -> dict:
        person = self.elder(resident_id)
        plan = self.plan(person)
        alert = self.open_alert(person)
        return {"person": person, "plan": plan, "alert": alert, "steps": self.steps(alert) if alert else [],
                "visits": self.visits(person, viewer), "routine": self.routine(person),
                "last_seen": self.last_seen(person, plan.use_gate if plan else True),
                "volunteers": self.volunteers(), "providers": self.requestable_services()}

