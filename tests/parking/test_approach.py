"""The lane's camera: a car's plate is read on several frames as it approaches, voted, and
the decision at the loop uses the vote (real plate-reading models on rendered plate scenes)."""

from __future__ import annotations

import numpy as np
import pytest

from appliance.parking.approach import ApproachReader
from models.plates.read import PlateReader
from models.plates.synth import make_sample

pytestmark = pytest.mark.slow  # real plate inference on every frame


class Clock:
    def __init__(self):
        self.t = 0.0

    def __call__(self):
        return self.t


@pytest.fixture(scope="module")
def plate_reader():
    return PlateReader()


def frames(text: str, colour: str, n: int, seed: int):
    rng = np.random.default_rng(seed)
    return [make_sample(rng, colour, "clear", text=text).image for _ in range(n)]


def test_a_registered_car_read_on_approach_goes_straight_in_when_the_loop_closes(parking, owner, plate_reader):
    lane, barrier, sim = parking.lanes["entry"], parking.barriers["entry"], parking.simulators["entry"]
    clock = Clock()
    camera = ApproachReader(lane, plate_reader, clock=clock)
    for image in frames("京A12345", "blue", 4, seed=11):
        clock.t += 0.2
        camera.frame(image)
    assert camera.handed and camera.handed[-1].text == "京A12345" and camera.handed[-1].reads >= 2
    sim.set_vehicle(True)
    decision = lane.decisions[-1]
    assert decision.raised and decision.reason == "resident" and barrier.up_energised


def test_a_new_approach_does_not_inherit_the_last_cars_vote(parking, owner, plate_reader):
    lane = parking.lanes["entry"]
    clock = Clock()
    camera = ApproachReader(lane, plate_reader, clock=clock, min_reads=1)
    for image in frames("京A12345", "blue", 3, seed=5):
        clock.t += 0.2
        camera.frame(image)
    clock.t += 10  # that car has gone; a green new-energy plate arrives
    for image in frames("沪AD12345", "green", 3, seed=6):
        clock.t += 0.2
        camera.frame(image)
    assert camera.voter.best().text != "京A12345"
    assert all(len(c.reads) and c.representative() != "京A12345" for c in camera.voter.clusters)


def test_a_frame_without_a_plate_hands_nothing(parking, plate_reader):
    camera = ApproachReader(parking.lanes["entry"], plate_reader)
    assert camera.frame(np.full((480, 640, 3), 120, np.uint8)) is None
    assert camera.handed == [] and camera.frames == 1


def test_linli_run_reads_the_entry_camera_and_lets_a_registered_car_in(tmp_path, linli_home, monkeypatch):
    """The whole path `linli run` builds: [parking] entry_camera replays a car approaching;
    the loop closes; the barrier goes up."""
    import time

    import cv2

    from appliance.config import load_config
    from appliance.runtime import build_runtime
    from tests.parking.conftest import PARKING

    clips = tmp_path / "approach"
    clips.mkdir()
    for i, image in enumerate(frames("京A12345", "blue", 6, seed=21)):
        cv2.imwrite(str(clips / f"{i:03d}.jpg"), image)
    (linli_home / "config.toml").write_text(PARKING + f'entry_camera = "file:{clips}"\ncamera_fps = 10.0\n',
                                            encoding="utf-8")
    runtime = build_runtime(load_config(linli_home), immediate_tasks=True, hardware=True)
    try:
        reg = runtime.services.registry
        b = reg.save_building({"name": "3号楼"}, "test")
        u = reg.save_unit({"building_id": b.id, "number": "101"}, "test")
        r = reg.save_resident({"name": "周建华", "unit_id": u.id, "move_in": "2019-05-01"}, "test")
        reg.add_vehicle(r.id, "京A12345", "test")
        runtime.start_background()
        parking = runtime.services.parking
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not (parking.approach and parking.approach.handed):
            time.sleep(0.2)
        assert parking.approach.handed[-1].text == "京A12345"
        parking.simulators["entry"].set_vehicle(True)
        assert parking.lanes["entry"].decisions[-1].reason == "resident"
        assert parking.barriers["entry"].up_energised
    finally:
        runtime.close()


class Counting:
    """The real plate reader, counting the frames it was given."""

    def __init__(self, reader):
        self.reader, self.calls = reader, 0

    def read(self, image):
        self.calls += 1
        return self.reader.read(image)


def test_motion_gating_reads_the_moving_car_skips_the_empty_lane_and_rechecks_a_still_one(parking, owner,
                                                                                           plate_reader):
    from hardware.camera.base import Frame
    from hardware.camera.motion import MotionGate

    lane, sim = parking.lanes["entry"], parking.simulators["entry"]
    clock, counting = Clock(), Counting(plate_reader)
    camera = ApproachReader(lane, counting, clock=clock, gate=MotionGate(check_every_s=2.0))
    road = np.full((480, 640, 3), 90, np.uint8)
    seq = 0

    def show(image):
        nonlocal seq
        seq += 1
        clock.t += 0.2
        return camera.offer(Frame(image=image, ts=clock.t, seq=seq))

    for _ in range(5):  # empty road: read once (the first frame), then skipped
        show(road)
    assert counting.calls == 1 and camera.skipped == 4
    for image in frames("京A12345", "blue", 4, seed=11):  # the car moves in: every frame read
        show(image)
    assert counting.calls == 5 and camera.handed[-1].text == "京A12345"
    still = frames("京A12345", "blue", 1, seed=11)[-1]
    for _ in range(12):  # it stops (moved: read), stands 2.2 s more: read again once, after 2 s
        show(still)
    assert counting.calls == 7 and camera.skipped == 4 + 10
    sim.set_vehicle(True)
    assert lane.decisions[-1].reason == "resident" and parking.barriers["entry"].up_energised
