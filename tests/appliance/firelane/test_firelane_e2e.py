"""A replay of a car arriving in the fire lane, through the real detector and plate reader,
to the simulated SMS and back to a closed incident."""
import datetime
from pathlib import Path

import cv2
import pytest

from appliance.db.models import FireIncident, FireNotice, OutboxEntry
from appliance.firelane.watch import FireLaneWatch, ReplaySource
from models.manifest import model_path
from models.plates.read import PlateReader
from models.plates.synth import render_plate
from models.vehicles.detect import VehicleDetector, load_interpreter
from models.vehicles.track import Tracker

from .conftest import OWNER_PHONE

pytestmark = pytest.mark.slow  # replays a camera through the real models for seconds


DATA = Path("/usr/share/doc/opencv-doc/examples/data")
LANE = [[200, 470], [700, 470], [700, 575], [200, 575]]


@pytest.fixture(scope="module")
def detector():
    return VehicleDetector(load_interpreter(model_path("vehicles.nanodet_int8")))


@pytest.fixture(scope="module")
def plate_reader():
    return PlateReader()


def street():
    """The campus road of opencv-doc's vtest.avi; a van and a car are parked top right."""
    cap = cv2.VideoCapture(str(DATA / "vtest.avi"))
    ok, frame = cap.read()
    cap.release()
    assert ok, "apt-get install opencv-doc"
    return frame


def car_with_plate(plate: str):
    """A real car's rear (opencv-doc) carrying a Chinese plate, at half size."""
    car = cv2.imread(str(DATA / "licenseplate_motion.jpg"))
    x1, y1, x2, y2 = 228, 228, 352, 292  # the photo's own plate
    car[y1:y2, x1:x2] = cv2.resize(render_plate(plate, "blue"), (x2 - x1, y2 - y1),
                                   interpolation=cv2.INTER_AREA)
    return cv2.resize(car, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)


def replay(path):
    """path: [(ts, x or None)] -> frames with the car's left edge at x (None: no car)."""
    bg, car = street(), car_with_plate("京A12345")
    h, w = car.shape[:2]
    frames = []
    for ts, x in path:
        f = bg.copy()
        if x is not None:
            x0, x1 = max(0, x), min(f.shape[1], x + w)
            if x1 > x0:
                f[576 - 10 - h:576 - 10, x0:x1] = car[:, x0 - x:x1 - x]
        frames.append((ts, f))
    return frames


def watch_replay(firelane, clock, detector, plate_reader, frames):
    watch = FireLaneWatch("gate-cam", firelane, detector, plate_reader,
                          tracker=Tracker(max_age_s=10))
    start = clock.t
    for ts, frame in frames:
        clock.t = start + datetime.timedelta(seconds=ts)
        watch.process(frame, ts)
    return watch


def arrive_park_leave(park_s=90):
    path = [(t, 40 * t) for t in range(0, 9)]  # drives in from the left
    path += [(t, 320) for t in range(9, 9 + park_s, 3)]  # parks in the lane
    t = 9 + park_s
    path += [(t + i, 320 + 120 * (i + 1)) for i in range(5)]  # drives off to the right
    path += [(t + 5 + i, None) for i in range(0, 20, 2)]  # gone
    return path


def test_car_parked_in_the_fire_lane_gets_one_sms_and_the_incident_closes(
        firelane, clock, notifier, owner, detector, plate_reader):
    firelane.zones.save({"name": "东侧消防通道", "camera": "gate-cam", "polygon": LANE,
                        "dwell_s": 30, "inertia": 3}, "test")
    watch_replay(firelane, clock, detector, plate_reader, replay(arrive_park_leave()))

    (inc,) = FireIncident.select()
    assert inc.plate == "京A12345"
    assert inc.owner.id == owner.id
    assert inc.status == "closed"
    assert inc.stage == "owner"
    assert 60 <= inc.duration_s <= 130
    # One SMS, to the owner, citing the law with "may".
    (sms,) = notifier.sent
    assert sms.number == OWNER_PHONE
    assert "京A12345" in sms.text and "东侧消防通道" in sms.text
    assert "第二十八条" in sms.text and "第六十条" in sms.text and "可" in sms.text
    assert [n.channel for n in FireNotice.select()] == ["sms_owner"]
    # Evidence: first and latest snapshot and the plate crop are on disk.
    for name in ("first", "latest", "plate"):
        assert firelane.incidents.evidence_path(inc.id, name).stat().st_size > 1000
    events = [(e.kind, e.payload["type"]) for e in OutboxEntry.select().where(
        OutboxEntry.kind.startswith("firelane")).order_by(OutboxEntry.seq)]
    assert events[0] == ("firelane.event", "new") and events[-1] == ("firelane.event", "end")
    assert {kind for _, kind in events[1:-1]} <= {"update"}


