"""The box's own MQTT broker: Zigbee2MQTT's messages in, Home Assistant discovery and states
out, Home Assistant's lamp commands in.

Offline is normal: the broker may be restarting or not installed. paho reconnects in the
background; :meth:`MqttLink.publish` returns False instead of raising while disconnected,
and everything that matters (discovery, availability) is sent again on every connect.
"""

from __future__ import annotations

import collections
import logging
import threading
from typing import Callable

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

logger = logging.getLogger(__name__)


class MqttLink:
    def __init__(self, host: str, port: int, client_id: str, *, username: str = "", password: str = "",
                 will: tuple[str, bytes] | None = None, keepalive: int = 30):
        self.host, self.port = host, port
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv311)
        if username:
            self.client.username_pw_set(username, password or None)
        if will:
            self.client.will_set(will[0], will[1], qos=1, retain=True)
        self.client.reconnect_delay_set(1, 30)
        self.client.max_queued_messages_set(1000)
        self.keepalive = keepalive
        self.subscriptions: list[str] = []
        self.routes: list[tuple[Callable[[str], bool], Callable[[str, bytes], None]]] = []
        self.on_connected: list[Callable[[], None]] = []
        self.connected = threading.Event()
        self.subscribed = threading.Event()  # the broker acknowledged every subscription
        self._sub_mid = None
        self.events: collections.deque = collections.deque(maxlen=100)
        self.dropped = 0
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = self._on_disconnect
        self.client.on_message = self._on_message
        self.client.on_subscribe = self._on_subscribe
        self._started = False

    def route(self, match: Callable[[str], bool], handler: Callable[[str, bytes], None]) -> None:
        self.routes.append((match, handler))

    def start(self) -> None:
        try:
            self.client.connect_async(self.host, self.port, keepalive=self.keepalive)
            self.client.loop_start()
            self._started = True
        except (OSError, ValueError) as exc:
            logger.warning("devices: broker %s:%s not reachable (%s)", self.host, self.port, exc)

    def close(self, last_words: tuple[str, bytes] | None = None) -> None:
        if not self._started:
            return
        if last_words and self.connected.is_set():
            # A clean disconnect does not fire the will: say "offline" ourselves.
            info = self.publish(*last_words, retain=True)
            if info:
                try:
                    self._last_info.wait_for_publish(2.0)
                except (RuntimeError, ValueError):
                    pass
        self.client.disconnect()
        self.client.loop_stop()
        self._started = False

    def publish(self, topic: str, payload: bytes, retain: bool = False, qos: int = 0) -> bool:
        """True when handed to the client; False (never an exception) while offline."""
        if not self.connected.is_set():
            self.dropped += 1
            return False
        try:
            self._last_info = self.client.publish(topic, payload, qos=qos, retain=retain)
        except (OSError, ValueError, RuntimeError) as exc:
            logger.debug("publish to %s failed: %s", topic, exc)
            self.dropped += 1
            return False
        if self._last_info.rc != mqtt.MQTT_ERR_SUCCESS:
            self.dropped += 1
            return False
        return True

    def _on_connect(self, client, userdata, flags, reason_code, properties=None):
        if reason_code.is_failure:
            self.events.append(("refused", str(reason_code)))
            logger.warning("devices: broker refused the connection: %s", reason_code)
            return
        self.connected.set()
        self.events.append(("connected", ""))
        logger.info("devices: connected to the broker at %s:%s", self.host, self.port)
        if self.subscriptions:
            _, self._sub_mid = client.subscribe([(topic, 0) for topic in self.subscriptions])
        for fn in self.on_connected:
            try:
                fn()
            except Exception:
                logger.exception("devices: on-connect work failed")

    def _on_subscribe(self, client, userdata, mid, reason_codes, properties=None):
        if mid == self._sub_mid:
            self.subscribed.set()

    def _on_disconnect(self, client, userdata, flags, reason_code, properties=None):
        self.connected.clear()
        self.subscribed.clear()
        self.events.append(("disconnected", str(reason_code)))

    def _on_message(self, client, userdata, msg):
        # The top of the network thread: nothing may escape, or paho stops delivering.
        try:
            for match, handler in self.routes:
                if match(msg.topic):
                    handler(msg.topic, msg.payload)
                    return
        except Exception:
            logger.exception("devices: handling a message on %s failed", msg.topic[:100])
