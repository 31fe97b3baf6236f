"""Motion gating on a car-gate lane camera: CPU saved by not reading plates on still frames.

The same frames go through the lane's ApproachReader twice, with the real plate models:
once reading every frame (as before), once behind the MotionGate `linli run` now puts in
front of it ([parking] motion_gating, motion_check_s = 2). Frames come at 5 fps on a
synthetic clock, so the figures are CPU, not wall time, and do not depend on the load.

Two lanes are replayed:
- busy: a car every 4.8 s (6 frames of a car driving in, 18 of empty road), the bench
  of bench_parking_lanes;
- quiet: one car a minute (6 car frames, 294 of empty road), closer to a residential gate
  most of the day.
Empty road frames carry sensor noise (Gaussian, sigma 3), so the gate has to ignore it.

Printed: CPU seconds per minute of video with and without the gate, the share saved, the
gate's own cost per frame, and that every car's plate was still handed to the lane.

Options: --cars N (cars per lane, default 3).
"""

from __future__ import annotations

import argparse
import time

from bench._results import record

FPS = 5.0
CAR_FRAMES = 6
CHECK_S = 2.0


class Lane:
    """Takes the reads the way the entry lane does; keeps them to check every car was read."""

    waits_for_loop = True

    def __init__(self, clock):
        self.clock = clock
        self.reads: list[tuple[float, str]] = []

    def plate_read(self, text, confidence, picture="", trusted=False):
        self.reads.append((self.clock(), text))


def clip(text: str, empty_frames: int, cars: int, seed: int):
    import cv2
    import numpy as np

    from models.plates.synth import make_sample

    rng = np.random.default_rng(seed)
    road = make_sample(rng, "blue", "clear", text=text).image.copy()
    road[:] = cv2.GaussianBlur(road, (0, 0), 25)  # the same street, no readable plate
    frames = []
    for _ in range(cars):
        frames += [make_sample(rng, "blue", "clear", text=text).image for _ in range(CAR_FRAMES)]
        for _ in range(empty_frames):
            noise = rng.normal(0, 3, road.shape)
            frames.append(np.clip(road + noise, 0, 255).astype(np.uint8))
    return frames


def run(frames, reader, gated: bool) -> tuple[float, int, int]:
    from appliance.parking.approach import ApproachReader
    from hardware.camera.base import Frame
    from hardware.camera.motion import MotionGate

    t = [0.0]
    lane = Lane(lambda: t[0])
    approach = ApproachReader(lane, reader, clock=lambda: t[0],
                              gate=MotionGate(check_every_s=CHECK_S) if gated else None)
    started = time.thread_time()
    for seq, image in enumerate(frames):
        t[0] = seq / FPS
        approach.offer(Frame(image=image, ts=t[0], seq=seq))
    cpu = time.thread_time() - started
    # Cars handed to the lane with the right plate: reads more than idle_s apart are two cars.
    times = [at for at, text in lane.reads if text == "京A12345"]
    cars = sum(1 for i, at in enumerate(times) if i == 0 or at - times[i - 1] > approach.idle_s)
    return cpu, approach.frames, cars


def gate_cost_ms(frames) -> float:
    from hardware.camera.base import Frame
    from hardware.camera.motion import MotionGate

    gate = MotionGate(check_every_s=CHECK_S)
    started = time.thread_time()
    for seq, image in enumerate(frames):
        gate.check(Frame(image=image, ts=seq / FPS, seq=seq))
    return 1000 * (time.thread_time() - started) / len(frames)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cars", type=int, default=3)
    args = parser.parse_args()
    from models.plates.read import PlateReader

    reader = PlateReader()
    reader.read(clip("京A12345", 0, 1, seed=1)[0])  # load the models outside the timing
    for name, empty in (("busy", 18), ("quiet", 294)):
        frames = clip("京A12345", empty, args.cars, seed=7)
        minutes = len(frames) / FPS / 60
        plain = run(frames, reader, gated=False)
        gated = run(frames, reader, gated=True)
        print(f"   {name}: {len(frames)} frames ({minutes:.1f} min at {FPS:g} fps), {args.cars} cars; "
              f"read {plain[1]} vs {gated[1]} frames; plates handed {plain[2]} vs {gated[2]}", flush=True)
        record(f"car_lane_{name}_cpu_s_per_min_ungated", plain[0] / minutes, "s/min")
        record(f"car_lane_{name}_cpu_s_per_min_gated", gated[0] / minutes, "s/min",
               peer="ungated", peer_value=plain[0] / minutes)
        record(f"car_lane_{name}_cpu_saved_pct", 100 * (1 - gated[0] / plain[0]), "%")
        record(f"car_lane_{name}_frames_read_pct_gated", 100 * gated[1] / len(frames), "%")
    record("car_lane_motion_gate_cost_ms_per_frame", gate_cost_ms(clip("京A12345", 18, 1, seed=3)), "ms")


if __name__ == "__main__":
    main()