def test_passing_through_and_parking_outside_open_nothing(
        firelane, clock, notifier, owner, detector, plate_reader):
    firelane.zones.save({"name": "东侧消防通道", "camera": "gate-cam", "polygon": LANE,
                        "dwell_s": 30, "inertia": 3}, "test")
    # Crosses the lane without stopping (the van and car parked top right stay all along).
    path = [(t, -100 + 40 * t) for t in range(0, 22)] + [(22 + t, None) for t in range(0, 20, 2)]
    watch_replay(firelane, clock, detector, plate_reader, replay(path))
    assert FireIncident.select().count() == 0
    assert notifier.sent == []


def test_unknown_plate_goes_to_the_volunteer(firelane, clock, notifier, services, detector,
                                             plate_reader):
    firelane.settings.save({"t2_min": 10, "t3_min": 30, "duty_name": "小王",
                            "duty_phone": "13900139000"}, "test")
    firelane.zones.save({"name": "东侧消防通道", "camera": "gate-cam", "polygon": LANE,
                        "dwell_s": 30, "inertia": 3}, "test")
    watch_replay(firelane, clock, detector, plate_reader, replay(arrive_park_leave(park_s=45)))
    (inc,) = FireIncident.select()
    assert inc.owner is None and inc.stage == "volunteer"
    (sms,) = notifier.sent
    assert sms.number == "13900139000" and "京A12345" in sms.text


def test_parking_zone_counts_registered_and_unknown_vehicles(
        firelane, clock, notifier, owner, detector, plate_reader):
    # A parking zone around the van and car parked top right, and one over the lane.
    firelane.zones.save({"name": "北侧停车位", "camera": "gate-cam", "kind": "parking",
                        "polygon": [[600, 60], [768, 60], [768, 130], [600, 130]], "inertia": 2},
                       "test")
    firelane.zones.save({"name": "路边停车位", "camera": "gate-cam", "kind": "parking",
                        "polygon": LANE, "inertia": 2}, "test")
    path = [(t, 40 * t) for t in range(0, 9)] + [(t, 320) for t in range(9, 40, 3)]
    watch_replay(firelane, clock, detector, plate_reader, replay(path))
    # The van and car far away show no readable plate; the car in front is 京A12345.
    assert firelane.zones.occupancy[("gate-cam", "北侧停车位")] == {"registered": 0, "unknown": 2}
    assert firelane.zones.occupancy[("gate-cam", "路边停车位")] == {"registered": 1, "unknown": 0}
    assert FireIncident.select().count() == 0  # parking zones open no incidents
    assert notifier.sent == []


def test_watch_loop_with_motion_gate_skips_still_frames_but_keeps_the_stay(
        firelane, clock, notifier, owner, detector, plate_reader):
    import threading

    class EveryThirdStillFrame:
        """Like the camera layer's motion gate: moving frames pass, still ones now and then."""

        def __init__(self):
            self.seen, self.passed = 0, 0

        def check(self, frame):
            self.seen += 1
            moving = frame.ts < 9 or frame.ts > 99
            run = moving or self.seen % 3 == 0
            self.passed += run

            class Decision:
                pass

            d = Decision()
            d.run = run
            return d

    firelane.zones.save({"name": "东侧消防通道", "camera": "gate-cam", "polygon": LANE,
                        "dwell_s": 30, "inertia": 2}, "test")
    frames = replay(arrive_park_leave())
    start = clock.t

    class ClockedReplay(ReplaySource):
        def read(self, timeout=1.0):
            frame = super().read(timeout)
            if frame is not None:
                clock.t = start + datetime.timedelta(seconds=frame.ts)
            return frame

    done = threading.Event()
    gate = EveryThirdStillFrame()
    watch = FireLaneWatch("gate-cam", firelane, detector, plate_reader)
    watch.run(ClockedReplay(frames, done), done, gate)
    assert gate.passed < gate.seen
    (inc,) = FireIncident.select()
    assert inc.plate == "京A12345" and len(notifier.sent) == 1
