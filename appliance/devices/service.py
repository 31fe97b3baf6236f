"""What the staff pages and the CLI call: one method per action over the lamps, the sensors
and the schedule (see :mod:`appliance.devices.setup` for how they are built)."""

from __future__ import annotations

import datetime
import logging

from appliance.devices import charts
from appliance.devices.registry import DeviceRegistry
from appliance.devices.schedule import LampSchedule
from appliance.errors import ValidationError

logger = logging.getLogger(__name__)

HISTORY_METRICS = {"water_leak": ("water_leak", "battery"), "smoke": ("smoke", "battery"),
                   "door": ("contact", "battery"), "tilt": ("tilt", "battery"), "garbage": ("fill", "battery"),
                   "climate": ("temperature", "humidity", "battery"), "sos": ("battery",),
                   "lamp": ("on_s", "wh"), "meter": ("total",)}


class DevicesService:
    def __init__(self, registry: DeviceRegistry, lamps, sensors, schedule: LampSchedule, clock, link=None,
                 bridge=None, plan=None, daily=None, audit=None, escalation=None):
        self.registry = registry
        self.lamps = lamps
        self.sensors = sensors
        self.schedule = schedule
        self.clock = clock
        self.link = link
        self.bridge = bridge
        self.plan = plan  # SitePlan
        self.daily = daily  # DailyFigures (the hub's copy)
        self.audit = audit
        self.escalation = escalation  # (timedelta, phone, work-order service, AlarmTexts or None) or None

    # --- pages -----------------------------------------------------------------------------
    def overview(self) -> dict:
        """Lamps, then sensors with trouble first (silent, offline, alarms, low battery)."""
        now = self.clock()
        sensors = []
        for name, device in sorted(self.sensors.devices.items()):
            live = self.sensors.live(name)
            values = live["values"]
            alarms = self.sensors.desk.active(name)
            late = live["at"] is None or now - live["at"] > datetime.timedelta(
                seconds=device.interval_s * self.sensors.silent_after)
            battery = values.get("battery", device.battery)
            trouble = (2 if late or live["online"] is False else 0) + (1 if alarms else 0) + (
                1 if battery is not None and battery <= self.sensors.limits.battery_low_pct else 0)
            sensors.append({"device": device, "at": live["at"], "values": values, "online": live["online"],
                            "alarms": alarms, "late": late, "battery": battery, "trouble": trouble})
        sensors.sort(key=lambda s: (-s["trouble"], s["device"].name))
        day_ago = (now - datetime.timedelta(hours=48)).replace(minute=0, second=0, microsecond=0)
        sparks = charts.sparklines({s["device"].id: HISTORY_METRICS.get(s["device"].kind, ("battery",))[0]
                                    for s in sensors if s["device"].id is not None}, day_ago, now)
        for s in sensors:
            s["spark"] = sparks.get(s["device"].id)
        wanted = self.schedule.wanted(now)
        night = self.schedule.night(now.date() if now.hour >= 12 else now.date() - datetime.timedelta(days=1))
        return {"lamps": self.lamps.states(), "sensors": sensors, "now": now, "night": night,
                "next_change": self.schedule.next_change(now), "wanted": wanted,
                "broker": self.link.connected.is_set() if self.link else None,
                "unknown": dict(self.sensors.unknown), "counts": dict(self.sensors.counts)}

    def device(self, name: str, days: int = 2) -> dict:
        device = self.registry.get(name)
        days = max(1, min(int(days), 31))
        now = self.clock()
        self.checkpoint()  # the chart should include the last minutes
        since = (now - datetime.timedelta(days=days)).replace(minute=0, second=0, microsecond=0)
        charts_ = [charts.history(device.id, m, since, now) for m in HISTORY_METRICS.get(device.kind, ("battery",))]
        out = {"device": device, "charts": charts_, "days": days, "since": since, "now": now}
        if device.kind == "lamp" and device.name in self.lamps.devices:
            out["lamp"] = self.lamps.state(device.name)
            out["months"] = charts.months(self.lamps.months(device.name))
        else:
            out["live"] = self.sensors.live(device.name)
            out["alarms"] = self.sensors.desk.active(device.name)
            until = self.sensors.desk.silenced.get(device.name)
            out["silenced_until"] = until if until is not None and until > now else None
        return out

    def schedule_preview(self, days: int = 7) -> dict:
        today = self.clock().date()
        try:
            days = int(days)
        except (TypeError, ValueError):
            raise ValidationError("Not a number: %(value)s", field="days", value=str(days)[:20]) from None
        days = max(1, min(days, 31))
        first = today.replace(month=1, day=1)
        n_year = (first.replace(year=first.year + 1) - first).days
        return {"nights": self.schedule.preview(today, days),
                "year": charts.year(self.schedule.preview(first, n_year)), "year_no": first.year,
                "days": days}

    def plan_view(self) -> dict:
        """Every device as a dot on the site plan, coloured by what a person should know."""
        overview = self.overview()
        dots = []
        for lamp in overview["lamps"]:
            colour = "alarm" if lamp["alarms"] else ("on" if lamp["on"] else "off")
            dots.append({"device": lamp["device"], "status": colour})
        for s in overview["sensors"]:
            colour = "alarm" if s["alarms"] else ("silent" if s["late"] or s["online"] is False else "ok")
            dots.append({"device": s["device"], "status": colour})
        size = self.plan.size() if self.plan is not None and self.plan.exists() else None
        return {"dots": dots, "size": size}

    def upload_plan(self, data: bytes | None, actor: str):
        return self.plan.upload(data, actor)

    def plan_image(self):
        if self.plan is None or not self.plan.exists():
            from appliance.errors import NotFound

            raise NotFound("No site plan yet.")
        return self.plan.path

    def place_device(self, name: str, x, y, actor: str):
        device = self.plan.place(name, x, y, actor)
        for table in (self.lamps.devices, self.sensors.devices):
            if device.name in table:
                table[device.name] = device  # work orders opened from now on carry the new place
        return device

    # --- actions ---------------------------------------------------------------------------
    def override(self, name: str, on, actor: str, level=None, hours=None):
        return self.lamps.override(name, on, actor, level=level, hours=hours)

    def cancel_override(self, name: str, actor: str) -> None:
        self.lamps.cancel_override(name, actor)

    def silence(self, name: str, hours, actor: str) -> datetime.datetime:
        device = self.registry.get(name)
        try:
            hours = float(str(hours)[:10])
        except ValueError:
            raise ValidationError("Not a number: %(value)s", field="hours", value=str(hours)[:20]) from None
        if not 0.5 <= hours <= 72:
            raise ValidationError("Must be between %(lo)s and %(hi)s.", field="hours", lo=0.5, hi=72)
        until = (self.clock() + datetime.timedelta(hours=hours)).replace(microsecond=0)
        self.sensors.desk.silence(device.name, until)
        self.audit.record(actor, "silence", "device", device.id, {"name": device.name,
                                                                  "end": until.strftime("%Y-%m-%d %H:%M")})
        return until

    def escalate(self) -> list[str]:
        """Orders from alarms nobody accepted within ``escalate_after``: a text to the
        escalation number and an internal note. Returns the order numbers."""
        if self.escalation is None:
            return []
        after, phone, workorders, texts = self.escalation
        done = []
        for order_id, device_name in self.sensors.desk.due_for_escalation(after):
            order = workorders.get(order_id)
            if order.status != "new":
                continue  # someone took it
            workorders.add_note(order.id, f"escalated: nobody accepted it within {int(after.total_seconds() // 60)} min",
                                False, "system")
            if texts is not None and phone:
                texts.send_to(phone, order)
            done.append(order.number)
        return done

    # --- background ------------------------------------------------------------------------
    def checkpoint(self) -> int:
        try:
            return self.sensors.checkpoint()
        except Exception:
            logger.exception("devices: checkpoint failed (kept in memory, tried again later)")
            return 0
