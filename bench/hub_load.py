"""A load generator that plays N boxes honestly against a real broker and real hub workers.

Each simulated box has its own Ed25519 key and its own broker login (it is paired with the
hub, which made that login), connects with its box id as client id, publishes signed batches
of a community's day (access events as the access log writes them, a few fire-lane events
and resident changes) on its own ``up`` topic with QoS 1, reads the hub's signed acks on its
own ``ack`` topic, checks their signature, and resends what is not acked in time. A share of
batches is sent twice on purpose, as a box does when a flaky 4G link lost the ack.

All boxes run in one thread on one selector (paho's external-loop API), so a thousand boxes
cost a thousand sockets, not a thousand threads.
"""

from __future__ import annotations

import datetime
import json
import random
import selectors
import time
import uuid
from dataclasses import dataclass, field

import paho.mqtt.client as mqtt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from paho.mqtt.enums import CallbackAPIVersion

from appliance.sync import batch as batchfmt
from appliance.sync.envelope import ACK, check, parse
from appliance.sync.keys import public_from_text, public_text
from appliance.sync.mqtt import topic

RESIDENTS = 300


def day_of_traffic(rng: random.Random, n: int, start: int) -> list[batchfmt.Entry]:
    """``n`` outbox entries of one community: mostly gate events, a fire-lane incident
    (opened, escalated, closed) every ~500 events, a resident change every ~300."""
    from appliance.access.log import event_payload

    people = [rng.getrandbits(80).to_bytes(10, "big").hex() for _ in range(RESIDENTS)]
    out, t = [], start
    for seq in range(1, n + 1):
        t += rng.randint(1, 90)
        r = rng.random()
        if r < 0.002:
            kind, payload = "firelane.event", {"type": rng.choice(("opened", "escalated", "closed")),
                                               "incident": str(uuid.UUID(int=rng.getrandbits(128))),
                                               "plate": "鲁B%05d" % rng.randint(0, 99999), "zone": "east gate"}
        elif r < 0.005:
            kind, payload = "resident.upsert", {"uuid": str(uuid.UUID(int=rng.getrandbits(128))),
                                                "unit": "%d-%d-%d" % (rng.randint(1, 20), rng.randint(1, 6),
                                                                      rng.randint(101, 2402))}
        else:
            ok = rng.random() > 0.03
            method = rng.choice(("pin", "card", "qr", "face"))
            row = {"at": datetime.datetime.fromtimestamp(t), "method": method, "granted": ok,
                   "reason": "resident" if ok else "unknown", "source": "kiosk-1" if method != "card" else "reader-1"}
            kind, payload = "access.event", event_payload(row, {"person": rng.choice(people) if ok else None,
                                                               "pass": None})
        out.append(batchfmt.Entry(seq, str(uuid.UUID(int=rng.getrandbits(128), version=4)), kind, t, payload))
    return out


@dataclass
class SimBox:
    box_id: str
    entries: list
    key: Ed25519PrivateKey = field(default_factory=Ed25519PrivateKey.generate)
    password: str = ""
    client: mqtt.Client | None = None
    sent: int = 0  # entries handed to the broker so far (index into entries)
    acked: int = 0  # highest contiguous seq the hub acked (signed)
    inflight: dict = field(default_factory=dict)  # last seq -> [first sent at, last sent at, bytes]
    ack_regressions: int = 0  # acks that arrived lower than one seen before (reordered publishes)
    refused: int = 0
    connected: bool = False
    backoff: float = 0.0  # seconds without an ack before resending; doubles, as the box's does

    @property
    def public_key(self) -> str:
        return public_text(self.key)

    def done(self) -> bool:
        return self.acked >= len(self.entries)


@dataclass
class LoadResult:
    boxes: int
    entries: int
    batches: int
    resent: int
    seconds: float
    latencies: list
    ack_regressions: int
    unacked_boxes: int
    bytes_per_entry: float = 0.0
    samples: list = field(default_factory=list)  # (seconds after the run's start the batch left, latency)

    @property
    def batches_per_s(self) -> float:
        return self.batches / self.seconds

    @property
    def entries_per_s(self) -> float:
        return self.entries / self.seconds

    def p(self, q: float) -> float:
        if not self.latencies:
            return float("nan")
        s = sorted(self.latencies)
        return s[min(len(s) - 1, int(q * len(s)))]

    def p_sent_between(self, q: float, lo: float, hi: float) -> tuple[float, int]:
        """Latency quantile of the batches first sent between ``lo`` and ``hi`` seconds into the
        run, and how many there were: tells a burst at the start from queueing all along."""
        s = sorted(lat for at, lat in self.samples if lo <= at < hi)
        if not s:
            return float("nan"), 0
        return s[min(len(s) - 1, int(q * len(s)))], len(s)


