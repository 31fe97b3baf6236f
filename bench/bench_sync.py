"""Sync figures: bytes on the wire per access event (batched vs one JSON message per event)
and the drain time of a 100,000-event backlog through a real mosquitto, compared with raw
paho QoS 1 publishing of one message per event in the same run."""

from __future__ import annotations

import json
import random
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

from bench._results import record

ROOT = Path(__file__).resolve().parent.parent
TOPIC = "linli/v1/box-bench/up"


def mqtt5_publish_bytes(topic: str, payload_len: int) -> int:
    """PUBLISH QoS 1 (MQTT 5, no properties) plus its PUBACK, as they cross the wire."""
    remaining = 2 + len(topic.encode()) + 2 + 1 + payload_len
    varint = 1 if remaining < 128 else 2 if remaining < 16384 else 3 if remaining < 2097152 else 4
    return 1 + varint + remaining + 4


def access_events(n: int, residents: int = 800, seed: int = 1):
    """A day at a community gate: residents entering by PIN, card, QR or face, some refused.

    Yields (unix time, payload) with the payload exactly as the access log writes it
    (``appliance.access.log.event_payload``): the person is already a pseudonym there.
    """
    import datetime

    from appliance.access.log import event_payload

    rng = random.Random(seed)
    people = [rng.getrandbits(80).to_bytes(10, "big").hex() for _ in range(residents)]  # 20 hex, as BoxKeys
    t = 1_795_000_000
    for _ in range(n):
        t += rng.randint(1, 40)
        method = rng.choice(("pin", "card", "qr", "face"))
        ok = rng.random() > 0.03
        row = {"at": datetime.datetime.fromtimestamp(t), "method": method, "granted": ok,
               "reason": "resident" if ok else "unknown", "source": "kiosk-1" if method != "card" else "reader-1"}
        yield t, event_payload(row, {"person": rng.choice(people) if ok else None, "pass": None})


def ordered_uuid_at(t: int, rng: random.Random) -> str:
    """The access log's time-ordered UUID layout (``ordered_uuid``) for a given time."""
    value = ((t * 1000 + rng.randint(0, 999)) << 80) | rng.getrandbits(80)
    value = (value & ~(0xF << 76)) | (0x7 << 76)
    value = (value & ~(0x3 << 62)) | (0x2 << 62)
    return str(uuid.UUID(int=value))


def fill_outbox(home: Path, n: int):
    import datetime

    from appliance.config import load_config
    from appliance.db.models import OutboxEntry
    from appliance.runtime import build_runtime

    rt = build_runtime(load_config(home), immediate_tasks=True, hardware=False)
    rng = random.Random(2)
    rows = [{"uuid": ordered_uuid_at(t, rng), "kind": "access.event", "priority": 7, "payload": dict(p, n=i),
             "created_at": datetime.datetime.fromtimestamp(t)} for i, (t, p) in enumerate(access_events(n))]
    with rt.db.atomic():
        for i in range(0, n, 2000):
            OutboxEntry.insert_many(rows[i:i + 2000]).execute()
    return rt


def bench_bytes_per_event(n: int = 20_000) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        rt = fill_outbox(Path(tmp) / "box", n)
        sync = rt.services.sync
        topic = f"linli/v1/{sync.box_id}/up"
        wire = after = 0
        while True:
            built = sync.next_batch(after=after)
            if built is None:
                break
            data, entries = built
            wire += mqtt5_publish_bytes(topic, len(data))
            after = entries[-1].seq
        # The peer: the same entries (same field policy), one JSON message each; the box id
        # is in the topic, as it is for batches.
        single = 0
        policy = sync.policy()
        for e in sync.pending(0, n):
            msg = json.dumps({"seq": e.seq, "uuid": e.uuid, "kind": e.kind, "t": e.t,
                              "payload": policy.apply(e.payload)}, separators=(",", ":"), ensure_ascii=False)
            single += mqtt5_publish_bytes(topic, len(msg.encode()))
        rt.close()
    batched, per_msg = wire / n, single / n
    record("sync_wire_bytes_per_access_event", batched, "B", peer="one JSON MQTT message per event",
           peer_value=per_msg, goal="<= 60 B and >= 6x less")
    record("sync_wire_bytes_reduction", per_msg / batched, "x", goal=">= 6")


