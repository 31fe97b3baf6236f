"""Home Assistant discovery tested with a real MQTT client subscribing as Home Assistant
does: retained configs under homeassistant/, the box's availability with its last will,
discovery again on HA's birth message, lamp commands from HA."""

from __future__ import annotations

import json
import threading
import time

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from appliance.db.models import AuditLog
from tests.devices.conftest import EVENING


class FakeHomeAssistant:
    """What HA's MQTT integration does on start: subscribe to the discovery prefix, then
    announce itself with the birth message."""

    def __init__(self, port: int):
        self.messages: list[tuple[str, bytes, bool]] = []
        self.lock = threading.Lock()
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="home-assistant", protocol=mqtt.MQTTv311)
        self.client.on_message = self._on_message
        self.client.connect("127.0.0.1", port)
        self.client.subscribe([("homeassistant/#", 0), ("linli/#", 0)])
        self.client.loop_start()

    def _on_message(self, client, userdata, msg):
        with self.lock:
            self.messages.append((msg.topic, msg.payload, msg.retain))

    def configs(self) -> dict:
        with self.lock:
            return {t: json.loads(p) for t, p, _ in self.messages if t.endswith("/config") and p}

    def last(self, topic: str) -> bytes | None:
        with self.lock:
            found = [p for t, p, _ in self.messages if t == topic]
        return found[-1] if found else None

    def birth(self) -> None:
        self.client.publish("homeassistant/status", b"online", qos=1)

    def command(self, topic: str, payload: dict) -> None:
        self.client.publish(topic, json.dumps(payload).encode(), qos=1)

    def close(self):
        self.client.disconnect()
        self.client.loop_stop()


