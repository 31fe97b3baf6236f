"""Sensor readings in, alarms out.

:meth:`SensorService.handle` takes one MQTT message from Zigbee2MQTT (state or availability),
checks it, keeps the last value per device in memory, adds numbers to the hourly buffer and
raises or clears alarms. Nothing here writes per message: last-seen, battery and state go to
the database at :meth:`checkpoint` (every ``flush_s`` and at close), the hourly figures in the
same batch. :meth:`check_silent` turns a device not heard for ``silent_after`` × its interval
(or one Zigbee2MQTT calls offline) into one work order.
"""

from __future__ import annotations

import collections
import datetime
import logging
import threading
from typing import Callable

from appliance.db.models import Device
from appliance.devices import rules, zigbee
from appliance.devices.alarms import AlarmDesk
from appliance.devices.hours import HourBuffer

logger = logging.getLogger(__name__)

# Hourly figures worth drawing; link quality and voltage only live in the last state.
NUMERIC = ("temperature", "humidity", "pressure", "fill", "tilt", "battery", "smoke_density", "total")
FLAGS = ("water_leak", "smoke", "contact", "vibration", "tamper")  # hourly share of "true"


class SensorService:
    def __init__(self, db, registry, desk: AlarmDesk, hours: HourBuffer, limits: rules.Limits, clock,
                 base_topic: str = "zigbee2mqtt", silent_after: float = 3.0,
                 on_state: Callable[[Device, dict], None] | None = None):
        self.db = db
        self.registry = registry
        self.desk = desk
        self.hours = hours
        self.limits = limits
        self.clock = clock
        self.base = base_topic.strip("/")
        self.silent_after = silent_after
        self.on_state = on_state
        # (device, values before, new values, time) for every accepted reading: the care
        # feature's signs of life hang here.
        self.on_reading: list[Callable] = []
        self.devices: dict[str, Device] = {}
        self.last: dict[str, dict] = {}  # name -> {"at", "values", "online"}
        self.dirty: set[str] = set()
        self.started_at = clock()
        self.counts = collections.Counter()  # accepted, unknown, malformed, refused_values, ...
        self.unknown: collections.OrderedDict = collections.OrderedDict()  # name -> times (bounded)
        self._lock = threading.RLock()

    def load(self) -> None:
        """Read the registry (at start and after the settings change)."""
        with self._lock:
            self.devices = {d.name: d for d in self.registry.all("sensors")}
            for d in self.devices.values():
                if d.name not in self.last and d.last_seen is not None:
                    self.last[d.name] = {"at": d.last_seen, "values": dict(d.last_state or {}), "online": d.online}

    # --- messages -------------------------------------------------------------------------
    def subscriptions(self) -> list[str]:
        return [f"{self.base}/+", f"{self.base}/+/availability"]

    def handle(self, topic: str, payload: bytes) -> str:
        """One message; returns what became of it ("reading", "availability", "unknown",
        "malformed", "ignored") for the counters and the tests. Never raises on bad input."""
        if not topic.startswith(self.base + "/"):
            return self._count("ignored")
        rest = topic[len(self.base) + 1:]
        name, _, tail = rest.partition("/")
        if name == "bridge" or tail not in ("", "availability"):
            return self._count("ignored")
        device = self.devices.get(name)
        if device is None:
            self._note_unknown(name)
            return self._count("unknown")
        if tail == "availability":
            online = zigbee.availability(payload)
            if online is None:
                return self._count("malformed")
            self._availability(device, online)
            return self._count("availability")
        try:
            data = zigbee.decode(payload)
        except zigbee.BadMessage:
            return self._count("malformed")
        reading = zigbee.normalise(device.kind, data, device.settings)
        if reading.refused:
            self.counts["refused_values"] += len(reading.refused)
            logger.debug("%s: refused %s", name, reading.refused)
        if not reading.values and reading.action is None:
            return self._count("malformed")
        self._reading(device, reading)
        return self._count("reading")

    def handle_chirpstack(self, topic: str, payload: bytes) -> str:
        """A ChirpStack v4 uplink event (``application/<id>/device/<devEui>/event/up``): the
        device is ``deviceInfo.deviceName``, the readings the codec's decoded ``object``
        (LoRaWAN reaches manhole covers Zigbee cannot)."""
        if not topic.startswith("application/") or not topic.endswith("/event/up"):
            return self._count("ignored")
        try:
            data = zigbee.decode(payload)
        except zigbee.BadMessage:
            return self._count("malformed")
        info = data.get("deviceInfo")
        name = info.get("deviceName") if isinstance(info, dict) else None
        if not isinstance(name, str) or not name:
            return self._count("malformed")
        device = self.devices.get(name)
        if device is None:
            self._note_unknown(name)
            return self._count("unknown")
        decoded = data.get("object")
        if not isinstance(decoded, dict):
            return self._count("malformed")  # no codec in the device profile: nothing to read
        reading = zigbee.normalise(device.kind, decoded, device.settings)
        if reading.refused:
            self.counts["refused_values"] += len(reading.refused)
        if not reading.values and reading.action is None:
            return self._count("malformed")
        self._reading(device, reading)
        return self._count("reading")

    def _count(self, what: str) -> str:
        self.counts[what] += 1
        return what

    def _note_unknown(self, name: str) -> None:
        with self._lock:
            key = name[:100]
            self.unknown[key] = self.unknown.get(key, 0) + 1
            self.unknown.move_to_end(key)
            while len(self.unknown) > 50:
                self.unknown.popitem(last=False)

    def record(self, device: Device, values: dict) -> None:
        """A reading that did not come over MQTT (a meter on RS-485)."""
        self._reading(device, zigbee.Reading(values=dict(values)))
        self._count("reading")

    def _reading(self, device: Device, reading: zigbee.Reading) -> None:
        now = self.clock()
        values = reading.values
        name, kind = device.name, device.kind
        with self._lock:
            entry = self.last.setdefault(name, {"at": now, "values": {}, "online": None})
            before = entry["values"]
            entry["at"] = now
            entry["values"] = {**entry["values"], **values}
            if reading.action:
                entry["values"]["action"] = reading.action
            entry["online"] = True
            self.dirty.add(name)
        figures = {k: v for k, v in values.items() if k in NUMERIC}
        figures.update({k: 1.0 if v else 0.0 for k, v in values.items() if k in FLAGS})
        if figures:
            self.hours.add_many(device.id, figures, now)
        found = rules.alarms(kind, values, reading.action, self.limits, device.settings)
        for code in (rules.clears(kind, values) | {"silent"}) - set(found):
            self.desk.clear(name, code)
        for code, value in found.items():
            self.desk.raise_alarm(device, code, value)
        offered = dict(values, action=reading.action) if reading.action else values
        for hook in self.on_reading:
            try:
                hook(device, before, offered, now)
            except Exception:
                logger.exception("passing on a reading of %s failed", device.name)
        if self.on_state is not None:
            try:
                self.on_state(device, dict(entry["values"]))
            except Exception:
                logger.exception("publishing the state of %s failed", device.name)

    def _availability(self, device: Device, online: bool) -> None:
        with self._lock:
            entry = self.last.setdefault(device.name, {"at": None, "values": {}, "online": None})
            entry["online"] = online
            self.dirty.add(device.name)
        if online:
            self.desk.clear(device.name, "silent")
        else:
            self.desk.raise_alarm(device, "silent", self._since_words(entry["at"]))

    # --- time -----------------------------------------------------------------------------
    def check_silent(self) -> list[str]:
        """Raise "not reporting" for each device quiet too long; returns their names."""
        now = self.clock()
        quiet = []
        for device in list(self.devices.values()):
            entry = self.last.get(device.name)
            last = entry["at"] if entry and entry["at"] else None
            since = last or max(self.started_at, device.created_at)
            if now - since > datetime.timedelta(seconds=device.interval_s * self.silent_after):
                quiet.append(device.name)
                self.desk.raise_alarm(device, "silent", self._since_words(last))
        return quiet

    @staticmethod
    def _since_words(at: datetime.datetime | None) -> str:
        return at.strftime("%Y-%m-%d %H:%M") if at else "-"

    def checkpoint(self) -> int:
        """Write last-seen, battery, link quality and state of changed devices and the hourly
        figures, in one transaction. Returns the number of devices written."""
        with self._lock:
            names, self.dirty = self.dirty, set()
            snapshot = {n: dict(self.last[n]) for n in names if n in self.last}
        try:
            with self.db.atomic():
                for name, entry in snapshot.items():
                    device = self.devices.get(name)
                    if device is None:
                        continue
                    values = entry["values"]
                    fields = {"last_state": values, "online": entry["online"]}
                    if entry["at"] is not None:
                        fields["last_seen"] = entry["at"].replace(microsecond=0)
                    if "battery" in values:
                        fields["battery"] = values["battery"]
                    if "linkquality" in values:
                        fields["linkquality"] = int(values["linkquality"])
                    Device.update(**fields).where(Device.id == device.id).execute()
                self.hours.flush()
        except Exception:
            with self._lock:
                self.dirty |= names
            raise
        return len(snapshot)

    # --- reading back ---------------------------------------------------------------------
    def live(self, name: str) -> dict:
        """What the page shows: the in-memory last value, else the checkpointed one."""
        with self._lock:
            entry = self.last.get(name)
            return dict(entry) if entry else {"at": None, "values": {}, "online": None}
