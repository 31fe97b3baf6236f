"""Car gate figures: time from the car closing the loop to the barrier's relay command, with
the plate already read on approach (goal <= 300 ms on one core), for a registered car among
2,000 registered vehicles and for a visitor pass; and the memory the feature adds.

Runs the real ParkingService, CarLane and Barrier on gpiozero's MockFactory on a real SQLite
file, the same path `linli run` takes.
"""

from __future__ import annotations

import os
import resource
import statistics
import tempfile
import time
from pathlib import Path

from bench._results import record

VEHICLES = 2000
CARS = 300
CONFIG = """
[parking]
enabled = true
raise_pin = 5
lower_pin = 6
presence_pin = 16
capacity = 500
"""


def percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def plate(i: int) -> str:
    letters = "ABCDEFGHJKLMNPQRSTUVWXYZ"
    return f"京{letters[i % 24]}{i:05d}"


def main() -> None:
    home = Path(tempfile.mkdtemp(prefix="linli-bench-parking-"))
    (home / "config.toml").write_text(CONFIG, encoding="utf-8")
    os.environ["LINLI_HOME"] = str(home)
    from appliance.config import load_config
    from appliance.runtime import build_runtime

    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    runtime = build_runtime(load_config(home), immediate_tasks=True, hardware=True)
    services = runtime.services
    reg = services.registry
    b = reg.save_building({"name": "1号楼"}, "bench")
    with services.db.atomic():
        for i in range(VEHICLES):
            u = reg.save_unit({"building_id": b.id, "number": f"{i // 20 + 1}单元{i % 20 + 101}"}, "bench")
            r = reg.save_resident({"name": f"车主{i:04d}", "unit_id": u.id, "move_in": "2020-01-01"}, "bench")
            reg.add_vehicle(r.id, plate(i), "bench")
    parking = services.parking
    lane, barrier, sim = parking.lanes["entry"], parking.barriers["entry"], parking.simulators["entry"]
    for kind in ("registered", "visitor"):
        timings = []
        for n in range(CARS):
            if kind == "registered":
                read = plate((n * 7) % VEHICLES)
            else:
                read = f"沪B{n:05d}"
                parking.service.create_pass(read, 4, 1, "", "bench")
            lane.plate_read(read, 0.93)  # read on approach
            started = time.perf_counter()
            sim.set_vehicle(True)
            timings.append((barrier.last_command_at - started) * 1000)
            assert lane.decisions[-1].raised, lane.decisions[-1]
            sim.set_vehicle(False)
        record(f"car_gate_{kind}_loop_to_relay_median_ms", statistics.median(timings), "ms", goal="<= 300")
        record(f"car_gate_{kind}_loop_to_relay_p99_ms", percentile(timings, 0.99), "ms", goal="<= 300")
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    record("car_gate_process_peak_rss_mb", rss_after, "MiB", peer="before the runtime was built",
           peer_value=rss_before)
    runtime.close()


if __name__ == "__main__":
    main()
