"""Gate access figures: decision latency from input to relay command (PIN and QR, median and
p99), and bytes written to disk per access-log event (from /proc/self/io).

Runs on a real SQLite file on disk (not tmpfs: write_bytes would be 0 there) and the gate on
gpiozero's MockFactory, through the same AccessService the kiosk calls.

The files live on a small ext4 file system mounted (loop device) with the options the image
gives the data partition: ``noatime,lazytime,commit=60`` (image-build/README.md). Without
``lazytime`` every write also dirties the file's inode for its new mtime, and ext4 charges
that 4 KiB metadata block to the writer whenever it was clean: up to 4 KB more per event
when events are far apart. When the loop mount is not possible (not root, no loop devices)
the bench says so and runs in .cache on whatever file system that is.
"""

from __future__ import annotations

import contextlib
import datetime
import os
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from bench._results import record

ROOT = Path(__file__).resolve().parents[1]
RESIDENTS = 300
ATTEMPTS = 1000


def write_bytes() -> int:
    with open("/proc/self/io") as fh:
        for line in fh:
            if line.startswith("write_bytes:"):
                return int(line.split()[1])
    raise RuntimeError("/proc/self/io has no write_bytes")


def percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def build(home: Path):
    os.environ["LINLI_HOME"] = str(home)
    from appliance.config import load_config
    from appliance.runtime import build_runtime

    runtime = build_runtime(load_config(home), immediate_tasks=True, hardware=True)
    reg = runtime.services.registry
    b = reg.save_building({"name": "1号楼"}, "bench")
    pins, codes = [], []
    for i in range(RESIDENTS):
        u = reg.save_unit({"building_id": b.id, "number": f"{i // 20 + 1}单元{i % 20 + 101}"}, "bench")
        r = reg.save_resident({"name": f"住户{i:03d}", "unit_id": u.id, "move_in": "2020-01-01"}, "bench")
        pins.append(runtime.services.credentials.new_pin(r.id, "bench"))
        codes.append(runtime.services.credentials.issue_qr(r.id, "bench"))
    return runtime, pins, codes


def latency(fn, inputs) -> list[float]:
    out = []
    for value in inputs:
        started = time.perf_counter()
        decision = fn(value, "kiosk-bench")
        if not decision.granted or decision.relay_at is None:
            raise RuntimeError(f"bench input refused: {decision.reason}")
        out.append((decision.relay_at - started) * 1000)
    return out


WRITEBACK_S = 30  # Linux writes a dirty page back once it is ~30 s old (dirty_expire_centisecs)


def day_gaps(seed: int = 3) -> list[float]:
    """A community of ~300 households, ~1500 gate events a day: half in the four rush hours
    (mean gap 19 s), half over the other 14 waking hours (mean gap 67 s)."""
    import random

    rng = random.Random(seed)
    gaps = [rng.expovariate(1 / 19.2) for _ in range(750)] + [rng.expovariate(1 / 67.2) for _ in range(750)]
    rng.shuffle(gaps)
    return gaps


DATA_MOUNT_OPTIONS = "noatime,lazytime,commit=60"


@contextlib.contextmanager
def data_partition():
    """A folder on a fresh 256 MiB ext4 mounted like the box's data partition, or None."""
    image = ROOT / ".cache" / f"bench-data-{os.getpid()}.img"
    mount_point = Path(tempfile.mkdtemp(prefix="linli-bench-data-"))
    mounted = False
    try:
        image.parent.mkdir(parents=True, exist_ok=True)
        with open(image, "wb") as fh:
            fh.truncate(256 << 20)
        subprocess.run(["mkfs.ext4", "-q", "-F", str(image)], check=True, capture_output=True, timeout=60)
        subprocess.run(["mount", "-o", f"loop,{DATA_MOUNT_OPTIONS}", str(image), str(mount_point)],
                       check=True, capture_output=True, timeout=60)
        mounted = True
    except (OSError, subprocess.SubprocessError) as exc:
        print(f"  (no loop-mounted data partition: {exc}; measuring in .cache instead)")
    try:
        yield mount_point if mounted else None
    finally:
        if mounted:
            subprocess.run(["umount", str(mount_point)], check=False, capture_output=True, timeout=60)
        mount_point.rmdir()
        image.unlink(missing_ok=True)


