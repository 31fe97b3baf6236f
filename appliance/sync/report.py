"""What the admin "sync state" page draws: bytes per day against the budget, contacts
with the hub over the last week, and the backlog. Geometry is computed here so the
template only places shapes (inline SVG, no JavaScript)."""

from __future__ import annotations

import datetime

from peewee import fn

from appliance.charts import BarChart
from appliance.db.models import DistrictNotice, OutboxEntry, SyncLog

CHART_W, CHART_H = 600, 160


def bytes_per_day(days: int = 30, today: datetime.date | None = None,
                  channel: str = "mqtt") -> list[tuple[datetime.date, int]]:
    today = today or datetime.date.today()
    start = today - datetime.timedelta(days=days - 1)
    day = fn.date(SyncLog.at).coerce(False)
    rows = dict(SyncLog.select(day, fn.SUM(SyncLog.bytes)).where(
        SyncLog.direction == "up", SyncLog.channel == channel, SyncLog.at >= datetime.datetime.combine(
            start, datetime.time())).group_by(day).tuples())
    return [(start + datetime.timedelta(days=i), int(rows.get(str(start + datetime.timedelta(days=i)), 0) or 0))
            for i in range(days)]


def contacts(days: int = 7) -> list[tuple[datetime.datetime, str]]:
    since = datetime.datetime.now() - datetime.timedelta(days=days)
    return list(SyncLog.select(SyncLog.at, SyncLog.channel).where(
        SyncLog.direction.in_(("ack", "down")), SyncLog.status == "ok", SyncLog.at >= since).tuples())


def usb_bytes_this_month(today: datetime.date | None = None) -> int:
    """What went out on USB sticks this month: no mobile data, but it is data the hub got."""
    first = (today or datetime.date.today()).replace(day=1)
    return int(SyncLog.select(fn.SUM(SyncLog.bytes)).where(
        SyncLog.direction == "up", SyncLog.channel == "usb",
        SyncLog.at >= datetime.datetime.combine(first, datetime.time())).scalar() or 0)


def sync_page(sync) -> dict:
    status = sync.status()
    series = bytes_per_day()
    usb = dict(bytes_per_day(channel="usb"))
    budget_day = status["budget_bytes"] / 30 if status["budget_bytes"] else 0
    chart = BarChart.fit(CHART_W, CHART_H, [b + usb[d] for d, b in series] + [budget_day], len(series))
    # Each day: the 4G bar from the axis, the USB share stacked on top of it in another colour.
    bars = [{"x": chart.x(i), "w": chart.bar_w, "h": chart.h(b), "y": chart.y(b), "day": d.isoformat(),
             "bytes": b, "usb": usb[d], "usb_h": chart.h(usb[d]), "usb_y": chart.y(usb[d], below=b)}
            for i, (d, b) in enumerate(series)]
    now = datetime.datetime.now()
    week = 7 * 86400
    dots = [{"x": round(CHART_W - (now - at).total_seconds() / week * CHART_W, 1), "channel": ch,
             "at": at.strftime("%m-%d %H:%M")} for at, ch in contacts()]
    oldest = OutboxEntry.select(fn.MIN(OutboxEntry.created_at)).where(OutboxEntry.seq > status["acked"]).scalar()
    used = status["bytes_this_month"]
    budget = status["budget_bytes"]
    return {
        "status": status,
        "usb_bytes_this_month": usb_bytes_this_month(),
        "bars": bars,
        "budget_y": chart.y(budget_day) if budget_day else None,
        "dots": dots,
        "used_pct": min(100, round(used / budget * 100)) if budget else None,
        "oldest_unsent": oldest,
        "last_contact": datetime.datetime.fromtimestamp(status["last_contact"]) if status["last_contact"] else None,
        "notices": list(DistrictNotice.select().order_by(DistrictNotice.received_at.desc()).limit(10)),
        "recent": list(SyncLog.select().order_by(SyncLog.id.desc()).limit(15)),
        "chart_w": CHART_W, "chart_h": CHART_H,
        "update": update_download(sync),
    }


def update_download(sync) -> dict | None:
    """The offered update's download for the sync page: pieces and bytes held, its state, and
    the bar's width; None when the district offered nothing."""
    receiver = getattr(sync, "update_receiver", None)
    progress = receiver.progress() if receiver is not None else None
    if progress is None:
        return None
    if progress["state"] == "staged" and not receiver.staged_path(progress).exists():
        return None  # installed (or put away by the admin): nothing left to say about it
    return dict(progress, bar_w=round(CHART_W * progress["pct"] / 100, 1))