def raw_paho_rate(port: int, n: int) -> float:
    """Events/s publishing one QoS 1 JSON message per event with paho, until the last PUBACK."""
    import paho.mqtt.client as mqtt
    from paho.mqtt.enums import CallbackAPIVersion

    acked = threading.Event()
    count = [0]
    # paho numbers messages 1..65535 at publish(); more than that outstanding would reuse
    # ids, so the publisher keeps a window (far above the 100 in flight on the wire).
    window = threading.Semaphore(10_000)

    def on_publish(client, userdata, mid, reason_code, properties):
        count[0] += 1
        window.release()
        if count[0] == n:
            acked.set()

    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="bench-raw", protocol=mqtt.MQTTv5)
    client.max_inflight_messages_set(100)
    client.max_queued_messages_set(0)
    client.on_publish = on_publish
    client.connect("127.0.0.1", port)
    client.loop_start()
    rng = random.Random(3)
    payloads = [json.dumps({"seq": i, "uuid": ordered_uuid_at(t, rng), "kind": "access.event", "t": t,
                            "payload": p}, separators=(",", ":")).encode()
                for i, (t, p) in enumerate(access_events(n))]
    started = time.perf_counter()
    for p in payloads:
        window.acquire()
        client.publish("bench/raw", p, qos=1)
    acked.wait(600)
    elapsed = time.perf_counter() - started
    client.loop_stop()
    client.disconnect()
    if count[0] != n:
        raise RuntimeError(f"raw paho: only {count[0]} of {n} acknowledged")
    return n / elapsed


def bench_drain(n: int = 100_000) -> None:
    sys.path.insert(0, str(ROOT))
    from tests.sync.conftest import Pair
    from tests.sync.realparts import Mosquitto, linli_cmd, spawn

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        (tmp / "broker").mkdir()
        broker = Mosquitto(tmp / "broker")
        broker.start()
        try:
            raw_rate = raw_paho_rate(broker.port, n)
            pair = Pair(tmp, box_id="box-bench", port=broker.port)
            fill_outbox(pair.box_home, n).close()
            hub_log = tmp / "hub.log"
            hub = spawn(linli_cmd("hub", "run"), pair.hub_home, hub_log)
            try:
                deadline = time.monotonic() + 30
                while "receiving" not in hub_log.read_text() and time.monotonic() < deadline:
                    if hub.poll() is not None:
                        raise RuntimeError("the hub did not start: " + hub_log.read_text()[-2000:])
                    time.sleep(0.1)
                from appliance.config import load_config
                from appliance.runtime import build_runtime

                rt = build_runtime(load_config(pair.box_home), immediate_tasks=True, hardware=False)
                sync = rt.services.sync
                started = time.perf_counter()
                rt.start_sync()
                while sync.backlog() > 0 and time.perf_counter() - started < 600 and hub.poll() is None:
                    time.sleep(0.05)
                elapsed = time.perf_counter() - started
                rt.close()
            finally:
                hub.terminate()
                hub.wait(30)
            got = pair.hub_events()
        finally:
            broker.stop()
    lost = n - len(set(got))
    dup = len(got) - len(set(got))
    rate = n / elapsed
    record("sync_drain_100k_seconds", elapsed, "s", goal="zero loss")
    record("sync_drain_events_per_s", rate, "ev/s", peer="raw paho QoS1, one message per event (same broker)",
           peer_value=raw_rate, goal=">= 50% of raw")
    record("sync_drain_vs_raw_paho", rate / raw_rate * 100, "%", goal=">= 50")
    record("sync_drain_lost_or_duplicated", lost + dup, "events", goal="== 0")


def main() -> None:
    bench_bytes_per_event()
    bench_drain()


if __name__ == "__main__":
    main()
