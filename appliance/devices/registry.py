"""The device registry: lamps and sensors named in the settings file become rows at every
start (the settings file wins for what it names; last-seen, battery and state are the box's
own). Devices never heard of are not added on the fly: a stranger on the broker must not
be able to fill the table."""

from __future__ import annotations

import logging

from appliance.db.models import Device
from appliance.db.models.devices import KINDS
from appliance.errors import NotFound

logger = logging.getLogger(__name__)

SENSOR_KINDS = tuple(k for k in KINDS if k not in ("lamp", "meter"))
PIN_KEYS = ("relay_pin", "dim_pin", "current_pin")


def _pin(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 2 <= value <= 27


def config_problems(cfg) -> list[str]:
    """Problems with ``[[devices.lamps]]`` and ``[[devices.sensors]]``, worded like the other
    settings' problems (the safe-mode page lists them)."""
    from appliance.devices.schedule import parse_dates, parse_hhmm
    from appliance.errors import ValidationError

    problems: list[str] = []
    try:
        parse_dates(cfg.all_night_dates)
        parse_hhmm(cfg.dim_at)
    except ValidationError as exc:
        problems.append(f"devices.{exc.field}: {exc}")
    if cfg.escalate_phone:
        from appliance.validation import clean_phone

        try:
            clean_phone(cfg.escalate_phone)
        except ValidationError:
            problems.append("devices.escalate_phone: a mobile number such as \"13800138000\"")
    names: set[str] = set()
    pins: set[int] = set()
    clamp_channels: set[int] = set()
    spi = set(SPI_PINS) if any(isinstance(e, dict) and e.get("clamp_channel") is not None for e in cfg.lamps) else set()
    for table, entries in (("lamps", cfg.lamps), ("sensors", cfg.sensors), ("meters", cfg.meters)):
        for i, entry in enumerate(entries):
            key = f"devices.{table}[{i}]"
            if not isinstance(entry, dict):
                problems.append(f"{key}: must be a table with a name")
                continue
            name = entry.get("name")
            if (not isinstance(name, str) or not name.strip() or len(name) > 100
                    or any(c in name for c in "#+/")):
                problems.append(f"{key}.name: give the device a name (no #, + or /, at most 100 characters)")
            elif name in names:
                problems.append(f"{key}.name: {name!r} is used twice")
            else:
                names.add(name)
            if table == "lamps":
                if not _pin(entry.get("relay_pin")):
                    problems.append(f"{key}.relay_pin: a GPIO number from 2 to 27")
                for pk in PIN_KEYS:
                    value = entry.get(pk)
                    if value is None:
                        continue
                    if not _pin(value):
                        problems.append(f"{key}.{pk}: a GPIO number from 2 to 27")
                    elif value in spi:
                        problems.append(f"{key}.{pk}: GPIO {value} belongs to the current clamps' SPI bus (GPIO 7-11)")
                    elif value in pins:
                        problems.append(f"{key}.{pk}: GPIO {value} is used twice")
                    else:
                        pins.add(value)
                problems += _clamp_problems(key, entry, clamp_channels)
                watts = entry.get("watts", 0)
                if not isinstance(watts, (int, float)) or isinstance(watts, bool) or not 0 <= watts <= 100000:
                    problems.append(f"{key}.watts: a number of watts from 0 to 100000")
            elif table == "meters":
                problems += _meter_problems(key, entry)
            else:
                if entry.get("kind") not in SENSOR_KINDS:
                    problems.append(f"{key}.kind: must be one of {', '.join(SENSOR_KINDS)}")
                hours = entry.get("interval_h", 1)
                if not isinstance(hours, (int, float)) or isinstance(hours, bool) or not 0.01 <= hours <= 24 * 30:
                    problems.append(f"{key}.interval_h: hours between reports, 0.01 to 720")
            phone = entry.get("responsible_phone")
            if phone is not None:
                from appliance.validation import clean_phone

                try:
                    if not isinstance(phone, str) or not clean_phone(phone):
                        raise ValidationError("Not a valid phone number: %(value)s", value=str(phone)[:20])
                except ValidationError:
                    problems.append(f"{key}.responsible_phone: a mobile number such as \"13800138000\"")
            for text_key in ("place", "responsible"):
                value = entry.get(text_key, "")
                if not isinstance(value, str) or len(value) > 100:
                    problems.append(f"{key}.{text_key}: text of at most 100 characters")
    return problems


SPI_PINS = (7, 8, 9, 10, 11)  # SPI0: CE1, CE0, MISO, MOSI, SCLK


def _clamp_problems(key: str, entry: dict, used: set[int]) -> list[str]:
    channel = entry.get("clamp_channel")
    if channel is None:
        return []
    problems = []
    if not _number(entry, "clamp_channel", 0, 0, 7, integer=True):
        problems.append(f"{key}.clamp_channel: an MCP3008 channel from 0 to 7")
    elif channel in used:
        problems.append(f"{key}.clamp_channel: channel {channel} is used twice")
    else:
        used.add(channel)
    for name, default in (("clamp_on_amps", 0.3), ("clamp_off_amps", 0.1)):
        if not _number(entry, name, default, 0, 100):
            problems.append(f"{key}.{name}: a current in amperes from 0 to 100")
    if not _number(entry, "clamp_amps_per_volt", 30.0, 0.1, 1000):
        problems.append(f"{key}.clamp_amps_per_volt: the clamp's amperes per volt, e.g. 30 for an SCT-013-030")
    on, off = entry.get("clamp_on_amps", 0.3), entry.get("clamp_off_amps", 0.1)
    if isinstance(on, (int, float)) and isinstance(off, (int, float)) and off > on:
        problems.append(f"{key}.clamp_off_amps: must not be above clamp_on_amps")
    return problems


def _number(entry: dict, key: str, default, lo, hi, integer: bool = False) -> bool:
    value = entry.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int if integer else (int, float)):
        return False
    return lo <= value <= hi