def log_bytes(runtime, pins, events: int, gap_s, sync_between: bool | None = None, batch_rows=500,
              max_delay_s=86400.0, journal: Path | None = None):
    """Bytes written per event with events ``gap_s`` apart (a number, or a list of gaps). A fake
    clock drives the batching policy; dirty pages are written back (os.sync) after a gap longer
    than the kernel's writeback age, so such an event dirties its journal page anew — which
    is what the SD card sees. ``sync_between`` forces that for every gap."""
    from appliance.access.log import JOURNAL, AccessLog

    access = runtime.services.access
    access.log.close()
    clock = [0.0]
    journal = journal or runtime.config.home / JOURNAL
    access.log = AccessLog(runtime.db, journal, max_delay_s=max_delay_s, batch_rows=batch_rows,
                           clock=lambda: clock[0])
    runtime.db.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    os.sync()
    before = write_bytes()
    gaps = gap_s if isinstance(gap_s, list) else [gap_s] * events
    for i in range(events):
        access.pin_attempt(pins[i % len(pins)], "kiosk-bench")
        gap = gaps[i % len(gaps)]
        clock[0] += gap
        access.log.maybe_flush()
        if sync_between or (sync_between is None and gap >= WRITEBACK_S):
            os.sync()
    access.log.flush()
    runtime.db.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")  # the copy into the main file counts too
    os.sync()
    return (write_bytes() - before) / events


def main() -> None:
    with data_partition() as folder:
        if folder is not None:
            print(f"  data partition: loop-mounted ext4 ({DATA_MOUNT_OPTIONS})")
        measure((folder or ROOT / ".cache") / f"bench-access-{os.getpid()}")


def measure(home: Path) -> None:
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    runtime, pins, codes = build(home)
    try:
        access = runtime.services.access
        access.now = lambda: datetime.datetime.now().replace(microsecond=0)
        latency(access.pin_attempt, pins[:50])  # warm caches
        pin_ms = latency(access.pin_attempt, [pins[i % RESIDENTS] for i in range(ATTEMPTS)])
        qr_ms = latency(access.scan, [codes[i % RESIDENTS] for i in range(ATTEMPTS)])
        access.log.flush()
        record("gate_pin_decision_median_ms", statistics.median(pin_ms), "ms", goal="<= 20")
        record("gate_pin_decision_p99_ms", percentile(pin_ms, 0.99), "ms", goal="<= 20")
        record("gate_qr_decision_median_ms", statistics.median(qr_ms), "ms", goal="<= 20")
        record("gate_qr_decision_p99_ms", percentile(qr_ms, 0.99), "ms", goal="<= 20")

        # The product's batching (config defaults: 500 rows or 24 h) in three kinds of day.
        single = log_bytes(runtime, pins, 100, 3.0, False, batch_rows=1)
        peer = "one transaction per event"
        rush = log_bytes(runtime, pins, 600, 3.0, False)
        record("access_log_bytes_per_event_rush", rush, "bytes", peer=peer, peer_value=single, goal="<= 2048")
        gaps = day_gaps()
        day = log_bytes(runtime, pins, len(gaps), gaps)
        record("access_log_bytes_per_event_day", day, "bytes", peer=peer, peer_value=single, goal="<= 2048")
        # A small community: one event every 5 minutes around the clock, each written back.
        sparse = log_bytes(runtime, pins, 288, 300.0, True)
        record("access_log_bytes_per_event_sparse", sparse, "bytes", peer=peer, peer_value=single,
               goal="<= 2048")
    finally:
        runtime.close()
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
