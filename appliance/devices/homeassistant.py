"""Home Assistant MQTT discovery: what the box announces and where it publishes state.

Each lamp is a ``light`` (JSON schema, brightness when dimmable) with a command topic; each
sensor becomes ``binary_sensor``/``sensor`` entities per reading it has. Every config names
the box's availability topic, which the MQTT link keeps ``online`` (retained) while it is
connected and which its last will turns ``offline`` when it is not. Configs are retained and
sent again whenever Home Assistant announces itself (``homeassistant/status`` = ``online``).
"""

from __future__ import annotations

import json

# kind -> [(component, key in the reading, device_class, unit, name_zh)]
ENTITIES = {
    "water_leak": [("binary_sensor", "water_leak", "moisture", None, "漏水")],
    "smoke": [("binary_sensor", "smoke", "smoke", None, "烟雾")],
    "door": [("binary_sensor", "contact", "door", None, "门")],
    "tilt": [("sensor", "tilt", None, "°", "倾角"), ("binary_sensor", "vibration", "vibration", None, "振动")],
    "garbage": [("sensor", "fill", None, "%", "满溢度")],
    "climate": [("sensor", "temperature", "temperature", "°C", "温度"), ("sensor", "humidity", "humidity", "%", "湿度")],
    "sos": [],
}
BATTERY = ("sensor", "battery", "battery", "%", "电量")


class Topics:
    def __init__(self, box_id: str, prefix: str = "homeassistant"):
        self.box = box_id
        self.prefix = prefix.strip("/")
        self.base = f"linli/{box_id}/devices"
        self.availability = f"{self.base}/availability"
        self.ha_status = f"{self.prefix}/status"
        self.commands = f"{self.base}/+/set"

    @property
    def gate_state(self) -> str:
        return f"linli/{self.box}/gate/state"

    @property
    def gate_command(self) -> str:
        return f"linli/{self.box}/gate/set"

    def state(self, name: str) -> str:
        return f"{self.base}/{name}/state"

    def command(self, name: str) -> str:
        return f"{self.base}/{name}/set"

    def config(self, component: str, object_id: str) -> str:
        return f"{self.prefix}/{component}/{self.box}/{object_id}/config"

    def device_name(self, command_topic: str) -> str | None:
        if not command_topic.startswith(self.base + "/") or not command_topic.endswith("/set"):
            return None
        name = command_topic[len(self.base) + 1:-len("/set")]
        return name or None


def _object_id(name: str, key: str = "") -> str:
    safe = "".join(c if c.isascii() and (c.isalnum() or c in "_-") else "_" for c in name)
    # Names may be Chinese; the hex keeps two names that look alike in ASCII apart.
    return f"{safe}_{name.encode().hex()[:16]}{'_' + key if key else ''}"


def _device_block(topics: Topics, device, box_name: str) -> dict:
    block = {"identifiers": [f"linli_{topics.box}_{device.uuid}"], "name": device.name,
             "manufacturer": "Linli", "model": device.kind}
    if device.place:
        block["suggested_area"] = device.place
    return block


def configs(topics: Topics, device, box_name: str = "") -> list[tuple[str, dict]]:
    """(topic, payload) of every discovery config for one device."""
    common = {"availability": [{"topic": topics.availability}], "availability_mode": "latest",
              "device": _device_block(topics, device, box_name), "state_topic": topics.state(device.name)}
    out = []
    if device.kind == "lamp":
        dimmable = bool(device.settings.get("dim_pin"))
        payload = {**common, "name": None, "unique_id": f"linli_{topics.box}_{_object_id(device.name)}",
                   "schema": "json", "command_topic": topics.command(device.name),
                   "supported_color_modes": ["brightness"] if dimmable else ["onoff"]}
        if dimmable:
            payload["brightness"] = True
            payload["brightness_scale"] = 255
        out.append((topics.config("light", _object_id(device.name)), payload))
        return out
    entities = ENTITIES.get(device.kind, []) + [BATTERY]
    if device.kind == "meter":
        water = device.settings.get("unit") == "m3"
        entities = [("sensor", "total", "water" if water else "energy", "m³" if water else "kWh", "读数")]
    for component, key, device_class, unit, name_zh in entities:
        payload = {**common, "name": name_zh, "unique_id": f"linli_{topics.box}_{_object_id(device.name, key)}",
                   "value_template": f"{{{{ value_json.{key} }}}}"}
        if device_class:
            payload["device_class"] = device_class
        if component == "binary_sensor":
            payload["payload_on"] = True
            payload["payload_off"] = False
            if key == "contact":  # Zigbee2MQTT: contact true = closed; HA's door: on = open
                payload["value_template"] = "{{ not value_json.contact }}"
        if unit:
            payload["unit_of_measurement"] = unit
            payload["state_class"] = "total_increasing" if key == "total" else "measurement"
        if key == "battery":
            payload["entity_category"] = "diagnostic"
        out.append((topics.config(component, _object_id(device.name, key)), payload))
    return out


def lamp_state(state: dict) -> bytes:
    payload = {"state": "ON" if state["on"] else "OFF"}
    if state.get("dimmable"):
        payload["brightness"] = round(state["level"] * 255) if state["on"] else 0
    return json.dumps(payload).encode()


def sensor_state(values: dict) -> bytes:
    return json.dumps(values, ensure_ascii=False, sort_keys=True).encode()


def parse_command(payload: bytes) -> dict:
    """HA's JSON light command → {"on": bool, "level": float|None}; ValueError if unreadable."""
    data = json.loads(payload[:1000].decode("utf-8"))
    if not isinstance(data, dict) or data.get("state") not in ("ON", "OFF"):
        raise ValueError("state must be ON or OFF")
    level = None
    if "brightness" in data:
        b = data["brightness"]
        if isinstance(b, bool) or not isinstance(b, (int, float)) or not 0 <= b <= 255:
            raise ValueError("brightness must be 0..255")
        level = max(0.05, b / 255)
    return {"on": data["state"] == "ON", "level": level}


def gate_config(topics: Topics, box_name: str, control: bool) -> tuple[str, dict]:
    """The gate as a ``lock`` HA may unlock (``[devices] ha_gate_control``), else as a
    read-only ``binary_sensor`` (device class lock: on = unlocked)."""
    common = {"name": None, "availability": [{"topic": topics.availability}], "state_topic": topics.gate_state,
              "device": {"identifiers": [f"linli_{topics.box}_gate"], "name": box_name or "Linli",
                         "manufacturer": "Linli", "model": "gate"},
              "unique_id": f"linli_{topics.box}_gate"}
    if control:
        return (topics.config("lock", "gate"), {**common, "command_topic": topics.gate_command,
                                                 "payload_lock": "LOCK", "payload_unlock": "UNLOCK",
                                                 "state_locked": "LOCKED", "state_unlocked": "UNLOCKED"})
    return (topics.config("binary_sensor", "gate"), {**common, "device_class": "lock", "payload_on": "UNLOCKED",
                                                     "payload_off": "LOCKED"})