def _meter_problems(key: str, entry: dict) -> list[str]:
    from hardware.meter import FORMATS

    problems = []
    if "pulse_pin" in entry:
        if not _pin(entry["pulse_pin"]):
            problems.append(f"{key}.pulse_pin: a GPIO number from 2 to 27")
        if not _number(entry, "pulses_per_unit", 1000, 0.001, 1e6):
            problems.append(f"{key}.pulses_per_unit: pulses per kWh or m³, e.g. 1000")
    elif not isinstance(entry.get("port"), str) or not entry["port"].startswith("/dev/"):
        problems.append(f"{key}.port: the serial port, e.g. \"/dev/ttyUSB0\" (or pulse_pin for a pulse output)")
    if not _number(entry, "device_id", 1, 1, 247, integer=True):
        problems.append(f"{key}.device_id: the meter's Modbus address, 1 to 247")
    if not _number(entry, "register", 0, 0, 65535, integer=True):
        problems.append(f"{key}.register: a register number from 0 to 65535")
    if entry.get("format", "float32") not in FORMATS:
        problems.append(f"{key}.format: must be one of {', '.join(FORMATS)}")
    if not _number(entry, "scale", 1.0, 1e-6, 1e6):
        problems.append(f"{key}.scale: a number from 0.000001 to 1000000")
    if entry.get("unit", "kWh") not in ("kWh", "m3"):
        problems.append(f"{key}.unit: kWh or m3")
    if not _number(entry, "interval_min", 15, 1, 1440):
        problems.append(f"{key}.interval_min: minutes between readings, 1 to 1440")
    return problems


def pin_clashes(built: dict) -> list[str]:
    """Lamp and pulse-meter pins that another part of the box already uses (the gate, the
    car barrier): found when the settings are read, not when the second claim fails at start."""
    taken: dict[int, str] = {}
    gate = built.get("gate")
    if gate is not None and gate.enabled:
        for name in ("relay", "exit", "door", "fire", "buzzer", "led", "wiegand_d0", "wiegand_d1"):
            pin = getattr(gate, f"{name}_pin", 0)
            if pin and pin > 0:
                taken.setdefault(pin, f"gate.{name}_pin")
    parking = built.get("parking")
    if parking is not None and getattr(parking, "enabled", False):
        for name in ("raise", "lower", "presence", "fire", "exit_raise"):
            pin = getattr(parking, f"{name}_pin", -1)
            if isinstance(pin, int) and pin > 0:
                taken.setdefault(pin, f"parking.{name}_pin")
    devices = built.get("devices")
    if devices is None:
        return []
    problems = []
    entries = [("lamps", i, e, PIN_KEYS) for i, e in enumerate(devices.lamps)]
    entries += [("meters", i, e, ("pulse_pin",)) for i, e in enumerate(devices.meters)]
    for table, i, entry, keys in entries:
        if not isinstance(entry, dict):
            continue
        for key in keys:
            pin = entry.get(key)
            if _pin(pin) and pin in taken:
                problems.append(f"devices.{table}[{i}].{key}: GPIO {pin} is already {taken[pin]}")
    return problems


