"""MQTT channel of the box: drains the outbox as signed batches, takes acks and downlink.

paho runs its network loop in its own thread; a second thread (the drainer) builds and
publishes batches only while connected, so nothing here ever blocks a caller or raises
because the link is down. Unacknowledged batches are resent after a timeout that doubles
up to ``resend_max_s``; a disconnect resends at once from the last ack on reconnect.
"""

from __future__ import annotations

import json
import logging
import ssl
import threading
import time

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.properties import Properties
from paho.mqtt.packettypes import PacketTypes

from appliance.errors import LinliError
from appliance.i18n import N_

logger = logging.getLogger(__name__)

TOPIC_ROOT = "linli/v1"


def topic(box_id: str, leaf: str) -> str:
    return f"{TOPIC_ROOT}/{box_id}/{leaf}"


def make_client(client_id: str, cfg) -> mqtt.Client:
    """A paho MQTT 5 client with TLS and credentials from a ``[sync]`` or ``[hub]`` section."""
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5)
    if cfg.mqtt_username:
        client.username_pw_set(cfg.mqtt_username, cfg.mqtt_password or None)
    if cfg.mqtt_tls:
        client.tls_set(ca_certs=cfg.mqtt_ca_file or None, cert_reqs=ssl.CERT_REQUIRED)
    client.reconnect_delay_set(1, 30)
    return client


def connect_async(client: mqtt.Client, cfg, keepalive: int = 30, session_expiry: int = 0) -> None:
    """Connect in the background; ``session_expiry`` > 0 keeps the session (and its queued
    QoS 1 messages) on the broker across a disconnect."""
    props = None
    if session_expiry:
        props = Properties(PacketTypes.CONNECT)
        props.SessionExpiryInterval = session_expiry
    client.connect_async(cfg.mqtt_host, cfg.mqtt_port, keepalive=keepalive, clean_start=not session_expiry,
                         properties=props)


