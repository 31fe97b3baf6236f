"""Zigbee2MQTT's messages turned into readings.

Zigbee2MQTT publishes each device's state as one JSON object on ``<base>/<friendly name>``
(only the keys that device exposes, e.g. an Aqara leak sensor sends ``{"battery": 100,
"battery_low": false, "linkquality": 120, "tamper": false, "voltage": 3005, "water_leak":
false}``) and, with availability on, ``{"state": "online"}`` (``online``/``offline`` as plain
text in the legacy format) on ``<base>/<friendly name>/availability``, retained.

:func:`normalise` keeps the keys a kind needs, checks types and ranges, and says which keys
it refused and why, so a broken or hostile publisher cannot put garbage into the figures.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field

from appliance.errors import LinliError

MAX_PAYLOAD = 8192

# key -> (type, low, high); bool keys have no range
COMMON = {"battery": (float, 0, 100), "linkquality": (float, 0, 255), "battery_low": (bool,), "tamper": (bool,),
          "voltage": (float, 0, 10000)}
BY_KIND = {
    "water_leak": {"water_leak": (bool,)},
    "smoke": {"smoke": (bool,), "smoke_density": (float, 0, 10000)},
    "door": {"contact": (bool,)},
    "tilt": {"angle": (float, -180, 180), "angle_x": (float, -180, 180), "angle_y": (float, -180, 180),
             "angle_z": (float, -180, 180), "vibration": (bool,), "strength": (float, 0, 100000)},
    "garbage": {"liquid_level_percent": (float, 0, 100), "distance": (float, 0, 10000)},
    "climate": {"temperature": (float, -60, 100), "humidity": (float, 0, 100), "pressure": (float, 300, 1200)},
    "sos": {},
    "lamp": {},
    "meter": {},
}
ACTIONS = {"tilt", "vibration", "drop", "emergency", "single", "double", "hold", "long", "sos"}


class BadMessage(LinliError):
    """A message that cannot be read at all (not JSON, not an object, too big)."""


@dataclass
class Reading:
    values: dict = field(default_factory=dict)  # normalised: numbers as float, flags as bool
    action: str | None = None
    refused: dict = field(default_factory=dict)  # key -> why


def decode(payload: bytes) -> dict:
    if len(payload) > MAX_PAYLOAD:
        raise BadMessage("message too big (%(n)s bytes)", n=len(payload))
    try:
        data = json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise BadMessage("not JSON") from None
    if not isinstance(data, dict):
        raise BadMessage("not a JSON object")
    return data


def availability(payload: bytes) -> bool | None:
    """True/False from ``{"state": "online"}`` or legacy ``online``; None if unreadable."""
    text = payload[:200].decode("utf-8", "replace").strip()
    if text.startswith("{"):
        try:
            text = str(json.loads(text).get("state", ""))
        except (ValueError, AttributeError):
            return None
    return {"online": True, "offline": False}.get(text.strip().lower())


def _check(value, spec):
    if spec[0] is bool:
        if isinstance(value, bool):
            return value, None
        return None, "not true/false"
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None, "not a number"
    number = float(value)
    if not math.isfinite(number) or not spec[1] <= number <= spec[2]:
        return None, f"outside {spec[1]}..{spec[2]}"
    return number, None


def normalise(kind: str, data: dict, settings: dict | None = None) -> Reading:
    settings = settings or {}
    reading = Reading()
    specs = {**COMMON, **BY_KIND.get(kind, {})}
    for key, spec in specs.items():
        if key not in data or data[key] is None:
            continue
        value, why = _check(data[key], spec)
        if why:
            reading.refused[key] = why
        else:
            reading.values[key] = value
    action = data.get("action")
    if isinstance(action, str) and action.strip().lower() in ACTIONS:
        reading.action = action.strip().lower()
    values = reading.values
    if kind == "tilt":
        # angle_z is 90 while the cover lies flat (Zigbee2MQTT's arctangent of the gravity axes).
        if "angle_z" in values:
            values["tilt"] = round(90.0 - abs(values["angle_z"]), 1)
        elif "angle" in values:
            values["tilt"] = abs(values["angle"])
    elif kind == "garbage":
        if "liquid_level_percent" in values:
            values["fill"] = values["liquid_level_percent"]
        elif "distance" in values and settings.get("depth_cm"):
            depth = float(settings["depth_cm"])
            values["fill"] = round(max(0.0, min(100.0, (depth - values["distance"]) / depth * 100)), 1)
    return reading
