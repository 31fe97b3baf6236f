"""The district's per-circuit dim levels and sensor lists (signed "config" downlink items,
handled by :class:`appliance.devices.district.DistrictDeviceSettings` like the schedule).

Both are all-or-nothing per item: every entry is checked before anything is written, so a
refused item leaves the box exactly as it was.

Sensor lists add or update registry rows with the same checks as ``[[devices.sensors]]`` in
the settings file (:func:`appliance.devices.registry.config_problems`; the admin pages have
no form that adds sensors, the settings file is the box's own way). An entry with
``"retired": true`` takes a sensor out of service: it is never deleted when it has readings
(hourly figures, a last reading) — it is marked inactive, so its history and work orders
stay; a sensor that never reported is deleted. Sensors named in this box's settings file
are refused: the file wins at every start, and a value that flips back at each restart
would be worse than a clear refusal. Lamps and meters cannot be changed this way.
"""

from __future__ import annotations

import types

from appliance.db.models import Device, DeviceHour
from appliance.devices.registry import config_problems
from appliance.errors import ValidationError

MAX_SENSORS = 500
SENSOR_KEYS = {"name", "kind", "place", "interval_h", "responsible", "responsible_phone", "depth_cm",
               "tilt_max_deg", "full_pct", "retired"}
RULE_KEYS = ("depth_cm", "tilt_max_deg", "full_pct", "responsible_phone")


def clean_circuit_dims(value, circuits: set[str]) -> dict[str, float]:
    """{"east-1": 0.4, ...} -> circuit -> dim level (0.05 to 1.0) for the dimmed hours."""
    if not isinstance(value, dict) or len(value) > 200:
        raise ValidationError("Not a list of lamp circuits.", field="value")
    out = {}
    for name, level in value.items():
        if name not in circuits:
            raise ValidationError("No such device: %(name)s", field=f"value[{str(name)[:60]}]", name=str(name)[:60])
        if isinstance(level, bool) or not isinstance(level, (int, float)) or not 0.05 <= level <= 1.0:
            raise ValidationError("Must be between %(lo)s and %(hi)s.", field=f"value[{name}]", lo=0.05, hi=1.0)
        out[name] = float(level)
    return out


def clean_sensors(value, file_names: set[str]) -> list[dict]:
    """[{"name", "kind", "place", "interval_h", "responsible", ...}, {"name", "retired": true}]."""
    if not isinstance(value, list) or not value or len(value) > MAX_SENSORS:
        raise ValidationError("Not a list of sensors.", field="value")
    names: set[str] = set()
    out = []
    for i, entry in enumerate(value):
        field = f"value[{i}]"
        if not isinstance(entry, dict) or set(entry) - SENSOR_KEYS:
            raise ValidationError("Not a list of sensors.", field=field)
        name = entry.get("name")
        if isinstance(name, str) and name in names:
            raise ValidationError("%(name)s is named twice.", field=field, name=name[:60])
        if isinstance(name, str) and name in file_names:
            raise ValidationError("%(name)s is set in this box's settings file.", field=field, name=name[:60])
        if entry.get("retired") is not None and not isinstance(entry.get("retired"), bool):
            raise ValidationError("Not a list of sensors.", field=f"{field}.retired")
        if entry.get("retired"):
            if not isinstance(name, str) or Device.get_or_none(Device.name == name) is None:
                raise ValidationError("No such device: %(name)s", field=field, name=str(name)[:60])
            names.add(name)
            out.append({"name": name, "retired": True})
            continue
        cfg = types.SimpleNamespace(lamps=[], meters=[], sensors=[entry], all_night_dates=[], dim_at="00:00",
                                    escalate_phone="")
        problems = config_problems(cfg)
        if problems:
            # The settings file's own words (the safe-mode page shows the same), row named.
            raise ValidationError("%(problem)s", field=field, problem=problems[0].replace("devices.sensors[0]", field))
        existing = Device.get_or_none(Device.name == name)
        if existing is not None and existing.kind in ("lamp", "meter"):
            raise ValidationError("%(name)s is set in this box's settings file.", field=field, name=name[:60])
        names.add(name)
        out.append(dict(entry))
    return out


def apply_sensors(registry, entries: list[dict], now) -> dict[str, int]:
    """Write checked entries in one transaction; returns counts for the audit line."""
    counts = {"added": 0, "updated": 0, "retired": 0, "deleted": 0}
    with registry.db.atomic():
        for entry in entries:
            device = Device.get_or_none(Device.name == entry["name"])
            if entry.get("retired"):
                heard = device.last_seen is not None or DeviceHour.select().where(DeviceHour.device == device.id).exists()
                if heard:
                    if device.active:
                        Device.update(active=False, updated_at=now).where(Device.id == device.id).execute()
                        counts["retired"] += 1
                else:
                    device.delete_instance()
                    counts["deleted"] += 1
                continue
            settings = {k: entry[k] for k in RULE_KEYS if k in entry}
            interval = max(36, int(float(entry.get("interval_h", 1)) * 3600))
            registry._upsert(entry["name"], entry["kind"], "zigbee2mqtt", entry, settings, interval, now)
            counts["updated" if device is not None else "added"] += 1
    return counts