class MqttChannel:
    """History of what happened (``events``) lets tests and the admin page see the channel."""

    def __init__(self, sync, cfg, client_factory=make_client):
        from appliance.sync.brokerca import with_pinned_ca

        cfg = with_pinned_ca(cfg, sync.dir)  # the hub's CA from the pairing stick
        self.sync = sync
        self.cfg = cfg
        self.box = sync.box_id
        self.connected = threading.Event()
        self._stop = threading.Event()
        self._inflight: dict[int, tuple[int, int, float]] = {}  # mid -> (first, last, sent at)
        self._sent_upto = 0
        self._backoff = cfg.resend_initial_s
        self._last_progress = time.monotonic()
        self._last_status = 0.0
        self._down_ack_sent = (0, 0.0)  # (down_applied it carried, monotonic time)
        self._lock = threading.Lock()
        self.events: list[tuple[float, str, str]] = []
        # Update bundles offered by the district (appliance/sync/updates.py); None: not taken.
        self.updates = getattr(sync, "update_receiver", None)
        self._fetching: str | None = None  # the one chunk topic subscribed to now
        self.client = client_factory(self.box, cfg)
        self.client.will_set(topic(self.box, "status"), b"offline", qos=1, retain=True)
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = self._on_disconnect
        self.client.on_message = self._on_message
        self.client.max_inflight_messages_set(max(20, cfg.inflight_batches * 2))
        self._thread = threading.Thread(target=self._run, name="sync-mqtt", daemon=True)

    def _event(self, what: str, detail: str = "") -> None:
        self.events.append((time.time(), what, detail))
        del self.events[:-200]

    def describe(self) -> dict:
        return {"connected": self.connected.is_set(), "broker": f"{self.cfg.mqtt_host}:{self.cfg.mqtt_port}",
                "inflight": len(self._inflight), "last_event": self.events[-1][1] if self.events else None}

    # -- lifecycle -----------------------------------------------------------------------------
    def start(self) -> None:
        connect_async(self.client, self.cfg, self.cfg.mqtt_keepalive_s)
        self.client.loop_start()
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self.sync.wakeup.set()
        if self.connected.is_set():
            # A clean goodbye: the retained status says offline without waiting for the will.
            info = self.client.publish(topic(self.box, "status"), b"offline", qos=1, retain=True)
            try:
                info.wait_for_publish(timeout=2)
            except (RuntimeError, ValueError):
                pass
        self.client.disconnect()
        self.client.loop_stop()
        self._thread.join(timeout=5)

    # -- paho callbacks (paho's thread) ------------------------------------------------------------
    def _on_connect(self, client, userdata, flags, reason_code, properties):
        if reason_code.is_failure:
            self._event("refused", str(reason_code))
            logger.warning("broker refused the connection: %s", reason_code)
            return
        client.subscribe([(topic(self.box, "ack"), 1), (topic(self.box, "down"), 1)])
        with self._lock:
            self._inflight.clear()
            self._sent_upto = 0
            self._fetching = None
        self.connected.set()
        self._last_status = 0.0
        self._event("connected")
        self.sync.wakeup.set()

    def _on_disconnect(self, client, userdata, flags, reason_code, properties):
        self.connected.clear()
        self._event("disconnected", str(reason_code))

    def _on_message(self, client, userdata, msg):
        if not msg.payload:
            return  # a cleared retained message
        try:
            if msg.topic.endswith("/ack"):
                acked = self.sync.handle_ack(msg.payload, "mqtt")
                with self._lock:
                    self._inflight = {m: v for m, v in self._inflight.items() if v[1] > acked}
                    self._backoff = self.cfg.resend_initial_s
                    self._last_progress = time.monotonic()
                self._event("ack", str(acked))
            elif "/update/" in msg.topic and self.updates is not None:
                self._take_chunk(msg.topic, msg.payload)
            elif msg.topic.endswith("/down"):
                result = self.sync.handle_downlink(msg.payload, "mqtt")
                self._event("down", str(result["applied"]))
                self._last_status = 0.0  # report the new down_ack soon
        except LinliError as exc:
            self._event("refused", exc.message())
            logger.warning("refused %s message: %s", msg.topic, exc)
        except Exception:
            logger.exception("error handling %s", msg.topic)

    # -- drainer --------------------------------------------------------------------------------------
    def _run(self) -> None:
        while not self._stop.is_set():
            self.sync.wakeup.wait(0.5)
            self.sync.wakeup.clear()
            if self._stop.is_set():
                break
            try:
                if self.connected.is_set() and self.sync.paired:
                    self._maybe_status()
                    self._drain()
                    self._maybe_down_ack()
                    self._maybe_fetch_update()
            except Exception:
                logger.exception("sync drainer error")
                time.sleep(1)

    def _maybe_status(self) -> None:
        now = time.monotonic()
        if now - self._last_status < self.cfg.status_interval_s:
            return
        self._last_status = now
        payload = json.dumps(self.sync.status_payload()).encode()
        self.client.publish(topic(self.box, "status"), payload, qos=1, retain=True)

    def _maybe_down_ack(self) -> None:
        """The hub learns what the box applied only from signed batches (the status message
        is unsigned and only informational): when its ack shows less than the box applied,
        send an empty signed batch; again after ``status_interval_s`` if it is not acked."""
        if not self.sync.down_ack_owed():
            return
        applied, at = self._down_ack_sent
        now = time.monotonic()
        if applied == self.sync.down_applied() and now - at < self.cfg.status_interval_s:
            return
        data = self.sync.down_ack_batch()
        info = self.client.publish(topic(self.box, "up"), data, qos=1)
        if info.rc == mqtt.MQTT_ERR_SUCCESS:
            self._down_ack_sent = (self.sync.down_applied(), now)
            self.sync.sent("mqtt", data, [], count_usage=True)
            self._event("down-ack", str(self._down_ack_sent[0]))

    def _maybe_fetch_update(self) -> None:
        """Ask for the next missing chunk of an offered bundle, one at a time (so a dropped
        link resumes at the chunk it lacks) and only while the rest fits the data budget."""
        if self.updates is None or self._fetching is not None or not self.updates.may_fetch():
            return
        from appliance.sync.updates import chunk_topic

        offer = self.updates.offer()
        name = chunk_topic(self.box, offer["version"], self.updates.missing()[0])
        with self._lock:
            self._fetching = name
        self.client.subscribe(name, qos=1)
        self._event("update-fetch", name.rsplit("/", 2)[-2] + "/" + name.rsplit("/", 1)[-1])

    def _take_chunk(self, name: str, payload: bytes) -> None:
        self.client.unsubscribe(name)
        # Store the chunk before freeing the drainer to ask for the next one: otherwise it can
        # see this chunk still missing and subscribe to it again (the broker resends it).
        whole = self.sync.take_update_chunk(name, payload)
        with self._lock:
            if self._fetching == name:
                self._fetching = None
        staged = self.updates.assemble() if whole else None
        if staged is not None:
            self._event("update-staged", staged.name)
            self._last_status = 0.0  # tell the hub soon: it clears the chunks from the broker
        self.sync.wakeup.set()

    def _drain(self) -> None:
        now = time.monotonic()
        with self._lock:
            if self._inflight and now - self._last_progress > self._backoff:
                # The hub has not acknowledged in time: send everything unacknowledged again.
                self._event("resend", "after %.1fs" % self._backoff)
                self._inflight.clear()
                self._sent_upto = 0
                self._backoff = min(self._backoff * 2, self.cfg.resend_max_s)
                self._last_progress = now
        urgent_only = self.sync.over_budget()
        while self.connected.is_set() and len(self._inflight) < self.cfg.inflight_batches:
            built = self.sync.next_batch(after=self._sent_upto, urgent_only=urgent_only)
            if built is None:
                break
            data, entries = built
            info = self.client.publish(topic(self.box, "up"), data, qos=1)
            if info.rc != mqtt.MQTT_ERR_SUCCESS:
                self._event("publish-failed", str(info.rc))
                break
            with self._lock:
                if not self._inflight:
                    self._last_progress = time.monotonic()
                self._inflight[info.mid] = (entries[0].seq, entries[-1].seq, time.monotonic())
                self._sent_upto = entries[-1].seq
            self.sync.sent("mqtt", data, entries, count_usage=True)


