"""Motion gating on drawn scenes: a car driving in wakes the detector, noise and stillness do not."""

import cv2
import numpy as np

from hardware.camera import Frame, MotionGate


def scene(car_x: int | None, *, noise_seed: int = 0, flicker: bool = False) -> np.ndarray:
    img = np.full((480, 640, 3), (90, 100, 95), np.uint8)
    cv2.rectangle(img, (0, 300), (640, 480), (60, 60, 60), -1)  # the lane
    cv2.line(img, (0, 390), (640, 390), (0, 200, 255), 4)
    if car_x is not None:
        cv2.rectangle(img, (car_x, 320), (car_x + 140, 400), (30, 30, 160), -1)
    rng = np.random.default_rng(noise_seed)
    noise = rng.integers(-6, 7, img.shape, dtype=np.int16)  # sensor noise at night
    img = np.clip(img.astype(np.int16) + noise, 0, 255).astype(np.uint8)
    if flicker:
        cv2.circle(img, (600, 40), 3, (255, 255, 255), -1)  # a tiny blinking light
    return img


def frames(images, fps=2.0, start=0.0):
    return [Frame(image=img, ts=start + i / fps, seq=i + 1) for i, img in enumerate(images)]


def test_car_entering_runs_detector_and_parked_car_does_not():
    gate = MotionGate(check_every_s=30)
    xs = [None, None, 0, 60, 120, 180, 240] + [240] * 10
    decisions = [gate.check(f) for f in frames([scene(x, noise_seed=i) for i, x in enumerate(xs)])]
    reasons = [d.reason for d in decisions]
    assert reasons[0] == "first"
    assert reasons[1] == "still"
    assert reasons[2:7] == ["motion"] * 5
    assert reasons[7:] == ["still"] * 10
    # Differencing sees the car's leading and trailing edges, in full-resolution coordinates.
    boxes = decisions[4].boxes
    assert min(b[0] for b in boxes) <= 70 and max(b[2] for b in boxes) >= 250
    assert min(b[1] for b in boxes) <= 330 and max(b[3] for b in boxes) >= 390
    assert gate.stats.skipped == 11 and gate.stats.motion == 5


def test_noise_and_small_flicker_do_not_wake_the_detector():
    gate = MotionGate()
    images = [scene(None, noise_seed=i, flicker=i % 2 == 0) for i in range(12)]
    decisions = [gate.check(f) for f in frames(images)]
    assert [d.run for d in decisions[1:]] == [False] * 11


def test_periodic_check_of_a_stationary_car():
    gate = MotionGate(check_every_s=10)
    images = [scene(240, noise_seed=i) for i in range(61)]  # 30 s at 2 fps, nothing moves
    decisions = [gate.check(f) for f in frames(images)]
    runs = [(i / 2.0, d.reason) for i, d in enumerate(decisions) if d.run]
    assert runs == [(0.0, "first"), (10.0, "periodic"), (20.0, "periodic"), (30.0, "periodic")]


def test_threshold_and_min_area_are_respected():
    base = scene(None)
    small_car = base.copy()
    cv2.rectangle(small_car, (300, 330), (324, 354), (30, 30, 160), -1)  # 0.2% of the picture
    strict = MotionGate(min_area=0.01)
    loose = MotionGate(min_area=0.0002)
    for gate in (strict, loose):
        gate.check(Frame(base, 0.0, 1))
    assert not strict.check(Frame(small_car, 0.5, 2)).run
    assert loose.check(Frame(small_car, 0.5, 2)).reason == "motion"
