"""On the district hub: each community's monthly 星级评价 averages (the ``rating.month`` entries
its box sent; only averages ever leave a box) beside what its work orders measured, so the
district compares stars with facts: share fixed by the due time, median days to fix, overdue now."""

from __future__ import annotations

import statistics

from appliance.participation.district import district_reports
from appliance.participation.ratings import ASPECTS, RATING_KIND


def _stars(value) -> float | None:
    return round(float(value), 2) if isinstance(value, (int, float)) and not isinstance(value, bool) \
        and 1 <= value <= 5 else None


def district_ratings(hub, months: int = 6, box: str | None = None) -> list[dict]:
    """One row per community: its newest ``months`` rated months (newest first) and its facts."""
    from appliance.hub.models import HubEntry

    names = {b.box_id: (b.name or b.box_id) for b in hub.boxes()}
    query = HubEntry.select(HubEntry.box, HubEntry.seq, HubEntry.payload).where(HubEntry.kind == RATING_KIND)
    if box:
        query = query.where(HubEntry.box == box)
    latest: dict[str, dict[str, dict]] = {}
    for entry in query.order_by(HubEntry.box, HubEntry.seq).iterator():
        p = entry.payload if isinstance(entry.payload, dict) else {}
        period = str(p.get("period") or "")[:7]
        if len(period) != 7:
            continue
        aspects = p.get("aspects") if isinstance(p.get("aspects"), dict) else {}
        households = p.get("households")
        latest.setdefault(entry.box, {})[period] = {
            "period": period,
            "households": households if isinstance(households, int) and households >= 0 else 0,
            "aspects": {code: _stars(aspects.get(code)) for code, _w in ASPECTS}}
    by_box: dict[str, list[dict]] = {}
    for row in district_reports(hub, box=box):
        by_box.setdefault(row["box"], []).append(row)
    out = []
    for box_id in sorted(set(latest) | set(by_box), key=lambda b: names.get(b, b)):
        periods = sorted(latest.get(box_id, {}), reverse=True)[:months]
        out.append({"box": box_id, "community": names.get(box_id, box_id),
                    "months": [latest[box_id][p] for p in periods], "facts": _facts(by_box.get(box_id, []))})
    return out


def _facts(rows: list[dict]) -> dict:
    done = [r for r in rows if r["done_at"] and r["created_at"]]
    on_time = sum(1 for r in done if r["due_at"] is None or r["done_at"] <= r["due_at"])
    days = [(r["done_at"] - r["created_at"]).total_seconds() / 86400 for r in done]
    return {"reports": len(rows), "fixed": len(done), "overdue": sum(1 for r in rows if r["overdue"]),
            "on_time_pct": round(100 * on_time / len(done)) if done else None,
            "median_days": round(statistics.median(days), 1) if days else None}
