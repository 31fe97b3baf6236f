"""Home Assistant over the box's broker: discovery on connect and on HA's birth message,
states as they change, lamp commands through the same override the staff page uses."""

from __future__ import annotations

import logging
import threading
import time

from appliance.devices import homeassistant as ha
from appliance.errors import LinliError

logger = logging.getLogger(__name__)

ACTOR = "Home Assistant"
STATE_EVERY_S = 2.0


class HomeAssistantBridge:
    def __init__(self, link, topics: ha.Topics, registry, lamps, sensors, *, gate_status=None, remote_open=None,
                 gate_control: bool = False, box_name: str = ""):
        self.link = link
        self.topics = topics
        self.registry = registry
        self.lamps = lamps
        self.sensors = sensors
        self.announced = 0  # how many times discovery went out (tests, the page)
        self.refused: list[str] = []  # why commands were refused, newest last (bounded)
        self._sent: dict[str, tuple[float, tuple]] = {}  # name -> (monotonic time, flags that were true)
        self._pending: dict[str, tuple] = {}
        self._lock = threading.Lock()
        # The gate: ``gate_status()`` -> the Gate's status dict or None (no gate on this box);
        # ``remote_open(reason, actor)`` is the admin site's remote open, with its rules.
        self.gate_status = gate_status
        self.remote_open = remote_open
        self.gate_control = gate_control and remote_open is not None
        self.box_name = box_name
        self._gate_sent: str | None = None

    def attach(self) -> None:
        self.link.subscriptions += [self.topics.ha_status, self.topics.commands]
        self.link.on_connected.append(self.announce)
        self.link.route(lambda t: t == self.topics.ha_status, self._ha_status)
        if self.gate_status is not None:
            self.link.subscriptions.append(self.topics.gate_command)
            self.link.route(lambda t: t == self.topics.gate_command, self._gate_command)
        self.link.route(lambda t: self.topics.device_name(t) is not None, self._command)

    def announce(self) -> None:
        """Availability, every config (retained), then every known state."""
        self.link.publish(self.topics.availability, b"online", retain=True, qos=1)
        devices = list(self.lamps.devices.values()) + list(self.sensors.devices.values())
        for device in devices:
            for topic, payload in ha.configs(self.topics, device):
                self.link.publish(topic, ha.json.dumps(payload, ensure_ascii=False).encode(), retain=True, qos=1)
        if self.gate_status is not None and self.gate_status() is not None:
            topic, payload = ha.gate_config(self.topics, self.box_name, self.gate_control)
            self.link.publish(topic, ha.json.dumps(payload, ensure_ascii=False).encode(), retain=True, qos=1)
            self._gate_sent = None
            self.gate_changed()
        for name, device in self.lamps.devices.items():
            self.lamp_changed(device, self.lamps.state(name))
        for name, device in self.sensors.devices.items():
            values = self.sensors.live(name)["values"]
            if values:
                self.sensor_changed(device, values)
        self.announced += 1

    def lamp_changed(self, device, state: dict) -> None:
        self.link.publish(self.topics.state(device.name), ha.lamp_state(state), retain=True)

    def sensor_changed(self, device, values: dict) -> None:
        """At most one state per device every STATE_EVERY_S, except when a flag (leak, smoke,
        door) changes: a chatty or flooding sensor must not become a flood towards HA. The
        last held-back state goes out from :meth:`flush` (the feature's loop, every second)."""
        now = time.monotonic()
        flags = tuple(k for k, v in values.items() if v is True)
        with self._lock:
            sent = self._sent.get(device.name)
            if sent is not None and now - sent[0] < STATE_EVERY_S and flags == sent[1]:
                self._pending[device.name] = (device, values)
                return
            self._sent[device.name] = (now, flags)
            self._pending.pop(device.name, None)
        self.link.publish(self.topics.state(device.name), ha.sensor_state(values), retain=True)

    def gate_changed(self) -> None:
        """Publish the gate's state when it changed (the feature's loop asks every second)."""
        status = self.gate_status() if self.gate_status is not None else None
        if status is None:
            return
        state = "UNLOCKED" if status.get("relay_energised") else "LOCKED"
        if state != self._gate_sent and self.link.publish(self.topics.gate_state, state.encode(), retain=True):
            self._gate_sent = state

    def _gate_command(self, topic: str, payload: bytes) -> None:
        command = payload.strip().upper()
        if not self.gate_control:
            self.refused.append("gate: Home Assistant may not open the gate ([devices] ha_gate_control)")
            logger.warning("Home Assistant tried to open the gate; ha_gate_control is off")
            return
        if command != b"UNLOCK":
            return  # the gate closes by itself after its pulse
        try:
            self.remote_open(ACTOR, ACTOR)
        except LinliError as exc:
            self.refused.append(f"gate: {exc}"[:200])
            logger.warning("Home Assistant could not open the gate: %s", exc)
        self.gate_changed()

    def flush(self) -> None:
        now = time.monotonic()
        with self._lock:
            due = [(d, v) for name, (d, v) in self._pending.items() if now - self._sent[name][0] >= STATE_EVERY_S]
        for device, values in due:
            self.sensor_changed(device, values)

    def _ha_status(self, topic: str, payload: bytes) -> None:
        if payload.strip().lower() == b"online":
            logger.info("Home Assistant came online: sending discovery again")
            self.announce()

    def _command(self, topic: str, payload: bytes) -> None:
        name = self.topics.device_name(topic)
        try:
            command = ha.parse_command(payload)
            self.lamps.override(name, command["on"], ACTOR, level=command["level"])
        except (ValueError, LinliError) as exc:
            self.refused.append(f"{name}: {exc}"[:200])
            del self.refused[:-50]
            logger.warning("Home Assistant command for %s refused: %s", str(name)[:60], exc)
