"""Fire-lane watch CPU: two replay cameras at 2 fps for 60 s of scene time, one thread.

Every frame goes through the detector, the tracker, the zones and the plate reader: motion
gating (in the camera layer) is not applied here, so this is the worst case.

    python -m bench.bench_watch
"""
from __future__ import annotations

import resource
import tempfile
import time
from pathlib import Path

import cv2

from bench._results import record

DATA = Path("/usr/share/doc/opencv-doc/examples/data")
FPS, SECONDS = 2, 60


def camera_frames():
    cap = cv2.VideoCapture(str(DATA / "vtest.avi"))
    frames = []
    i = 0
    while len(frames) < FPS * SECONDS:
        ok, f = cap.read()
        if not ok:
            cap.set(cv2.CAP_PROP_POS_FRAMES, 0)
            continue
        if i % 5 == 0:  # the video is 10 fps
            frames.append(f)
        i += 1
    cap.release()
    return frames


def main():
    from appliance.config import load_config
    from appliance.runtime import build_runtime
    from models.manifest import model_path
    from models.plates.read import PlateReader
    from models.vehicles.detect import VehicleDetector, load_interpreter
    from appliance.firelane.watch import FireLaneWatch

    with tempfile.TemporaryDirectory() as home:
        rt = build_runtime(load_config(Path(home)), immediate_tasks=True, hardware=False)
        try:
            fl = rt.services.extra["firelane"]
            for cam in ("cam1", "cam2"):
                fl.save_zone({"name": "lane", "camera": cam, "dwell_s": 30,
                              "polygon": "150,300 700,300 700,575 150,575"}, "bench")
            detector = VehicleDetector(load_interpreter(model_path("vehicles.nanodet_int8"), 1))
            reader = PlateReader()
            watches = [FireLaneWatch(cam, fl, detector, reader) for cam in ("cam1", "cam2")]
            frames = camera_frames()
            cpu0, wall0 = time.process_time(), time.perf_counter()
            for n, frame in enumerate(frames):
                for w in watches:
                    w.process(frame, n / FPS)
            cpu = time.process_time() - cpu0
            wall = time.perf_counter() - wall0
        finally:
            rt.close()
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"2 cameras x {len(frames)} frames ({SECONDS} s at {FPS} fps): cpu {cpu:.1f} s, "
          f"wall {wall:.1f} s")
    record("watch_cpu_share_two_cameras_2fps", round(100 * cpu / SECONDS, 1), "% of one core",
           peer="no motion gating, every frame detected", goal="<= 15")
    record("watch_ms_per_frame", round(1000 * cpu / (2 * len(frames)), 1), "ms")
    record("watch_max_rss", round(rss_mb, 0), "MiB")


if __name__ == "__main__":
    main()