def wait_for(cond, timeout: float = 10.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(0.02)
    return False


@pytest.fixture
def ha(live_box, mosquitto):
    client = FakeHomeAssistant(mosquitto.port)
    yield client
    client.close()


def test_ha_finds_lamps_and_sensors_with_availability(live_box, ha):
    rt, _ = live_box
    box = rt.services.box_id
    assert wait_for(lambda: len(ha.configs()) >= 2 + 5)  # 2 lights; leak, tilt, fill, climate + batteries
    assert wait_for(lambda: any("/binary_sensor/" in t and c["device"]["name"] == "leak-b3"
                                for t, c in ha.configs().items()))  # discovery arrives in any order
    configs = ha.configs()
    lights = {t: c for t, c in configs.items() if t.startswith(f"homeassistant/light/{box}/")}
    assert len(lights) == 2
    east = next(c for c in lights.values() if c["device"]["name"] == "east-1")
    assert east["schema"] == "json" and east["brightness"] is True and east["supported_color_modes"] == ["brightness"]
    assert east["command_topic"] == f"linli/{box}/devices/east-1/set"
    gate = next(c for c in lights.values() if c["device"]["name"] == "gate-2")
    assert gate["supported_color_modes"] == ["onoff"] and "brightness" not in gate
    leak = next(c for t, c in configs.items() if "/binary_sensor/" in t and c["device"]["name"] == "leak-b3")
    assert leak["device_class"] == "moisture" and leak["value_template"] == "{{ value_json.water_leak }}"
    assert len({c["unique_id"] for c in configs.values()}) == len(configs)
    for c in configs.values():
        assert c["availability"] == [{"topic": f"linli/{box}/devices/availability"}]
    assert ha.last(f"linli/{box}/devices/availability") == b"online"
    # A second HA that subscribes later still gets everything: configs and availability are retained.
    late = FakeHomeAssistant(ha.client._port)
    try:
        assert wait_for(lambda: len(late.configs()) == len(configs))
        assert late.last(f"linli/{box}/devices/availability") == b"online"
    finally:
        late.close()


def test_discovery_is_sent_again_when_ha_comes_online(live_box, ha):
    _, feature = live_box
    bridge = feature.service.bridge
    assert wait_for(lambda: bridge.announced == 1 and len(ha.configs()) >= 7)
    with ha.lock:
        ha.messages.clear()
    ha.birth()
    assert wait_for(lambda: bridge.announced == 2)
    assert wait_for(lambda: len(ha.configs()) >= 7)
    ha.client.publish("homeassistant/status", b"offline", qos=1)
    time.sleep(0.3)
    assert bridge.announced == 2  # HA going away is not a reason to announce


def test_lamp_command_from_ha_is_an_audited_override(live_box, ha, clock):
    rt, feature = live_box
    box = rt.services.box_id
    lamps = feature.service.lamps
    lamps.tick()
    assert not lamps.circuits["east-1"].is_on  # noon
    ha.command(f"linli/{box}/devices/east-1/set", {"state": "ON", "brightness": 128})
    assert wait_for(lambda: lamps.circuits["east-1"].is_on), feature.service.bridge.refused
    assert lamps.circuits["east-1"].level == pytest.approx(128 / 255, abs=0.01)
    assert lamps.overrides["east-1"].actor == "Home Assistant"
    assert AuditLog.select().where(AuditLog.actor == "Home Assistant").count() == 1
    assert wait_for(lambda: json.loads(ha.last(f"linli/{box}/devices/east-1/state") or b"{}")
                    == {"state": "ON", "brightness": 128})
    ha.command(f"linli/{box}/devices/east-1/set", {"state": "DIM"})
    ha.command(f"linli/{box}/devices/no-such-lamp/set", {"state": "ON"})
    assert wait_for(lambda: len(feature.service.bridge.refused) == 2)
    assert lamps.circuits["east-1"].is_on


def test_sensor_state_reaches_ha(live_box, ha, mosquitto):
    from hardware.zigbee2mqtt import SimulatedZigbee2MQTT

    rt, _ = live_box
    with SimulatedZigbee2MQTT("127.0.0.1", mosquitto.port) as z2m:
        z2m.leak("leak-b3", wet=True, battery=77)
        topic = f"linli/{rt.services.box_id}/devices/leak-b3/state"
        assert wait_for(lambda: ha.last(topic) is not None)
        state = json.loads(ha.last(topic))
        assert state["water_leak"] is True and state["battery"] == 77


def test_broker_gone_publishing_never_raises_and_comes_back(live_box, ha, mosquitto, clock):
    rt, feature = live_box
    link = feature.service.link
    bridge = feature.service.bridge
    assert wait_for(lambda: bridge.announced == 1)
    ha.close()
    mosquitto.stop()
    assert wait_for(lambda: not link.connected.is_set())
    clock.at = EVENING
    feature.service.lamps.tick()  # switches the lamps on and tries to tell HA: no broker
    assert feature.service.lamps.circuits["east-1"].is_on
    assert link.dropped >= 1
    mosquitto.start(first=False)
    assert wait_for(lambda: bridge.announced == 2, timeout=40)  # reconnected and announced again


def test_last_will_says_offline_when_the_box_dies(live_box, mosquitto):
    rt, feature = live_box
    box = rt.services.box_id
    watcher = FakeHomeAssistant(mosquitto.port)
    try:
        topic = f"linli/{box}/devices/availability"
        assert wait_for(lambda: watcher.last(topic) == b"online")
        # Kill the connection without a DISCONNECT, as a power cut would: the broker sends the will.
        link = feature.service.link
        link.client.loop_stop()
        link.client.socket().close()
        assert wait_for(lambda: watcher.last(topic) == b"offline", timeout=20)
    finally:
        watcher.close()


def test_a_sensor_the_district_adds_is_announced_to_ha_at_once(live_box, ha):
    rt, feature = live_box
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from appliance.sync import downlink
    from appliance.sync.keys import public_text

    assert wait_for(lambda: feature.service.bridge.announced == 1 and len(ha.configs()) >= 7)
    key = Ed25519PrivateKey.generate()
    rt.services.sync.pin_hub("district-1", public_text(key))
    items = [{"s": 1, "k": "config", "d": {"key": "devices.sensors",
                                           "value": [{"name": "leak-b9", "kind": "water_leak", "place": "9号楼"}]}}]
    rt.services.sync.handle_downlink(downlink.build(items, "district-1", rt.services.box_id, key), "mqtt")
    feature.district.check()
    assert wait_for(lambda: any(c["device"]["name"] == "leak-b9" for c in ha.configs().values()))
