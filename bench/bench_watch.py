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
    """Frames are made one at a time so the bench's memory is the watch's, not a frame store."""
    cap = cv2.VideoCapture(str(DATA / "vtest.avi"))
    made = 0
    i = 0
    while made < FPS * SECONDS:
        ok, f = cap.read()
        if not ok:
            cap.set(cv2.CAP_PROP_POS_FRAMES, 0)
            continue
        if i % 5 == 0:  # the video is 10 fps
            made += 1
            yield f
        i += 1
    cap.release()


def car_sprite():
    """A real car's rear carrying a Chinese plate (as in the end-to-end test)."""
    from models.plates.synth import render_plate

    car = cv2.imread(str(DATA / "licenseplate_motion.jpg"))
    car[228:292, 228:352] = cv2.resize(render_plate("京A12345", "blue"), (124, 64),
                                       interpolation=cv2.INTER_AREA)
    return cv2.resize(car, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)


def with_arriving_car(street, car, n):
    """The second camera: the car drives into the lane at 40 px/s and parks."""
    h, w = car.shape[:2]
    x = min(320, 20 * n)
    f = street.copy()
    f[576 - 10 - h:576 - 10, x:x + w] = car[:, : min(w, f.shape[1] - x)]
    return f


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
            car = car_sprite()
            cpu = 0.0
            wall0 = time.perf_counter()
            for n, street in enumerate(camera_frames()):
                second = with_arriving_car(street, car, n)
                cpu0 = time.process_time()
                watches[0].process(street, n / FPS)
                watches[1].process(second, n / FPS)
                cpu += time.process_time() - cpu0
            wall = time.perf_counter() - wall0
        finally:
            rt.close()
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    frames = range(FPS * SECONDS)
    print(f"2 cameras x {len(frames)} frames ({SECONDS} s at {FPS} fps): cpu {cpu:.1f} s, "
          f"wall {wall:.1f} s; camera 2 has a car arriving and parking in the lane")
    record("watch_cpu_share_two_cameras_2fps", round(100 * cpu / SECONDS, 1), "% of one core",
           peer="no motion gating, every frame detected", goal="<= 15")
    record("watch_ms_per_frame", round(1000 * cpu / (2 * len(frames)), 1), "ms")
    record("watch_max_rss", round(rss_mb, 0), "MiB")


if __name__ == "__main__":
    main()
