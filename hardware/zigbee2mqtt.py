"""A simulated Zigbee2MQTT: publishes the messages the real bridge publishes for common
sensors, over a real MQTT broker, and keeps a history of what it sent.

Payload shapes follow Zigbee2MQTT's device pages (each message is the device's whole
exposed state, numbers as JSON numbers, availability retained as ``{"state": "online"}``):

* Aqara water leak SJCGQ11LM: battery, battery_low, device_temperature, linkquality, power_outage_count,
  tamper, voltage, water_leak
* Aqara vibration DJT11LM (on a manhole cover): action ("tilt", "vibration", "drop"), angle, angle_x,
  angle_y, angle_z, battery, linkquality, strength, vibration, voltage
* Aqara door MCCGQ11LM: battery, contact (true = closed), linkquality, voltage
* Aqara temperature WSDCGQ11LM: battery, humidity, linkquality, pressure, temperature, voltage
* Tuya level sensor (TS0601, in a garbage room): liquid_level_percent, liquid_depth, liquid_state, linkquality
* Heiman smoke HS1SA: battery, battery_low, linkquality, smoke, tamper
"""

from __future__ import annotations

import collections
import json
import threading

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion


class SimulatedZigbee2MQTT:
    def __init__(self, host: str, port: int, base_topic: str = "zigbee2mqtt"):
        self.base = base_topic
        self.history: collections.deque = collections.deque(maxlen=20000)
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="zigbee2mqtt-sim", protocol=mqtt.MQTTv311)
        self._connected = threading.Event()
        self.client.on_connect = lambda *a, **k: self._connected.set()
        self.client.max_queued_messages_set(0)
        self.client.connect(host, port, keepalive=30)
        self.client.loop_start()
        if not self._connected.wait(10):
            raise TimeoutError("simulated Zigbee2MQTT could not reach the broker")

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # --- raw -----------------------------------------------------------------------------------
    def raw(self, topic: str, payload: bytes, retain: bool = False, qos: int = 1):
        info = self.client.publish(topic, payload, qos=qos, retain=retain)
        self.history.append((topic, payload))
        return info

    def state(self, name: str, payload: dict, qos: int = 1):
        return self.raw(f"{self.base}/{name}", json.dumps(payload).encode(), qos=qos)

    def available(self, name: str, online: bool = True, legacy: bool = False):
        word = "online" if online else "offline"
        payload = word.encode() if legacy else json.dumps({"state": word}).encode()
        return self.raw(f"{self.base}/{name}/availability", payload, retain=True)

    def flush(self, timeout: float = 10.0) -> None:
        """Wait until every QoS 1 message sent so far was acknowledged by the broker."""
        if self.history:
            info = self.client.publish(f"{self.base}/bridge/sim-flush", b"", qos=1)
            info.wait_for_publish(timeout)

    # --- devices -------------------------------------------------------------------------------
    def leak(self, name: str, wet: bool, battery: int = 100, linkquality: int = 120):
        return self.state(name, {"battery": battery, "battery_low": battery <= 20, "device_temperature": 24,
                                 "linkquality": linkquality, "power_outage_count": 3, "tamper": False,
                                 "voltage": 3005, "water_leak": wet})

    def tilt(self, name: str, angle_z: float, battery: int = 91, linkquality: int = 96):
        """``angle_z`` is 90 while the cover lies flat."""
        flat = abs(angle_z) >= 89
        return self.state(name, {"action": None if flat else "tilt", "angle": round(90 - abs(angle_z)),
                                 "angle_x": 0, "angle_y": round(90 - abs(angle_z)), "angle_z": angle_z,
                                 "battery": battery, "linkquality": linkquality, "strength": 12,
                                 "vibration": not flat, "voltage": 2985})

    def door(self, name: str, closed: bool, battery: int = 100):
        return self.state(name, {"battery": battery, "contact": closed, "linkquality": 87, "voltage": 3025})

    def climate(self, name: str, temperature: float, humidity: float, battery: int = 100):
        return self.state(name, {"battery": battery, "humidity": humidity, "linkquality": 110,
                                 "pressure": 1008.2, "temperature": temperature, "voltage": 3015})

    def level(self, name: str, percent: float):
        return self.state(name, {"linkquality": 140, "liquid_depth": round(percent / 100 * 1.5, 2),
                                 "liquid_level_percent": percent,
                                 "liquid_state": "high" if percent > 90 else "normal"})

    def sos(self, name: str, battery: int = 100):
        """Heiman's SOS button (HS1EB-E) as Zigbee2MQTT reports a press."""
        return self.state(name, {"action": "emergency", "battery": battery, "linkquality": 96, "voltage": 3000})

    def smoke(self, name: str, smoke: bool, battery: int = 100):
        return self.state(name, {"battery": battery, "battery_low": False, "linkquality": 101, "smoke": smoke,
                                 "tamper": False})
