"""Sensor figures: ingest rate through a real mosquitto on one core (the box's handler against a
raw paho subscriber in the same run), bytes written to disk per reading in steady state, and
the memory the devices feature adds under load.

Ingest: a publisher sends Zigbee2MQTT climate messages (the real payload shape) as fast as it
can; the box's MQTT link (parse, check, hourly buffer, rules) and a bare paho client that only
counts are subscribed at the same time. Each rate is messages handled / seconds from the
first to the last message it got; messages the broker dropped for a slow subscriber count as
lost. This process is pinned to one CPU.

Bytes per reading: 50 sensors reporting every 60 s for 6 simulated hours on a fake clock;
the checkpoint every ``flush_s`` (default 3600 s) writes last-seen and the hourly figures in one transaction and the
kernel writes the dirty pages back between checkpoints (os.sync), as it would on the box.
Measured from /proc/self/io on the loop-mounted ext4 data partition when possible (see
bench_access).
"""

from __future__ import annotations

import datetime
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench._results import record

ROOT = Path(__file__).resolve().parents[1]
MESSAGES = 20_000
SENSORS = 50
PAYLOAD = b'{"battery":97,"humidity":55.2,"linkquality":110,"pressure":1008.2,"temperature":21.5,"voltage":3015}'


def sensors_config(n: int, port: int | None) -> str:
    text = f'[devices]\nmqtt_host = "{"127.0.0.1" if port else ""}"\nmqtt_port = {port or 1883}\n'
    for i in range(n):
        text += (f'[[devices.sensors]]\nname = "climate-{i}"\nkind = "climate"\nplace = "{i}号楼"\n'
                 f'responsible = "李工"\ninterval_h = 1\n')
    return text


def build(home: Path, text: str):
    home.mkdir(parents=True, exist_ok=True)
    (home / "config.toml").write_text(text, encoding="utf-8")
    os.environ["LINLI_HOME"] = str(home)
    from appliance.config import load_config
    from appliance.devices.setup import DevicesFeature
    from appliance.runtime import build_runtime

    rt = build_runtime(load_config(home), immediate_tasks=True, hardware=True)
    return rt, rt.feature(DevicesFeature)


def ingest(tmp: Path) -> None:
    import paho.mqtt.client as mqtt
    from paho.mqtt.enums import CallbackAPIVersion

    from hardware.zigbee2mqtt import SimulatedZigbee2MQTT
    from tests.sync.realparts import Mosquitto

    (tmp / "broker").mkdir(parents=True, exist_ok=True)
    broker = Mosquitto(tmp / "broker")
    broker.start()
    rt = None
    try:
        rt, feature = build(tmp / "box", sensors_config(SENSORS, broker.port))
        sensors = feature.service.sensors
        link = feature.service.link
        stamps = {"box": [], "raw": []}
        inner = sensors.handle

        def timed(topic, payload):
            out = inner(topic, payload)
            stamps["box"].append(time.perf_counter())
            return out

        link.routes[0] = (link.routes[0][0], timed)
        link.start()
        assert link.subscribed.wait(10)
        raw = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="raw-counter", protocol=mqtt.MQTTv311)
        raw.on_message = lambda c, u, m: stamps["raw"].append(time.perf_counter())
        raw.connect("127.0.0.1", broker.port)
        subscribed = threading.Event()
        raw.on_subscribe = lambda *a: subscribed.set()
        raw.subscribe("zigbee2mqtt/+")
        raw.loop_start()
        subscribed.wait(10)
        with SimulatedZigbee2MQTT("127.0.0.1", broker.port) as z2m:
            payloads = [PAYLOAD.replace(b"21.5", f"{20 + k / 10:.1f}".encode()) for k in range(97)]
            for i in range(MESSAGES):  # values vary, as real readings do
                z2m.raw(f"zigbee2mqtt/climate-{i % SENSORS}", payloads[i % len(payloads)], qos=0)
            z2m.flush(60)
        end = time.monotonic() + 60
        while time.monotonic() < end and (len(stamps["box"]) < MESSAGES or len(stamps["raw"]) < MESSAGES):
            before = (len(stamps["box"]), len(stamps["raw"]))
            time.sleep(1.0)
            if (len(stamps["box"]), len(stamps["raw"])) == before:
                break  # nothing more is coming: the rest was dropped
        raw.disconnect()
        raw.loop_stop()

        def rate(ts):
            return (len(ts) - 1) / (ts[-1] - ts[0]) if len(ts) > 1 and ts[-1] > ts[0] else 0.0

        box, bare = rate(stamps["box"]), rate(stamps["raw"])
        record("devices_ingest_msgs_per_s", box, "msg/s", peer="raw paho subscriber", peer_value=bare,
               goal=">= 50% of raw")
        record("devices_ingest_share_of_raw", box / bare * 100 if bare else 0, "%", goal=">= 50")
        record("devices_ingest_lost", MESSAGES - len(stamps["box"]), "msgs", peer="raw paho subscriber",
               peer_value=MESSAGES - len(stamps["raw"]), goal="0")
    finally:
        if rt is not None:
            rt.close()
        broker.stop()