class PairingFailed(LinliError):
    msgid = N_("Pairing failed: %(reason)s.")


def pair_over_mqtt(sync, cfg, code: str, name: str = "", timeout: float = 30.0,
                   client_factory=make_client) -> dict:
    """Send a pairing request MACed with the one-time code; pin the hub key from the reply."""
    from appliance.sync.paircode import box_request, check_hub_reply, code_key

    key = code_key(code)
    replies: list[dict] = []
    got = threading.Event()
    client = client_factory(f"{sync.box_id}-pair", cfg)

    def on_connect(c, userdata, flags, reason_code, properties):
        if not reason_code.is_failure:
            c.subscribe(topic(sync.box_id, "pair/reply"), qos=1)

    def on_subscribe(c, userdata, mid, reason_codes, properties):
        c.publish(topic(sync.box_id, "pair"), box_request(key, sync.box_id, sync.public_key, name), qos=1)

    def on_message(c, userdata, msg):
        try:
            reply = json.loads(msg.payload)
        except ValueError:
            return
        if check_hub_reply(key, reply, sync.box_id):
            replies.append(reply)
            got.set()

    client.on_connect, client.on_subscribe, client.on_message = on_connect, on_subscribe, on_message
    try:
        client.connect(cfg.mqtt_host, cfg.mqtt_port, keepalive=cfg.mqtt_keepalive_s)
    except OSError as exc:
        raise PairingFailed(reason=f"broker {cfg.mqtt_host}:{cfg.mqtt_port} unreachable ({exc.strerror or exc})") \
            from exc
    client.loop_start()
    try:
        if not got.wait(timeout):
            raise PairingFailed(reason="no answer from the hub (wrong or used code?)")
    finally:
        client.disconnect()
        client.loop_stop()
    reply = replies[0]
    sync.pin_hub(reply["hub"], reply["public_key"])
    return reply
