"""Elder care: the nightly routine computation for 500 elders over four weeks of gate
passages (4-6 a day each, ~70,000 access-log rows), on one core, and the resident memory
it adds. Runs through the same CareService the care thread calls."""

from __future__ import annotations

import datetime
import os
import random
import resource
import tempfile
import time
from pathlib import Path

from bench._results import record

ELDERS = 500
DAYS = 28


def rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        os.environ["LINLI_HOME"] = str(home)
        from appliance.config import load_config
        from appliance.db.models import AccessEvent, CarePlan
        from appliance.runtime import build_runtime

        runtime = build_runtime(load_config(home), immediate_tasks=True, hardware=False)
        try:
            reg, care = runtime.services.registry, runtime.services.care
            b = reg.save_building({"name": "1号楼"}, "bench")
            now = datetime.datetime.now().replace(microsecond=0)
            rng = random.Random(15)
            rows = []
            for i in range(ELDERS):
                u = reg.save_unit({"building_id": b.id, "number": f"{i // 20 + 1}单元{i % 20 + 101}"}, "bench")
                r = reg.save_resident({"name": f"老人{i:03d}", "unit_id": u.id, "living_alone_elderly": "1"}, "bench")
                CarePlan.create(resident=r, consent_by="self", created_at=now, updated_at=now)
                for d in range(DAYS):
                    day = now - datetime.timedelta(days=DAYS - d)
                    for h in rng.sample(range(7, 21), rng.randint(4, 6)):
                        rows.append({"at": day.replace(hour=h, minute=rng.randint(0, 59)), "method": "card",
                                     "granted": True, "reason": "ok", "resident": r.id, "source": "gate"})
            with runtime.db.atomic():
                for start in range(0, len(rows), 500):
                    AccessEvent.insert_many(rows[start:start + 500]).execute()
            before = rss_mb()
            started = time.process_time()
            wall = time.monotonic()
            assert care.learn_routines(now) == ELDERS
            cpu = time.process_time() - started
            wall = time.monotonic() - wall
            record("care_routines_500_elders_cpu_s", cpu, "s", goal="< 60 s one core")
            record("care_routines_500_elders_wall_s", wall, "s")
            record("care_routines_rss_added_mb", rss_mb() - before, "MB")
            started = time.monotonic()
            care.tick(now)
            record("care_tick_500_elders_s", time.monotonic() - started, "s")
            print(f"   {len(rows)} access-log rows")
        finally:
            runtime.close()


if __name__ == "__main__":
    main()
