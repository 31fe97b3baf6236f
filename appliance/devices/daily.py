"""Daily figures per device for the district hub: one outbox entry a day (``devices.daily``)
with each device's readings summed up and each lamp's burning hours and kWh. Alarms need no
entry of their own: they are work orders, which sync already.

No names of people leave: the responsible person stays on the box; the device's name, kind
and place (a spot such as "3号楼东侧", not a home) do. The entry's UUID is derived from the
box and the day, so asking twice for the same day writes it once."""

from __future__ import annotations

import datetime
import logging
import uuid as uuidlib

from peewee import fn

from appliance.db.models import Device, DeviceHour, OutboxEntry
from appliance.sync import outbox

logger = logging.getLogger(__name__)

KIND = "devices.daily"
PRIORITY = 8  # figures, not incidents: they wait behind everything urgent


class DailyFigures:
    def __init__(self, db, box_id: str, clock):
        self.db, self.box_id, self.clock = db, box_id, clock

    def entry_uuid(self, day: datetime.date) -> str:
        return str(uuidlib.uuid5(uuidlib.NAMESPACE_URL, f"linli:{self.box_id}:{KIND}:{day.isoformat()}"))

    def payload(self, day: datetime.date) -> dict:
        start = datetime.datetime.combine(day, datetime.time())
        end = start + datetime.timedelta(days=1)
        rows = (DeviceHour.select(DeviceHour.device, DeviceHour.metric, fn.SUM(DeviceHour.n).alias("n"),
                                  fn.SUM(DeviceHour.total).alias("total"), fn.MIN(DeviceHour.low).alias("low"),
                                  fn.MAX(DeviceHour.high).alias("high"))
                .where(DeviceHour.hour >= start, DeviceHour.hour < end)
                .group_by(DeviceHour.device, DeviceHour.metric))
        by_device: dict[int, dict] = {}
        for r in rows:
            metrics = by_device.setdefault(r.device_id, {})
            if r.metric == "on_s":
                metrics["on_hours"] = round(r.total / 3600, 2)
            elif r.metric == "wh":
                metrics["kwh"] = round(r.total / 1000, 3)
            else:
                metrics[r.metric] = {"n": r.n, "mean": round(r.total / r.n, 3) if r.n else None,
                                     "min": r.low, "max": r.high}
        devices = []
        for device in Device.select().where(Device.id.in_(list(by_device) or [0])):
            # "device", not "name": the sync policy drops "name" keys as people's names.
            devices.append({"uuid": str(device.uuid), "device": device.name, "kind": device.kind,
                            "place": device.place, "figures": by_device[device.id]})
        return {"day": day.isoformat(), "devices": sorted(devices, key=lambda d: d["device"])}

    def publish(self, day: datetime.date) -> bool:
        """Queue the figures of ``day`` once; False when already queued or nothing to send."""
        entry = self.entry_uuid(day)
        if OutboxEntry.select().where(OutboxEntry.uuid == entry).exists():
            return False
        payload = self.payload(day)
        if not payload["devices"]:
            return False
        with self.db.atomic():
            outbox.append(KIND, payload, priority=PRIORITY, entry_uuid=entry)
        logger.info("devices: daily figures for %s queued (%s devices)", day, len(payload["devices"]))
        return True

    def publish_yesterday(self) -> bool:
        return self.publish(self.clock().date() - datetime.timedelta(days=1))
