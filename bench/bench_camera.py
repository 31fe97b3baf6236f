"""Camera-side cost of the fire-lane watch: motion gating per frame, and replay cameras at 2 fps.

Prints a table and merges the figures into bench/results.json.
Run: .venv/bin/python -m bench bench_camera  (or bench/bench_camera.py --seconds 20)
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._results import record  # noqa: E402
from hardware.camera import Frame, MotionGate, ReplayCamera, open_camera  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent

def street(w, h, car_x, seed):
    img = np.full((h, w, 3), (90, 100, 95), np.uint8)
    cv2.rectangle(img, (0, h * 6 // 10), (w, h), (60, 60, 60), -1)
    cv2.rectangle(img, (car_x, h * 65 // 100), (car_x + w // 5, h * 85 // 100), (30, 30, 160), -1)
    noise = np.random.default_rng(seed).integers(-6, 7, img.shape, dtype=np.int16)
    return np.clip(img.astype(np.int16) + noise, 0, 255).astype(np.uint8)


def bench_gate(w, h, n=60):
    frames = [Frame(street(w, h, (i * 13) % (w // 2), i), i / 2.0, i + 1) for i in range(n)]
    gate = MotionGate()
    times = []
    for f in frames:
        t = time.perf_counter()
        gate.check(f)
        times.append((time.perf_counter() - t) * 1000)
    # Peer: the same differencing at full resolution, what a naive gate would cost.
    full = []
    prev = None
    for f in frames:
        t = time.perf_counter()
        g = cv2.GaussianBlur(f.image, (5, 5), 0)
        if prev is not None:
            cv2.threshold(cv2.absdiff(prev, g).max(axis=2), 25, 255, cv2.THRESH_BINARY)
        prev = g
        full.append((time.perf_counter() - t) * 1000)
    return statistics.median(times[1:]), statistics.median(full[1:])


def bench_replay(seconds):
    with tempfile.TemporaryDirectory() as tmp:
        paths = []
        for cam in range(2):
            path = os.path.join(tmp, f"cam{cam}.avi")
            writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*"MJPG"), 2.0, (1280, 720))
            for i in range(40):
                x = (i * 40) % 900 if i < 20 else 700  # drives in, then parks
                writer.write(street(1280, 720, x, i))
            writer.release()
            paths.append(path)
        cams = [ReplayCamera(p, fps=2.0) for p in paths]
        gates = [MotionGate(check_every_s=10) for _ in cams]
        for c in cams:
            c.open()
        cpu0, wall0 = time.process_time(), time.monotonic()
        runs = frames = 0
        while time.monotonic() - wall0 < seconds:
            for cam, gate in zip(cams, gates):
                frame = cam.read(timeout=0.05)
                if frame is not None:
                    frames += 1
                    runs += gate.check(frame).run
        cpu, wall = time.process_time() - cpu0, time.monotonic() - wall0
        for c in cams:
            c.close()
        rss_mb = current_rss_mib()
    return 100.0 * cpu / wall, rss_mb, frames, runs


def current_rss_mib() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def bench_stream(seconds: float, max_fps: float | None) -> tuple[float, int]:
    """CPU share of one RTSP camera (720p MJPEG at 25 fps from a local server process)."""
    import subprocess

    code = (
        "import sys, time; from tests.hardware.rtsp_server import RtspServer; "
        "s = RtspServer(size=(1280, 720)); print(s.port, flush=True); s.start(); time.sleep(float(sys.argv[1]))"
    )
    server = subprocess.Popen([sys.executable, "-c", code, str(seconds + 20)], cwd=ROOT, stdout=subprocess.PIPE,
                              text=True)
    try:
        port = int(server.stdout.readline())
        time.sleep(0.5)
        spec = {"source": f"rtsp://127.0.0.1:{port}/live", "max_fps": max_fps}
        with open_camera(spec) as cam:
            if not cam.wait_streaming(10.0):
                raise RuntimeError("local RTSP source did not stream")
            seq0, cpu0, wall0 = cam.snapshot().seq, time.process_time(), time.monotonic()
            time.sleep(seconds)
            cpu, wall = time.process_time() - cpu0, time.monotonic() - wall0
            frames = cam.snapshot().seq - seq0
    finally:
        server.terminate()
        server.wait(timeout=5)
    return 100.0 * cpu / wall, frames


def main(seconds: float = 60.0) -> None:
    cv2.setNumThreads(1)
    # Replay first, so its RSS is not inflated by the frames the gate benchmark keeps.
    share, rss, frames, runs = bench_replay(seconds)
    record("camera_two_replays_2fps_cpu_share", share, "%", None, None,
           "<= 15% (whole watch; this is its camera part)")
    record("camera_two_replays_2fps_rss", rss, "MiB", None, None, None)
    # The scene drives in for 10 s and parks for 10 s, looping; periodic checks every 10 s.
    record("motion_gate_detector_run_fraction", runs / max(1, frames), "ratio",
           "running the detector on every frame", 1.0, None)
    stream_s = min(seconds, 15.0)
    limited, frames_limited = bench_stream(stream_s, 2.0)
    every, frames_every = bench_stream(stream_s, None)
    record("rtsp_camera_720p25_cpu_share_max_fps_2", limited, "%", "converting every frame (25 fps)", every,
           None)
    print(f"  (frames handed out: {frames_limited} with max_fps=2, {frames_every} without, in {stream_s:.0f} s)")
    for w, h in ((1920, 1080), (1280, 720)):
        ms, full_ms = bench_gate(w, h)
        record(f"motion_gate_ms_per_frame_{h}p", ms, "ms", f"differencing at full {h}p resolution",
               round(full_ms, 3), None)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=60.0)
    main(parser.parse_args().seconds)
