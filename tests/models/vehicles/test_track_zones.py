from dataclasses import dataclass

import pytest

from models.vehicles.detect import detect
from models.vehicles.geometry import point_in_polygon
from models.vehicles.track import Tracker
from models.vehicles.zones import Zone, ZoneWatcher

LANE = Zone("fire lane", ((100, 300), (500, 300), (500, 400), (100, 400)), inertia=3, dwell_s=60)


@dataclass
class Det:
    label: str
    score: float
    box: tuple


def car_at(x, y, w=120, h=60, label="car"):
    # (x, y) is the bottom centre, where the wheels touch the road.
    return Det(label, 0.8, (x - w // 2, y - h, x + w // 2, y))


def run(frames, zones=(LANE,), tracker=None):
    """frames: list of (time, [detections]); returns (all events, tracker)."""
    tracker = tracker or Tracker(max_age_s=10)
    watcher = ZoneWatcher(list(zones))
    events = []
    for now, dets in frames:
        live = tracker.update(dets, now)
        events += watcher.update(live, now, tracker.ended)
    return events, tracker


def drive_in_and_park(stay_s, leave=True):
    frames = [(t, [car_at(20 + 40 * t, 350)]) for t in range(0, 8)]  # drives in from the left
    frames += [(t, [car_at(300, 350)]) for t in range(8, 8 + stay_s, 2)]  # parks
    if leave:
        end = 8 + stay_s
        frames += [(end + t, [car_at(300, 350 + 60 * (t + 1))]) for t in range(4)]
        frames += [(end + 4 + t, []) for t in range(0, 30, 5)]
    return frames


def kinds(events):
    return [(e.kind, e.track_id) for e in events]


def test_parked_car_is_one_enter_one_dwell_one_leave():
    events, _ = run(drive_in_and_park(stay_s=120))
    assert kinds(events) == [("enter", 1), ("dwell", 1), ("leave", 1)]
    enter, dwell, leave = events
    assert dwell.at - enter.entered_at >= 60
    assert leave.at > dwell.at


def test_parked_car_is_one_stationary_track_with_a_duration():
    tracker = Tracker(max_age_s=10)
    run(drive_in_and_park(stay_s=120, leave=False), tracker=tracker)
    (track,) = tracker.tracks.values()
    assert track.id == 1
    assert track.stationary
    assert track.stationary_for >= 110
    assert track.duration >= 120


def test_passing_through_opens_no_dwell():
    frames = [(t, [car_at(20 + 50 * t, 350)]) for t in range(0, 14)]
    events, _ = run(frames)
    assert "dwell" not in [e.kind for e in events]
    assert [e.kind for e in events] == ["enter", "leave"]


def test_car_outside_the_zone_gives_nothing():
    frames = [(t, [car_at(300, 200)]) for t in range(0, 200, 2)]  # parked above the lane
    events, _ = run(frames)
    assert events == []


def test_box_overlapping_the_zone_but_wheels_outside_is_not_in():
    # The roof hangs over the lane in the image; the car stands behind it.
    frames = [(t, [car_at(300, 295, h=150)]) for t in range(0, 100, 2)]
    assert run(frames)[0] == []


def test_a_single_frame_glitch_does_not_enter():
    frames = [(0, [car_at(300, 200)]), (1, [car_at(300, 350)]), (2, [car_at(300, 200)])]
    frames += [(t, [car_at(300, 200)]) for t in range(3, 100, 3)]
    tracker = Tracker(max_age_s=10, centroid_ratio=2.0)
    assert run(frames, tracker=tracker)[0] == []


def test_zone_object_types_are_respected():
    bikes_only = Zone("bike shed", LANE.polygon, objects=frozenset({"motorcycle"}), dwell_s=10)
    events, _ = run(drive_in_and_park(stay_s=60), zones=(bikes_only,))
    assert events == []


def test_two_cars_keep_their_own_ids():
    frames = [(t, [car_at(150, 350), car_at(450, 350)]) for t in range(0, 80, 2)]
    events, tracker = run(frames)
    assert sorted(kinds(events)) == [("dwell", 1), ("dwell", 2), ("enter", 1), ("enter", 2)]
    assert sorted(tracker.tracks) == [1, 2]


def test_missed_detections_do_not_split_a_stay():
    frames = drive_in_and_park(stay_s=100, leave=False)
    # The detector misses the parked car for 8 s at a time (motion gating, occlusion).
    frames = [(t, d) if t % 10 else (t, []) for t, d in frames]
    sparse = [f for f in frames if f[0] < 20 or f[0] % 8 == 0]
    events, tracker = run(sparse)
    assert [e.kind for e in events] == ["enter", "dwell"]
    assert len(tracker.tracks) == 1


def test_track_label_follows_the_majority():
    frames = [(t, [car_at(300, 200, label="truck" if t == 3 else "car")]) for t in range(10)]
    _, tracker = run(frames)
    assert [t.label for t in tracker.tracks.values()] == ["car"]


def test_point_in_polygon_handles_concave_shapes():
    l_shape = ((0, 0), (10, 0), (10, 2), (2, 2), (2, 10), (0, 10))
    assert point_in_polygon((1, 9), l_shape)
    assert not point_in_polygon((5, 5), l_shape)
    assert point_in_polygon((10, 1), l_shape)  # on the edge


def test_invalid_zone_is_refused():
    with pytest.raises(ValueError):
        Zone("line", ((0, 0), (1, 1)))


def test_parked_van_in_the_street_video_is_one_stationary_track(int8_detector, opencv_sample):
    import cv2

    cap = cv2.VideoCapture(str(opencv_sample("vtest.avi")))
    tracker = Tracker(max_age_s=30, still_after_s=10)
    frames = 0
    index = 0
    while frames < 16:
        ok, frame = cap.read()
        if not ok:
            break
        if index % 50 == 0:  # the video is 10 fps: one detection every 5 s of scene time
            tracker.update(detect(frame, int8_detector), index / 10.0)
            frames += 1
        index += 1
    cap.release()
    parked = [t for t in tracker.tracks.values() if t.box[0] > 600 and t.box[3] < 130]
    assert len(parked) >= 2  # the van and the car
    assert all(t.stationary and t.hits >= 12 for t in parked), parked
    assert min(t.id for t in parked) <= 2  # the same ids since the first frame


def test_car_driving_out_of_the_picture_inside_the_zone_leaves_after_inertia():
    # Parks, then drives to the frame edge while its bottom centre is still in the zone and
    # is no longer detected; the tracker would keep its last box for max_age_s (75 s).
    frames = drive_in_and_park(80, leave=False)
    end = frames[-1][0]
    frames += [(end + 1, [car_at(340, 350)])] + [(end + 2 + t, []) for t in range(5)]
    events, _ = run(frames, tracker=Tracker(max_age_s=75))
    kinds = [(e.kind, e.at) for e in events]
    assert [k for k, _ in kinds] == ["enter", "dwell", "leave"]
    assert kinds[-1][1] == end + 1 + LANE.inertia  # not 75 s later
