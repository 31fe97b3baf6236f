"""Fire-lane watch CPU: two replay cameras at 2 fps for 60 s through the real runtime.

The cameras are the hardware layer's file-replay backend, paced in real time, with motion
gating; the watch threads, the notice thread and the simulated modem run as on the box.
Camera 1 is opencv-doc's vtest.avi road with people walking all the time (the gate rarely
skips); camera 2 is the demo lane: a car arrives, parks in the fire lane, drives off.
CPU is the whole process's CPU time over the 60 s (all threads), as a share of one core.

The peer figure is the same frames pushed through the watch without motion gating and
without pacing, i.e. every frame detected.

    python -m bench.bench_watch
"""
from __future__ import annotations

import resource
import tempfile
import time
from pathlib import Path

import cv2

from appliance.firelane.setup import FireLaneFeature
from bench._results import record

DATA = Path("/usr/share/doc/opencv-doc/examples/data")
FPS, SECONDS = 2, 60


def write_street(folder: Path, frames: int) -> None:
    """vtest.avi (10 fps) at 2 fps as JPEG files."""
    folder.mkdir(parents=True, exist_ok=True)
    cap = cv2.VideoCapture(str(DATA / "vtest.avi"))
    made = i = 0
    while made < frames:
        ok, f = cap.read()
        if not ok:
            cap.set(cv2.CAP_PROP_POS_FRAMES, 0)
            continue
        if i % 5 == 0:
            cv2.imwrite(str(folder / f"{made:05d}.jpg"), f, [cv2.IMWRITE_JPEG_QUALITY, 90])
            made += 1
        i += 1
    cap.release()


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def ungated_cpu(runtime, folders) -> float:
    """CPU seconds to push every frame of both cameras through the watch (no gate, no pacing)."""
    from appliance.firelane.watch import FireLaneWatch
    from models.manifest import model_path
    from models.plates.read import PlateReader
    from models.vehicles.detect import VehicleDetector, load_interpreter

    fl = runtime.services.firelane
    detector = VehicleDetector(load_interpreter(model_path("vehicles.nanodet_int8"), 1))
    reader = PlateReader()
    cpu = 0.0
    for cam, folder in zip(("cam1", "cam2"), folders):
        watch = FireLaneWatch(cam + "-ungated", fl, detector, reader)
        for n, path in enumerate(sorted(folder.iterdir())[: FPS * SECONDS]):
            image = cv2.imread(str(path))
            t0 = time.process_time()
            watch.process(image, n / FPS)
            cpu += time.process_time() - t0
    return cpu


def main():
    from appliance.config import load_config
    from appliance.firelane import demo
    from appliance.runtime import build_runtime

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        street, lane = tmp / "street", tmp / "lane"
        write_street(street, FPS * SECONDS)
        demo.write_replay(lane, "京A12345", demo.scenario(park_s=40, empty_s=12))
        home = tmp / "box"
        home.mkdir()
        (home / "config.toml").write_text(
            f'[[firelane.cameras]]\nname = "cam1"\nsource = "file:{street}"\n'
            f'[[firelane.cameras]]\nname = "cam2"\nsource = "file:{lane}"\n'
            f"[firelane]\nfps = {FPS}\n", encoding="utf-8")
        rt = build_runtime(load_config(home), immediate_tasks=True, hardware=True)
        try:
            fl = rt.services.firelane
            for cam in ("cam1", "cam2", "cam1-ungated", "cam2-ungated"):
                fl.zones.save({"name": "lane", "camera": cam, "dwell_s": 30,
                              "polygon": demo.LANE}, "bench")
            rss_before = rss_mb()
            cpu0, wall0 = time.process_time(), time.perf_counter()
            rt.start_background()
            time.sleep(SECONDS)
            cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
            rss_running = rss_mb()
            stats = [(w.name, w.gate.stats) for w in rt.feature(FireLaneFeature).camera_watches if w.gate is not None]
            health = rt.services.health.report()["subsystems"]
            for w in list(rt.feature(FireLaneFeature).camera_watches):
                w.close()
            peer_cpu = ungated_cpu(rt, (street, lane))
        finally:
            rt.close()
    max_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"2 replay cameras at {FPS} fps for {wall:.0f} s: process cpu {cpu:.1f} s "
          f"({100 * cpu / wall:.1f}% of one core); RSS {rss_before:.0f} MiB before the cameras, "
          f"{rss_running:.0f} MiB running")
    for name, s in stats:
        print(f"  {name}: {s.frames} frames, detector ran on {s.frames - s.skipped} "
              f"({s.motion} motion, {s.periodic} periodic), {s.skipped} skipped as still")
    for name, r in health.items():
        if name.startswith("camera") or name == "modem":
            print(f"  health {name}: {'OK' if r['ok'] else 'FAIL'} {r['detail']}")
    ungated_share = 100 * peer_cpu / SECONDS
    record("watch_cpu_share_two_cameras_2fps", round(100 * cpu / wall, 1), "% of one core",
           peer="same frames, no motion gating (every frame detected)",
           peer_value=round(ungated_share, 1), goal="<= 15")
    record("watch_rss_running", round(rss_running, 0), "MiB",
           peer="process before the cameras started", peer_value=round(rss_before, 0))
    record("watch_max_rss", round(max_rss, 0), "MiB")


if __name__ == "__main__":
    main()
