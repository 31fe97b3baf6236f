"""Geometry for the devices pages' server-side SVG: a sensor's hourly history as a line
(min–max band and mean), the lamp schedule over a year, on-hours and kWh per month."""

from __future__ import annotations

import datetime

from appliance.db.models import DeviceHour

W, H = 600, 160


def history(device_id: int, metric: str, since: datetime.datetime, until: datetime.datetime) -> dict:
    rows = list(DeviceHour.select().where(DeviceHour.device == device_id, DeviceHour.metric == metric,
                                          DeviceHour.hour >= since, DeviceHour.hour <= until)
                .order_by(DeviceHour.hour))
    span = max(1.0, (until - since).total_seconds())
    if not rows:
        return {"metric": metric, "points": "", "band": "", "dots": [], "low": None, "high": None, "w": W, "h": H}
    lo = min(r.low for r in rows)
    hi = max(r.high for r in rows)
    if hi - lo < 1e-9:
        lo, hi = lo - 1, hi + 1
    plot = H - 24

    def x(at):
        return round((at - since).total_seconds() / span * W, 1)

    def y(v):
        return round(8 + (hi - v) / (hi - lo) * plot, 1)

    dots = [{"x": x(r.hour), "y": y(r.total / r.n), "mean": round(r.total / r.n, 2), "hour": r.hour, "n": r.n}
            for r in rows]
    top = " ".join(f"{x(r.hour)},{y(r.high)}" for r in rows)
    bottom = " ".join(f"{x(r.hour)},{y(r.low)}" for r in reversed(rows))
    return {"metric": metric, "points": " ".join(f"{d['x']},{d['y']}" for d in dots), "band": f"{top} {bottom}",
            "dots": dots, "low": round(lo, 2), "high": round(hi, 2), "w": W, "h": H}


def year(nights: list) -> dict:
    """One thin bar per night from switch-on to switch-off, the evening at the top; the
    dimmed part drawn separately. Hours run 12:00 (top) to 12:00 next day (bottom)."""
    slot = W / max(1, len(nights))
    plot = H - 20

    def y(t: datetime.datetime, day: datetime.date):
        hours = (t - datetime.datetime.combine(day, datetime.time(12))).total_seconds() / 3600
        return round(max(0.0, min(24.0, hours)) / 24 * plot, 1)

    bars = []
    for i, n in enumerate(nights):
        on, off = y(n.on_at, n.day), y(n.off_at, n.day)
        dim = y(n.dim_at, n.day) if n.dim_at else None
        bars.append({"x": round(i * slot, 2), "w": round(max(slot, 0.6), 2), "y": on,
                     "h": round((dim if dim is not None else off) - on, 1), "dim_y": dim,
                     "dim_h": round(off - dim, 1) if dim is not None else 0, "night": n})
    marks = [{"y": round(h / 24 * plot, 1), "label": f"{(12 + h) % 24:02d}:00"} for h in (6, 12, 18)]
    return {"bars": bars, "w": W, "h": H, "marks": marks}


def months(figures: list[dict]) -> dict:
    top = max([f["kwh"] for f in figures] + [0.001])
    slot = W / max(1, len(figures))
    plot = H - 30
    bars = []
    for i, f in enumerate(figures):
        h = round(f["kwh"] / top * plot, 1)
        bars.append({**f, "x": round(i * slot + 2, 1), "w": round(slot - 4, 1), "y": round(plot - h + 6, 1), "h": h})
    return {"bars": bars, "w": W, "h": H, "top": top}


SPARK_W, SPARK_H = 120, 24


def sparklines(wanted: dict[int, str], since: datetime.datetime, until: datetime.datetime) -> dict[int, dict]:
    """One small line per device (its main metric's hourly mean) for the sensor list, in one
    query. Hours still in the memory buffer are not on it (written once an hour, for the SD)."""
    if not wanted:
        return {}
    rows = (DeviceHour.select(DeviceHour.device, DeviceHour.metric, DeviceHour.hour, DeviceHour.n, DeviceHour.total)
            .where(DeviceHour.device.in_(list(wanted)), DeviceHour.metric.in_(sorted(set(wanted.values()))),
                   DeviceHour.hour >= since, DeviceHour.hour <= until)
            .order_by(DeviceHour.device, DeviceHour.hour).tuples())
    series: dict[int, list[tuple[datetime.datetime, float]]] = {}
    for device_id, metric, hour, n, total in rows:
        if wanted.get(device_id) == metric and n:
            series.setdefault(device_id, []).append((hour, total / n))
    span = max(1.0, (until - since).total_seconds())
    out = {}
    for device_id, points in series.items():
        lo = min(v for _, v in points)
        hi = max(v for _, v in points)
        if hi - lo < 1e-9:
            lo, hi = lo - 1, hi + 1
        xy = [(round((at - since).total_seconds() / span * SPARK_W, 1), round(2 + (hi - v) / (hi - lo) * (SPARK_H - 4), 1))
              for at, v in points]
        out[device_id] = {"metric": wanted[device_id], "points": " ".join(f"{x},{y}" for x, y in xy),
                          "last": round(points[-1][1], 2), "n": len(points), "w": SPARK_W, "h": SPARK_H}
    return out