class DeviceRegistry:
    def __init__(self, db, clock):
        self.db = db
        self.clock = clock

    def sync_config(self, cfg) -> list[Device]:
        """Upsert the devices the settings file names; the others are left as they are."""
        rows = []
        now = self.clock().replace(microsecond=0)
        with self.db.atomic():
            for entry in cfg.lamps:
                settings = {k: entry[k] for k in (*PIN_KEYS, "responsible_phone") if entry.get(k) is not None}
                rows.append(self._upsert(entry["name"], "lamp", "gpio", entry, settings, 60, now))
            for entry in cfg.sensors:
                settings = {k: entry[k] for k in ("depth_cm", "tilt_max_deg", "full_pct", "responsible_phone")
                            if k in entry}
                interval = max(36, int(float(entry.get("interval_h", 1)) * 3600))
                rows.append(self._upsert(entry["name"], entry["kind"], "zigbee2mqtt", entry, settings, interval, now))
            for entry in cfg.meters:
                settings = {"port": entry.get("port", ""), "device_id": entry.get("device_id", 1),
                            "pulse_pin": entry.get("pulse_pin"), "pulses_per_unit": entry.get("pulses_per_unit", 1000),
                            "register": entry.get("register", 0), "format": entry.get("format", "float32"),
                            "scale": float(entry.get("scale", 1.0)), "unit": entry.get("unit", "kWh"),
                            "input": bool(entry.get("input", False))}
                if entry.get("responsible_phone"):
                    settings["responsible_phone"] = entry["responsible_phone"]
                interval = int(float(entry.get("interval_min", 15)) * 60)
                rows.append(self._upsert(entry["name"], "meter", "modbus", entry, settings, interval, now))
        return rows

    def _upsert(self, name, kind, source, entry, settings, interval_s, now) -> Device:
        values = {"kind": kind, "source": source, "place": entry.get("place", ""),
                  "responsible": entry.get("responsible", ""), "watts": float(entry.get("watts", 0) or 0),
                  "settings": settings, "interval_s": interval_s, "active": True}
        device = Device.get_or_none(Device.name == name)
        if device is None:
            return Device.create(name=name, created_at=now, updated_at=now, **values)
        if any(getattr(device, k) != v for k, v in values.items()):
            Device.update(updated_at=now, **values).where(Device.id == device.id).execute()
            device = Device.get_by_id(device.id)
        return device

    def add(self, name: str, kind: str, *, place: str = "", responsible: str = "", interval_s: int = 3600,
            settings: dict | None = None, source: str = "zigbee2mqtt", watts: float = 0) -> Device:
        """Register one device in code (tests, the demo); the settings file is the usual way."""
        entry = {"place": place, "responsible": responsible, "watts": watts}
        with self.db.atomic():
            return self._upsert(name, kind, source, entry, settings or {}, interval_s,
                                self.clock().replace(microsecond=0))

    def get(self, name: str) -> Device:
        device = Device.get_or_none(Device.name == str(name)[:200])
        if device is None:
            raise NotFound("No such device: %(name)s", name=str(name)[:60])
        return device

    def find(self, name: str) -> Device | None:
        return Device.get_or_none((Device.name == str(name)[:200]) & (Device.active == True))  # noqa: E712

    def all(self, kind: str | None = None) -> list[Device]:
        q = Device.select().where(Device.active == True)  # noqa: E712
        if kind == "sensors":
            q = q.where(Device.kind != "lamp")
        elif kind:
            q = q.where(Device.kind == kind)
        return list(q.order_by(Device.kind, Device.name))
