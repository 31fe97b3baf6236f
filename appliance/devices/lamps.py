"""Street lamps: the schedule (or a manual override) applied to the circuits once a second.

What a lamp should do is always *computed* (override if one is running, else the sunset
clock), never remembered, so after a power cut the first :meth:`LampService.tick` at start
puts every circuit back where it belongs. Overrides live in the database because they must
survive that power cut too; they end on their own after ``override_hours``.

With a current switch fitted, a circuit that is on but draws nothing (a blown lamp, a cut
cable, a tripped breaker) or off but still draws (a welded contactor) for ``fault_after_s``
opens one work order for the circuit's responsible person.
"""

from __future__ import annotations

import datetime
import logging
import threading
from typing import Callable

from appliance.db.models import Device, DeviceHour, LampOverride
from appliance.devices.alarms import AlarmDesk
from appliance.devices.hours import HourBuffer
from appliance.devices.schedule import LampSchedule, Wanted
from appliance.errors import NotFound, ValidationError
from appliance.validation import clean_text

logger = logging.getLogger(__name__)

ENTITY = "lamp"
MAX_TICK_GAP_S = 10.0  # a longer gap (the box was off) is not counted as burning time


class LampService:
    def __init__(self, db, audit, registry, schedule: LampSchedule, circuits: dict, desk: AlarmDesk,
                 hours: HourBuffer, clock, *, override_hours: float = 4.0, fault_after_s: float = 120,
                 on_change: Callable[[Device, dict], None] | None = None):
        self.db = db
        self.audit = audit
        self.registry = registry
        self.schedule = schedule
        self.circuits = circuits  # name -> hardware.lamp.LampCircuit
        self.desk = desk
        self.hours = hours
        self.clock = clock
        self.override_hours = override_hours
        self.fault_after = datetime.timedelta(seconds=fault_after_s)
        self.on_change = on_change
        self.devices: dict[str, Device] = {}
        self.dim_levels: dict[str, float] = {}  # circuit -> dim level pushed by the district
        self.overrides: dict[str, LampOverride] = {}
        self.reasons: dict[str, str] = {}
        self._mismatch_since: dict[str, datetime.datetime] = {}
        self._last_tick: datetime.datetime | None = None
        self._lock = threading.RLock()

    def load(self) -> None:
        now = self.clock()
        with self._lock:
            self.devices = {d.name: d for d in self.registry.all("lamp") if d.name in self.circuits}
            self.overrides = {}
            for row in (LampOverride.select().where(LampOverride.until > now, LampOverride.cancelled == False)  # noqa: E712
                        .order_by(LampOverride.id)):
                if row.device.name in self.devices:
                    self.overrides[row.device.name] = row

    # --- what a lamp should do -----------------------------------------------------------------
    def wanted(self, name: str, at: datetime.datetime | None = None) -> Wanted:
        at = at or self.clock()
        override = self.overrides.get(name)
        if override is not None and override.until > at:
            return Wanted(bool(override.on), float(override.level) if override.on else 0.0, "override")
        circuit = self.circuits[name]
        want = self.schedule.wanted(at, dimmable=circuit.dimmable)
        if want.reason == "dimmed" and name in self.dim_levels:
            return Wanted(True, self.dim_levels[name], "dimmed")  # the district's level for this circuit
        return want

    def tick(self) -> None:
        """Apply the wanted state to every circuit; count burning time; look for faults."""
        now = self.clock()
        with self._lock:
            gap = (now - self._last_tick).total_seconds() if self._last_tick else 0.0
            self._last_tick = now
            for name in [n for n, o in self.overrides.items() if o.until <= now]:
                logger.info("lamp %s: override ended, back to the schedule", name)
                self.overrides.pop(name)
            for name, device in self.devices.items():
                circuit = self.circuits[name]
                if 0 < gap <= MAX_TICK_GAP_S and circuit.is_on:
                    self.hours.add(device.id, "on_s", gap, now)
                    self.hours.add(device.id, "wh", gap * device.watts * circuit.level / 3600.0, now)
                want = self.wanted(name, now)
                try:
                    changed = circuit.switch(want.on, want.level or 1.0, want.reason)
                except Exception:
                    logger.exception("lamp %s could not be switched", name)
                    continue
                self.reasons[name] = want.reason
                if changed and self.on_change is not None:
                    try:
                        self.on_change(device, self.state(name))
                    except Exception:
                        logger.exception("publishing lamp %s failed", name)
                self._check_current(device, circuit, now)

    def _check_current(self, device: Device, circuit, now: datetime.datetime) -> None:
        drawing = circuit.drawing_current
        if drawing is None:
            return
        if drawing == circuit.is_on:
            self._mismatch_since.pop(device.name, None)
            for code in ("lamp_dark", "lamp_stuck"):
                self.desk.clear(device.name, code)
            return
        since = self._mismatch_since.setdefault(device.name, now)
        if now - since >= self.fault_after:
            self.desk.raise_alarm(device, "lamp_dark" if circuit.is_on else "lamp_stuck")

    # --- people ----------------------------------------------------------------------------------
    def override(self, name: str, on, actor: str, *, level=None, hours=None, reason: str = "") -> LampOverride:
        """Switch a lamp by hand until ``hours`` from now (default ``override_hours``)."""
        device = self._device(name)
        if isinstance(on, str):
            if on not in ("on", "off"):
                raise ValidationError("Choose on or off.", field="on")
            on = on == "on"
        try:
            level = 1.0 if level in (None, "") else float(str(level)[:10])
            hours = self.override_hours if hours in (None, "") else float(str(hours)[:10])
        except ValueError:
            raise ValidationError("Not a number: %(value)s", field="hours", value=str(hours)[:20]) from None
        if not 0.05 <= level <= 1.0:
            raise ValidationError("Must be between %(lo)s and %(hi)s.", field="level", lo=0.05, hi=1.0)
        if not 0.1 <= hours <= 72:
            raise ValidationError("Must be between %(lo)s and %(hi)s.", field="hours", lo=0.1, hi=72)
        reason = clean_text(reason, "reason", max_len=100)
        now = self.clock().replace(microsecond=0)
        with self._lock:
            with self.db.atomic():
                LampOverride.update(cancelled=True).where(LampOverride.device == device.id,
                                                          LampOverride.cancelled == False).execute()  # noqa: E712
                row = LampOverride.create(device=device.id, on=bool(on), level=level, actor=actor[:100], reason=reason,
                                          until=now + datetime.timedelta(hours=hours), created_at=now)
                self.audit.record(actor, "lamp_on" if on else "lamp_off", ENTITY, device.id,
                                  {"name": device.name, "end": row.until.strftime("%Y-%m-%d %H:%M")})
            self.overrides[device.name] = row
            self.tick()
        return row

    def cancel_override(self, name: str, actor: str) -> None:
        device = self._device(name)
        with self._lock:
            with self.db.atomic():
                n = LampOverride.update(cancelled=True).where(LampOverride.device == device.id,
                                                              LampOverride.cancelled == False).execute()  # noqa: E712
                if n:
                    self.audit.record(actor, "lamp_schedule", ENTITY, device.id, {"name": device.name})
            self.overrides.pop(device.name, None)
            self.tick()

    def _device(self, name: str) -> Device:
        device = self.devices.get(str(name)[:200])
        if device is None:
            raise NotFound("No such lamp: %(name)s", name=str(name)[:60])
        return device

    # --- reading back ----------------------------------------------------------------------------
    def state(self, name: str) -> dict:
        circuit = self.circuits[name]
        override = self.overrides.get(name)
        return {"on": circuit.is_on, "level": round(circuit.level, 2), "current": circuit.last_current,
                "amps": circuit.amps,
                "reason": self.reasons.get(name, ""), "dimmable": circuit.dimmable,
                "override_until": override.until if override is not None else None}

    def states(self) -> list[dict]:
        out = []
        for name, device in sorted(self.devices.items()):
            out.append({"device": device, **self.state(name), "alarms": self.desk.active(name)})
        return out

    def months(self, name: str, count: int = 12) -> list[dict]:
        """On-hours and kWh per calendar month, oldest first (what is written; call after a
        checkpoint for the last minutes)."""
        device = self._device(name)
        today = self.clock().date().replace(day=1)
        starts = []
        y, m = today.year, today.month
        for _ in range(max(1, min(count, 36))):
            starts.append(datetime.datetime(y, m, 1))
            y, m = (y - 1, 12) if m == 1 else (y, m - 1)
        starts.reverse()
        figures = {s: {"month": s.strftime("%Y-%m"), "hours": 0.0, "kwh": 0.0} for s in starts}
        rows = DeviceHour.select().where(DeviceHour.device == device.id, DeviceHour.metric.in_(("on_s", "wh")),
                                         DeviceHour.hour >= starts[0])
        for row in rows:
            key = row.hour.replace(day=1, hour=0)
            if key in figures:
                if row.metric == "on_s":
                    figures[key]["hours"] += row.total / 3600.0
                else:
                    figures[key]["kwh"] += row.total / 1000.0
        return [{**f, "hours": round(f["hours"], 1), "kwh": round(f["kwh"], 2)} for f in figures.values()]

    def release_all(self) -> None:
        for circuit in self.circuits.values():
            circuit.release("close")
