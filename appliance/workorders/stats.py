"""Figures for the work-order chart: orders opened and fixed per week, and the median
days from report to fix per category. Geometry is computed here (as the sync page does)
so the template only places shapes: inline SVG, no JavaScript."""

from __future__ import annotations

import datetime
import statistics

from peewee import fn

from appliance.charts import BarChart
from appliance.db.models import WorkOrder, WorkOrderCategory
from appliance.db.models.workorders import OPEN_STATUSES

CHART_W, CHART_H = 600, 180
BAR_ROW = 30  # height of one category's row in the median chart


def _monday(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


def weekly_stats(now: datetime.datetime, weeks: int) -> dict:
    first = _monday(now.date()) - datetime.timedelta(weeks=weeks - 1)
    start = datetime.datetime.combine(first, datetime.time())
    opened = [0] * weeks
    fixed = [0] * weeks
    for (created,) in WorkOrder.select(WorkOrder.created_at).where(WorkOrder.created_at >= start).tuples():
        opened[min(weeks - 1, (created.date() - first).days // 7)] += 1
    days_by_cat: dict[int, list[float]] = {}
    for cat_id, created, done in (WorkOrder.select(WorkOrder.category, WorkOrder.created_at, WorkOrder.fixed_at)
                                  .where(WorkOrder.fixed_at >= start).tuples()):
        fixed[min(weeks - 1, (done.date() - first).days // 7)] += 1
        days_by_cat.setdefault(cat_id, []).append(max(0.0, (done - created).total_seconds() / 86400))
    cats = {c.id: c for c in WorkOrderCategory.select().where(WorkOrderCategory.id.in_(list(days_by_cat) or [0]))}
    medians = sorted(({"code": cats[c].code, "name_zh": cats[c].name_zh, "name_en": cats[c].name_en,
                       "median_days": round(statistics.median(d), 1), "fixed": len(d)}
                      for c, d in days_by_cat.items()), key=lambda m: -m["median_days"])
    open_now = WorkOrder.select().where(WorkOrder.status.in_(OPEN_STATUSES)).count()
    overdue = WorkOrder.select().where(WorkOrder.status.in_(OPEN_STATUSES), WorkOrder.due_at < now).count()
    total = WorkOrder.select(fn.COUNT(WorkOrder.id)).scalar()
    return {
        "weeks": [{"start": first + datetime.timedelta(weeks=i), "opened": opened[i], "fixed": fixed[i]}
                  for i in range(weeks)],
        "median_days": medians, "open": open_now, "overdue": overdue, "total": total,
    }


def chart(stats: dict) -> dict:
    """Bar positions for the weekly chart (opened and fixed side by side) and the median chart."""
    weeks = stats["weeks"]
    grid = BarChart.fit(CHART_W, CHART_H, [w["opened"] for w in weeks] + [w["fixed"] for w in weeks],
                        len(weeks), per_slot=2)
    top = grid.top
    bars = [{"start": w["start"], "opened": w["opened"], "fixed": w["fixed"],
             "x_open": grid.x(i), "x_fixed": grid.x(i, 1), "w": grid.bar_w,
             "h_open": grid.h(w["opened"]), "h_fixed": grid.h(w["fixed"]),
             "y_open": grid.y(w["opened"]), "y_fixed": grid.y(w["fixed"])}
            for i, w in enumerate(weeks)]
    longest = max([m["median_days"] for m in stats["median_days"]] + [1])
    medians = [dict(m, y=i * BAR_ROW + 4, w=round(m["median_days"] / longest * 360, 1))
               for i, m in enumerate(stats["median_days"])]
    return {"bars": bars, "top": top, "chart_w": CHART_W, "chart_h": CHART_H, "medians": medians,
            "median_h": len(medians) * BAR_ROW + 8}
