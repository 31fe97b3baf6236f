"""Face entry through the gate's decision path: real models on frames made from the real
registry photos, the access service and the gate on gpiozero's MockFactory.

Figures: a whole attempt (frames until the vote decides, liveness off so a still picture can
decide) from the first frame to the relay command, and the part the access path adds after
the face was recognised (validity check, log row, relay command), median and p99 — the same
budget as a PIN decision (<= 20 ms).
"""

from __future__ import annotations

import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from bench._results import record

ATTEMPTS = 30
DECISIONS = 500


def percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main() -> None:
    from tests.appliance.face_helpers import portrait_frames

    home = Path(tempfile.mkdtemp(prefix="linli-bench-face-entry-"))
    os.environ["LINLI_HOME"] = str(home)
    try:
        from appliance.config import load_config
        from appliance.runtime import build_runtime

        config = load_config(home)
        config.gate.pulse_s = 0.5
        runtime = build_runtime(config, immediate_tasks=True, hardware=True)
        services = runtime.services
        reg = services.registry
        b = reg.save_building({"name": "1号楼"}, "bench")
        u = reg.save_unit({"building_id": b.id, "number": "1单元101"}, "bench")
        resident = reg.save_resident({"name": "欧先生", "unit_id": u.id, "move_in": "2020-01-01"}, "bench")
        face, entry, access = services.face.service, services.face.entry, services.access
        face.give_consent(resident.id, "bench", "staff", agreed=True)
        face.enroll(resident.id, portrait_frames("obama.jpg", 6, seed=4), "bench")
        later = portrait_frames("obama2.jpg", 8, seed=6)
        entry.attempt(later, "warm-up", liveness=False)

        whole, frames_used = [], []
        for _ in range(ATTEMPTS):
            started = time.perf_counter()
            attempt = entry.identifier.begin(liveness=False)
            state = None
            for frame in later:
                state = attempt.feed(frame)
                if state.status != "waiting":
                    break
            decision = entry.decide(state, "kiosk-bench")
            if not decision.granted:
                raise RuntimeError(f"bench attempt refused: {decision.reason}")
            whole.append((decision.relay_at - started) * 1000)
            frames_used.append(attempt.frames)
        access_part = []
        for _ in range(DECISIONS):
            started = time.perf_counter()
            decision = access.identified_attempt("face", resident, "kiosk-bench")
            access_part.append((decision.relay_at - started) * 1000)
        runtime.close()
        record("face entry attempt to relay (median)", statistics.median(whole), "ms")
        record("face entry attempt frames (median)", statistics.median(frames_used), "frames")
        record("face entry access path after match (median)", statistics.median(access_part), "ms", goal="<= 20")
        record("face entry access path after match (p99)", percentile(access_part, 0.99), "ms", goal="<= 20")
    finally:
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