def bytes_per_reading(folder: Path) -> None:
    from bench.bench_access import write_bytes

    rt, feature = build(folder / "box-bytes", sensors_config(SENSORS, None))
    try:
        clock = [datetime.datetime(2026, 12, 4, 8, 0)]
        feature.clock.fn = lambda: clock[0]
        sensors = feature.service.sensors
        rt.db.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        os.sync()
        before = write_bytes()
        readings = 0
        for second in range(0, 6 * 3600, 60):
            clock[0] = datetime.datetime(2026, 12, 4, 8, 0) + datetime.timedelta(seconds=second)
            for i in range(SENSORS):
                payload = json.dumps({"battery": 97, "temperature": 20 + (second % 600) / 100 + i / 50,
                                      "humidity": 55.0, "linkquality": 110}).encode()
                sensors.handle(f"zigbee2mqtt/climate-{i}", payload)
                readings += 1
            if second % feature.flush_s == 0:
                feature.service.checkpoint()
                os.sync()  # longer than the kernel's writeback age: each checkpoint is its own write
        feature.service.checkpoint()
        rt.db.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        os.sync()
        record("devices_bytes_per_reading", (write_bytes() - before) / readings, "bytes", goal="<= 50")
    finally:
        rt.close()


RSS_SCRIPT = r"""
import os, sys, resource, pathlib
sys.path.insert(0, {root!r})
from bench.bench_devices import build, sensors_config, PAYLOAD
rt, feature = build(pathlib.Path({home!r}), sensors_config({n}, None))
sensors = feature.service.sensors
for i in range(20000):
    sensors.handle("zigbee2mqtt/climate-%d" % (i % max(1, {n})), PAYLOAD)
feature.service.checkpoint()
with open("/proc/self/status") as fh:
    print([l.split()[1] for l in fh if l.startswith("VmRSS")][0])
rt.close()
"""


def rss_added(tmp: Path) -> None:
    def rss(n: int) -> int:
        out = subprocess.run([sys.executable, "-c", RSS_SCRIPT.format(root=str(ROOT), home=str(tmp / f"rss-{n}"), n=n)],
                             capture_output=True, text=True, timeout=300, cwd=ROOT)
        if out.returncode != 0:
            raise RuntimeError(out.stderr[-2000:])
        return int(out.stdout.strip().splitlines()[-1])

    without, with_ = rss(0), rss(200)
    record("devices_rss_added_200_sensors", (with_ - without) / 1024, "MiB", peer="box without sensors",
           peer_value=without / 1024, goal="-")


def main() -> None:
    try:
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    except (AttributeError, OSError):
        pass
    from bench.bench_access import data_partition

    tmp = Path(tempfile.mkdtemp(prefix="bench-devices-"))
    try:
        ingest(tmp)
        rss_added(tmp)
        with data_partition() as folder:
            if folder is not None:
                print("  data partition: loop-mounted ext4")
            target = (folder or ROOT / ".cache") / f"bench-devices-{os.getpid()}"
            shutil.rmtree(target, ignore_errors=True)
            target.mkdir(parents=True)
            bytes_per_reading(target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
