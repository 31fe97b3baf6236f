"""Visits (探访记录), the monthly visit plan for every elder living alone, and the monthly
coverage (how many of them were visited) drawn and exported.

Mixed into :class:`appliance.care.service.CareService`. Visit notes are health notes
(sensitive personal information, PIPL art. 28): they are kept only when the elder's plan
records a separate consent, shown only to admins and the paired volunteer, and every
showing is audited. Only monthly counts (``care.coverage``) leave the box.
"""

from __future__ import annotations

import csv
import datetime
import io
from dataclasses import dataclass

from peewee import fn

from appliance.charts import BarChart
from appliance.db.models import CareVisit, Resident
from appliance.db.models.care import CONDITIONS
from appliance.errors import ValidationError
from appliance.i18n import N_, gettext
from appliance.sync import outbox
from appliance.validation import clean_text

VISIT_EVERY_DAYS = 30
CHART_W, CHART_H = 720, 200
CONDITION_WORDS = {"good": N_("well"), "fair": N_("so-so"), "poor": N_("unwell"), "absent": N_("not at home")}


def condition_word(value: str) -> str:
    return gettext(CONDITION_WORDS.get(value, value))


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def add_months(day: datetime.date, n: int) -> datetime.date:
    m = day.month - 1 + n
    return datetime.date(day.year + m // 12, m % 12 + 1, 1)


@dataclass
class PlanRow:
    resident: Resident
    plan: object
    last_visit: CareVisit | None
    visited_this_month: bool
    overdue: bool
    alert: object


class Visits:
    def record_visit(self, resident_id, data: dict, actor: str) -> CareVisit:
        person = self.elder(resident_id)
        plan = self.plan(person)
        condition = data.get("condition") or "good"
        if condition not in CONDITIONS:
            raise ValidationError("Unknown condition: %(value)s", field="condition", value=str(condition)[:40])
        notes = clean_text(data.get("notes"), "notes", max_len=1000)
        needs = clean_text(data.get("needs"), "needs", max_len=1000)
        if notes and (plan is None or not plan.health_consent):
            raise ValidationError("There is no consent for health notes about this elder: leave the notes empty.",
                                  field="notes")
        now = self.now()
        at = data.get("at") or now
        if not isinstance(at, datetime.datetime) or at > now + datetime.timedelta(minutes=5):
            raise ValidationError("A visit cannot be in the future.", field="at")
        alert = self.open_alert(person)
        with self.db.atomic():
            visit = CareVisit.create(resident=person, visitor=clean_text(actor, "visitor", required=True, max_len=100),
                                     at=at, condition=condition, notes=notes, needs=needs, alert=alert, created_at=now)
            self.observe(f"resident:{person.id}", "visit", at=at)
            if alert is not None:
                outcome = "help" if condition in ("poor", "absent") or needs else "ok"
                if alert.acknowledged_at is None:
                    self.acknowledge(alert.id, actor)
                self.close_alert(alert.id, outcome, actor)
            self.audit.record(actor, "visit", "care.visit", visit.id, {"name": person.name})
            self._publish_coverage(at.date())
        return visit

    def visits(self, person, viewer, limit: int = 50) -> list[dict]:
        """The elder's visits for one staff user; notes only for admins and the paired volunteer."""
        plan = self.plan(person)
        may_read = viewer.role == "admin" or (plan is not None and plan.volunteer == viewer.username)
        rows = list(CareVisit.select().where(CareVisit.resident == person).order_by(CareVisit.at.desc()).limit(limit))
        if may_read and any(v.notes for v in rows):
            self.audit.record(viewer.username, "read_notes", "care.visit", person.id, {"name": person.name})
        return [{"visit": v, "notes": v.notes if may_read else None} for v in rows]

    def visit_plan(self) -> list[PlanRow]:
        now = self.now()
        start = datetime.datetime.combine(month_start(now.date()), datetime.time())
        due = now - datetime.timedelta(days=VISIT_EVERY_DAYS)
        rows = []
        for person in self.elders():
            last = CareVisit.select().where(CareVisit.resident == person).order_by(CareVisit.at.desc()).first()
            rows.append(PlanRow(resident=person, plan=self.plan(person), last_visit=last,
                                visited_this_month=last is not None and last.at >= start,
                                overdue=last is None or last.at < due, alert=self.open_alert(person)))
        # Open alerts first, then overdue, then the rest by name.
        rows.sort(key=lambda r: (r.alert is None, not r.overdue, r.resident.name))
        return rows

    def coverage(self, months: int = 12) -> list[dict]:
        today = self.now().date()
        first = add_months(month_start(today), -(months - 1))
        elders = len(self.elders())
        out = []
        for i in range(months):
            start = add_months(first, i)
            end = add_months(start, 1)
            visited = (CareVisit.select(fn.COUNT(fn.DISTINCT(CareVisit.resident))).join(Resident).where(
                CareVisit.at >= start, CareVisit.at < end, Resident.living_alone_elderly == True).scalar())  # noqa: E712
            out.append({"month": start.strftime("%Y-%m"), "elders": elders, "visited": visited or 0,
                        "share": round((visited or 0) / elders, 3) if elders else 0.0})
        return out

    def coverage_chart(self, months: int = 12) -> dict:
        rows = self.coverage(months)
        # shares run 0..1, so the top is always 100%: the dashed line marks "everyone visited"
        grid = BarChart(CHART_W, CHART_H, top=1.0, slots=len(rows), headroom=4, bottom=20, gap=8)
        bars = [dict(r, x=grid.x(i), w=grid.bar_w, h=grid.h(r["share"]), y=grid.y(r["share"]),
                     full=r["elders"] > 0 and r["visited"] >= r["elders"], pct=round(r["share"] * 100))
                for i, r in enumerate(rows)]
        return {"bars": bars, "chart_w": CHART_W, "chart_h": CHART_H, "line_y": grid.y(1.0)}

    def coverage_csv(self, months: int = 12) -> str:
        buf = io.StringIO()
        writer = csv.writer(buf)
        writer.writerow([gettext("Month"), gettext("Elders living alone"), gettext("Visited"), gettext("Share")])
        for r in self.coverage(months):
            writer.writerow([r["month"], r["elders"], r["visited"], f"{r['share'] * 100:.0f}%"])
        return "\ufeff" + buf.getvalue()  # BOM: Excel opens UTF-8 Chinese correctly

    def _publish_coverage(self, day: datetime.date) -> None:
        month = day.strftime("%Y-%m")
        row = next((r for r in self.coverage(12) if r["month"] == month), None)
        if row is not None:
            outbox.append("care.coverage", {"month": month, "elders": row["elders"], "visited": row["visited"]},
                          priority=8, entry_uuid=None)
