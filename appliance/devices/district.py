"""Device settings the district pushes down (signed "config" downlink items, kept as
DistrictSetting rows by the sync feature): lamp schedule offsets and dimming for every
box of the district, silence intervals for named devices (a manhole under roadworks),
per-circuit dim levels and sensor lists (appliance/devices/district_push.py).

The devices loop calls :meth:`DistrictDeviceSettings.check` every minute and at start. A
value that changed is validated here — the sync feature only knows the key is allowed —
then applied, audited (actor "district") and reported back through the outbox
(``devices.setting``: key, applied or the reason it was refused, the value's digest). A
refused value changes nothing: the box keeps what it had. The report's UUID is derived from
the box, the key and the value, so a restart does not send it twice.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import logging
import uuid as uuidlib

from appliance.db.models import DistrictSetting
from appliance.devices.district_push import apply_sensors, clean_circuit_dims, clean_sensors
from appliance.devices.schedule import parse_hhmm
from appliance.errors import LinliError, ValidationError
from appliance.sync import outbox

logger = logging.getLogger(__name__)

KIND = "devices.setting"
SCHEDULE = "devices.lamp_schedule"
SILENCES = "devices.silences"
CIRCUIT_DIMS = "devices.circuit_dims"
SENSORS = "devices.sensors"
KEYS = (SCHEDULE, SILENCES, CIRCUIT_DIMS, SENSORS)
MAX_SILENCE = datetime.timedelta(days=90)
MAX_SILENCES = 200


def _int(value, field: str, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise ValidationError("Must be between %(lo)s and %(hi)s.", field=field, lo=lo, hi=hi)
    return value


def clean_schedule(value) -> dict:
    """{"on_after_sunset_min", "off_before_sunrise_min", "dim_at", "dim_level"}: any of them."""
    allowed = {"on_after_sunset_min", "off_before_sunrise_min", "dim_at", "dim_level"}
    if not isinstance(value, dict) or not value or set(value) - allowed:
        raise ValidationError("Unknown setting: %(value)s", field="value",
                              value=",".join(sorted(set(value) - allowed))[:60] if isinstance(value, dict) else "-")
    out = {}
    for key in ("on_after_sunset_min", "off_before_sunrise_min"):
        if key in value:
            out[key] = _int(value[key], key, -120, 120)
    if "dim_at" in value:
        if not isinstance(value["dim_at"], str):
            raise ValidationError("Not a time (HH:MM): %(value)s", field="dim_at", value=str(value["dim_at"])[:20])
        parse_hhmm(value["dim_at"])
        out["dim_at"] = value["dim_at"]
    if "dim_level" in value:
        level = value["dim_level"]
        if isinstance(level, bool) or not isinstance(level, (int, float)) or not 0.05 <= level <= 1.0:
            raise ValidationError("Must be between %(lo)s and %(hi)s.", field="dim_level", lo=0.05, hi=1.0)
        out["dim_level"] = float(level)
    return out


def clean_silences(value, known: set[str], now: datetime.datetime) -> dict[str, datetime.datetime]:
    """[{"device": name, "until": "2026-12-20T18:00"}, ...] -> name -> until (past ones dropped)."""
    if not isinstance(value, list) or len(value) > MAX_SILENCES:
        raise ValidationError("Not a list of silences.", field="value")
    out = {}
    for i, entry in enumerate(value):
        field = f"value[{i}]"
        if not isinstance(entry, dict) or set(entry) - {"device", "until", "reason"}:
            raise ValidationError("Not a list of silences.", field=field)
        name = entry.get("device")
        if not isinstance(name, str) or name not in known:
            raise ValidationError("No such device: %(name)s", field=field, name=str(name)[:60])
        try:
            until = datetime.datetime.fromisoformat(str(entry.get("until"))[:19])
        except ValueError:
            raise ValidationError("Not a date (use 2024-03-01): %(value)s", field=field,
                                  value=str(entry.get("until"))[:20]) from None
        if until - now > MAX_SILENCE:
            raise ValidationError("A silence lasts at most %(n)s days.", field=field, n=MAX_SILENCE.days)
        if until > now:
            out[name] = until.replace(tzinfo=None)
    return out


class DistrictDeviceSettings:
    def __init__(self, db, audit, schedule, desk, registry, clock, box_id: str, baseline: dict,
                 lamps=None, sensors=None, file_sensors: set[str] | None = None, announce=None):
        self.db, self.audit, self.schedule, self.desk = db, audit, schedule, desk
        self.lamps, self.sensors, self.file_sensors = lamps, sensors, set(file_sensors or ())
        self.announce = announce  # Home Assistant discovery again once the sensor list changed
        self.registry, self.clock, self.box_id = registry, clock, box_id
        self.baseline = dict(baseline)  # the settings file's schedule values, for a key withdrawn
        self.seen: dict[str, str] = {}  # key -> digest of the value last handled
        self.results: dict[str, dict] = {}  # key -> {"applied": bool, "reason": str, "at": ...}

    def check(self) -> list[str]:
        """Handle every changed district value; returns the keys handled this time."""
        rows = {r.key: r.value for r in DistrictSetting.select().where(DistrictSetting.key.in_(KEYS))}
        handled = []
        for key in KEYS:
            digest = _digest(rows.get(key))
            if self.seen.get(key) == digest:
                continue
            self.seen[key] = digest
            if key not in rows:
                if key == SCHEDULE and key in self.results:
                    self._apply_schedule(self.baseline)  # withdrawn: back to the settings file
                if key == CIRCUIT_DIMS and self.lamps is not None:
                    self.lamps.dim_levels = {}  # withdrawn: every circuit dims to the schedule's level
                # A withdrawn sensor list leaves the sensors it added: readings must not vanish.
                continue
            handled.append(key)
            try:
                self._apply(key, rows[key])
            except ValidationError as exc:
                self._report(key, digest, False, exc)
                logger.warning("district setting %s refused: %s", key, exc)
            else:
                self._report(key, digest, True, None)
        return handled

    def _apply(self, key: str, value) -> None:
        if key == SCHEDULE:
            clean = clean_schedule(value)
            self._apply_schedule({**self.baseline, **clean})
            details = {k: str(v) for k, v in clean.items()}
        elif key == CIRCUIT_DIMS:
            circuits = set(self.lamps.circuits) if self.lamps is not None else set()
            levels = clean_circuit_dims(value, circuits)
            self.lamps.dim_levels = levels  # one assignment: all the circuits or none
            details = {name: str(level) for name, level in sorted(levels.items())[:20]}
        elif key == SENSORS:
            entries = clean_sensors(value, self.file_sensors)
            counts = apply_sensors(self.registry, entries, self.clock().replace(microsecond=0))
            if self.sensors is not None:
                self.sensors.load()  # listen for the new names now, forget the retired ones
            if self.announce is not None:
                self.announce()
            details = {k: str(v) for k, v in counts.items()}
        else:
            known = {d.name for d in self.registry.all("sensors")} | {d.name for d in self.registry.all("lamps")}
            until = clean_silences(value, known, self.clock())
            for name, at in until.items():
                self.desk.silence(name, at)
            details = {"days": str(len(until))}
        self.audit.record("district", "district_setting", "device", 0, {"name": key, **details})

    def _apply_schedule(self, values: dict) -> None:
        s = self.schedule
        s.on_offset = datetime.timedelta(minutes=values["on_after_sunset_min"])
        s.off_offset = datetime.timedelta(minutes=values["off_before_sunrise_min"])
        s.dim_time = parse_hhmm(values["dim_at"])
        s.dim_level = float(values["dim_level"])

    def _report(self, key: str, digest: str, applied: bool, error: LinliError | None) -> None:
        at = self.clock().replace(microsecond=0)
        reason = "" if error is None else f"{getattr(error, 'field', '') or ''}: {error}"[:200]
        self.results[key] = {"applied": applied, "reason": reason, "at": at}
        entry = str(uuidlib.uuid5(uuidlib.NAMESPACE_URL, f"linli:{self.box_id}:{KIND}:{key}:{digest}"))
        from appliance.db.models import OutboxEntry

        if OutboxEntry.select().where(OutboxEntry.uuid == entry).exists():
            return
        with self.db.atomic():
            outbox.append(KIND, {"key": key, "digest": digest, "applied": applied, "reason": reason,
                                 "at": at.isoformat()}, priority=6, entry_uuid=entry)


def _digest(value) -> str:
    if value is None:
        return "-"
    return hashlib.sha256(json.dumps(value, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:16]
