"""NanoDet fp32 vs dynamic-range int8: ms per frame on one thread, and box agreement.

    python -m bench.bench_detector

Two speed figures: per frame (detect(): resize and normalise, the network, decoding; what the
watch pays) and the network alone (invoke on the same input; what quantization changes).
fp32 and int8 are timed in alternating rounds and the ratio is the median of the rounds',
so load from other jobs on the machine hits both alike.
"""
from __future__ import annotations

import statistics
import time
from pathlib import Path

import cv2

from bench._results import record
from models.manifest import model_path
from models.vehicles.detect import VehicleDetector, load_interpreter
from models.vehicles.geometry import iou

DATA = Path("/usr/share/doc/opencv-doc/examples/data")
PHOTOS = ("licenseplate_motion.jpg", "building.jpg", "leuvenA.jpg", "graf1.png", "fruits.jpg")


def frames():
    out = [cv2.imread(str(DATA / p)) for p in PHOTOS]
    cap = cv2.VideoCapture(str(DATA / "vtest.avi"))
    for i in range(0, 795, 100):
        cap.set(cv2.CAP_PROP_POS_FRAMES, i)
        ok, f = cap.read()
        if ok:
            out.append(f)
    return [f for f in out if f is not None]


def time_detector(det: VehicleDetector, images, repeat: int = 5) -> float:
    for im in images[:2]:
        det.detect(im)  # warm up
    runs = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        for im in images:
            det.detect(im)
        runs.append((time.perf_counter() - t0) * 1000 / len(images))
    return statistics.median(runs)


def time_network(det: VehicleDetector, image, repeat: int = 10) -> float:
    det.raw(image)  # leaves this frame's input in the interpreter
    t0 = time.perf_counter()
    for _ in range(repeat):
        det.interpreter.invoke()
    return (time.perf_counter() - t0) * 1000 / repeat


def paired(fn32, fn8, rounds: int = 7) -> tuple[float, float, float]:
    """(fp32 ms, int8 ms, ratio): medians over alternating rounds."""
    a, b, ratios = [], [], []
    for _ in range(rounds):
        x, y = fn32(), fn8()
        a.append(x)
        b.append(y)
        ratios.append(x / y)
    return statistics.median(a), statistics.median(b), statistics.median(ratios)


def main():
    images = frames()
    fp32 = VehicleDetector(load_interpreter(model_path("vehicles.nanodet_fp32"), num_threads=1))
    int8 = VehicleDetector(load_interpreter(model_path("vehicles.nanodet_int8"), num_threads=1))
    ms32, ms8, ratio = paired(lambda: time_detector(fp32, images, 1), lambda: time_detector(int8, images, 1))
    net32, net8, net_ratio = paired(lambda: time_network(fp32, images[0]), lambda: time_network(int8, images[0]))
    pairs = agree = 0
    for im in images:
        got = int8.detect(im)
        for r in fp32.detect(im):
            pairs += 1
            agree += any(g.label == r.label and iou(g.box, r.box) >= 0.9 for g in got)
    print(f"{len(images)} frames (opencv-doc street photos + vtest.avi), 1 thread")
    record("vehicle_detector_int8_ms_per_frame", round(ms8, 1), "ms",
           peer="nanodet fp32 tflite, same frames", peer_value=round(ms32, 1),
           goal="int8 >= 3x faster than fp32")
    record("vehicle_detector_int8_speedup", round(ratio, 2), "x",
           peer="fp32, per frame (resize, network, decoding)", peer_value=1.0, goal=">= 3")
    record("vehicle_detector_int8_speedup_network", round(net_ratio, 2), "x",
           peer=f"fp32 network {net32:.1f} ms vs int8 {net8:.1f} ms", peer_value=1.0, goal=">= 3")
    # Without XNNPACK (LiteRT's own hybrid int8 kernels vs its float kernels), for reference.
    ref32 = VehicleDetector(load_interpreter(model_path("vehicles.nanodet_fp32"), 1, xnnpack=False))
    ref8 = VehicleDetector(load_interpreter(model_path("vehicles.nanodet_int8"), 1, xnnpack=False))
    b32, b8 = time_detector(ref32, images[:4], 2), time_detector(ref8, images[:4], 2)
    record("vehicle_detector_int8_speedup_builtin_kernels", round(b32 / b8, 2), "x",
           peer=f"fp32 builtin kernels {b32:.1f} ms vs int8 {b8:.1f} ms", peer_value=1.0,
           goal=">= 3")
    record("vehicle_detector_int8_box_agreement", round(agree / max(1, pairs), 3), "ratio",
           peer=f"fp32 boxes ({pairs})", peer_value=1.0, goal=">= 1.0 at IoU >= 0.9")


if __name__ == "__main__":
    main()