class LoadGenerator:
    def __init__(self, hub_public_key: str, port: int, boxes: int, entries_per_box: int, per_batch: int = 20,
                 window: int = 2, duplicate_share: float = 0.05, resend_s: float = 5.0, resend_max_s: float = 300.0,
                 seed: int = 7, host: str = "127.0.0.1"):
        rng = random.Random(seed)
        self.hub_key = public_from_text(hub_public_key)
        self.host, self.port = host, port
        self.per_batch, self.window = per_batch, window
        self.duplicate_share, self.resend_s, self.resend_max_s = duplicate_share, resend_s, resend_max_s
        self.rng = rng
        start = 1_795_000_000
        self.boxes = [SimBox(f"sim-{i:04d}", day_of_traffic(random.Random(seed * 100_003 + i), entries_per_box, start))
                      for i in range(boxes)]
        self._by_client: dict[str, SimBox] = {}
        self.sel = selectors.DefaultSelector()
        self.latencies: list[float] = []
        self.samples: list[tuple[float, float]] = []
        self.t0 = time.monotonic()
        self.batches = self.resent = 0

    # -- pairing: the hub registers each box's key and makes its broker login -------------------------
    def pair(self, hub) -> None:
        for box in self.boxes:
            box.password = hub.register_box(box.box_id, box.public_key, box.box_id) or ""

    # -- connections ---------------------------------------------------------------------------------
    def connect(self, timeout: float = 60.0) -> None:
        for box in self.boxes:
            c = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=box.box_id, protocol=mqtt.MQTTv5)
            c.username_pw_set(box.box_id, box.password or None)
            c.max_inflight_messages_set(max(20, self.window * 4))
            c.user_data_set(box)
            c.on_connect = self._on_connect
            c.on_message = self._on_message
            c.will_set(topic(box.box_id, "status"), b"offline", qos=1, retain=True)
            c.connect(self.host, self.port, keepalive=60)
            box.client = c
            self.sel.register(c.socket(), selectors.EVENT_READ, c)
            self._pump(0)
        deadline = time.monotonic() + timeout
        while not all(b.connected for b in self.boxes):
            if time.monotonic() > deadline:
                missing = [b.box_id for b in self.boxes if not b.connected][:5]
                raise RuntimeError(f"boxes not connected: {missing}")
            self._pump(0.05)

    def _on_connect(self, client, box, flags, reason_code, properties):
        if reason_code.is_failure:
            raise RuntimeError(f"broker refused {box.box_id}: {reason_code}")
        client.subscribe([(topic(box.box_id, "ack"), 1), (topic(box.box_id, "down"), 1)])
        box.connected = True

    def _on_message(self, client, box, msg):
        if not msg.topic.endswith("/ack") or not msg.payload:
            return
        env = check(parse(msg.payload), self.hub_key, ACK)  # a forged ack would raise here
        acked = int(env.header["acked"])
        if acked < box.acked:
            box.ack_regressions += 1
            return
        if acked > box.acked:
            box.backoff = self.resend_s  # progress: back to the first resend delay
        box.acked = acked
        now = time.monotonic()
        for last in [s for s in box.inflight if s <= acked]:
            sent = box.inflight.pop(last)[0]
            self.latencies.append(now - sent)
            self.samples.append((sent - self.t0, now - sent))

    def _pump(self, timeout: float) -> None:
        for key, _ev in self.sel.select(timeout):
            key.data.loop_read(max_packets=100)
        for box in self.boxes:
            if box.client is not None and box.client.want_write():
                box.client.loop_write()

    def status_all(self) -> None:
        for box in self.boxes:
            box.client.publish(topic(box.box_id, "status"), json.dumps({"backlog": len(box.entries)}), qos=1,
                               retain=True)

    # -- the run -------------------------------------------------------------------------------------
    def _send(self, box: SimBox, now: float) -> None:
        chunk = box.entries[box.sent:box.sent + self.per_batch]
        data, chosen = batchfmt.build(chunk, box.box_id, box.key, 65536, acked=box.acked)
        box.client.publish(topic(box.box_id, "up"), data, qos=1)
        box.inflight[chosen[-1].seq] = [now, now, data]
        box.sent += len(chosen)
        self.batches += 1
        if self.rng.random() < self.duplicate_share:
            # The ack was lost on the way back: the box sends the same bytes again.
            box.client.publish(topic(box.box_id, "up"), data, qos=1)
            self.resent += 1

    def run(self, rate: float = 0.0, timeout: float = 300.0, progress=None) -> LoadResult:
        """Send every box's day; ``rate`` caps batches per second over all boxes (0: each box
        keeps ``window`` batches in flight, as fast as acks come back)."""
        started = time.monotonic()
        self.t0 = started
        next_misc = started + 1
        next_progress = started + 0.05  # often enough that a test can act at 20 % of a fast run
        budget, last = 0.0, started
        order = list(self.boxes)
        while time.monotonic() - started < timeout:
            now = time.monotonic()
            if rate:
                budget = min(budget + (now - last) * rate, rate)  # at most a second's burst
            last = now
            pending = False
            self.rng.shuffle(order)
            for box in order:
                if box.done():
                    continue
                pending = True
                if box.sent < len(box.entries) and len(box.inflight) < self.window and (not rate or budget >= 1):
                    self._send(box, now)
                    budget -= 1 if rate else 0
                box.backoff = box.backoff or self.resend_s
                stale = [item for item in box.inflight.values() if now - item[1] > box.backoff]
                if stale:
                    # No ack in time: resend from the last ack, then wait twice as long (the
                    # sync channel's rule; a fixed timer melts a queueing hub down with copies).
                    for item in stale:
                        box.client.publish(topic(box.box_id, "up"), item[2], qos=1)
                        item[1] = now
                        self.resent += 1
                    box.backoff = min(box.backoff * 2, self.resend_max_s)
            if not pending:
                break
            self._pump(0.002)
            if now >= next_misc:
                next_misc = now + 1
                for box in self.boxes:
                    box.client.loop_misc()
            if progress and now >= next_progress:
                next_progress = now + 0.05
                progress(sum(b.acked for b in self.boxes), sum(len(b.entries) for b in self.boxes))
        elapsed = time.monotonic() - started
        return LoadResult(len(self.boxes), sum(b.acked for b in self.boxes), self.batches, self.resent, elapsed,
                          self.latencies, sum(b.ack_regressions for b in self.boxes),
                          sum(1 for b in self.boxes if not b.done()), samples=self.samples)

    def close(self) -> None:
        for box in self.boxes:
            if box.client is not None:
                try:
                    self.sel.unregister(box.client.socket())
                except (KeyError, ValueError, TypeError):
                    pass
                box.client.disconnect()
                box.client.loop_write()
