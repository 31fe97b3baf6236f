import random

import cv2
import numpy as np
import pytest

from models.face.detect import Face
from models.face.liveness import FAILED, PASSED, WAITING, Challenge, LivenessCheck, pick_challenge

# A rough 3-D head: eyes, nose tip, mouth, ears (x to the image's right, y down, z away
# from the camera). The nose sticks out towards the camera.
HEAD = np.array([[-0.5, 0.0, 0.0], [0.5, 0.0, 0.0], [0.0, 0.55, -0.45],
                 [0.0, 1.0, -0.1], [-0.95, 0.3, 0.7], [0.95, 0.3, 0.7]])


def head_face(to_subjects_left_deg=0.0, chin_down_deg=0.0, scale=80.0, at=(320.0, 200.0)) -> Face:
    """Keypoints of the 3-D head seen by a (non-mirrored) camera after a turn and a nod."""
    yaw = np.radians(-to_subjects_left_deg)
    pitch = np.radians(chin_down_deg)
    ry = np.array([[np.cos(yaw), 0, np.sin(yaw)], [0, 1, 0], [-np.sin(yaw), 0, np.cos(yaw)]])
    rx = np.array([[1, 0, 0], [0, np.cos(pitch), -np.sin(pitch)], [0, np.sin(pitch), np.cos(pitch)]])
    points = HEAD @ (rx @ ry).T
    kp = points[:, :2] * scale + at
    return Face(box=(kp[:, 0].min(), kp[:, 1].min() - 40, kp[:, 0].max(), kp[:, 1].max() + 20),
                score=0.9, keypoints=kp.astype(np.float32))


def run(check, faces):
    state = None
    for face in faces:
        state = check.feed(face)
        if state.status != WAITING:
            break
    return state


def sweep(peak, steps=8, **kw):
    angles = list(np.linspace(0, peak, steps)) + list(np.linspace(peak, 0, steps))
    return [head_face(**{kw["axis"]: 0.0})] * 3 + [head_face(**{kw["axis"]: a}) for a in angles]


@pytest.mark.parametrize("challenge, axis, peak", [
    (Challenge.TURN_LEFT, "to_subjects_left_deg", 30),
    (Challenge.TURN_RIGHT, "to_subjects_left_deg", -30),
    (Challenge.NOD, "chin_down_deg", 25),
])
def test_a_head_doing_what_was_asked_passes(challenge, axis, peak):
    assert run(LivenessCheck(challenge), sweep(peak, axis=axis)).status == PASSED


def test_turning_the_wrong_way_fails():
    state = run(LivenessCheck(Challenge.TURN_LEFT), sweep(-30, axis="to_subjects_left_deg"))
    assert state.status == FAILED and state.reason == "wrong_movement"


def test_mirrored_preview_swaps_left_and_right():
    faces = sweep(30, axis="to_subjects_left_deg")
    mirrored = [Face(f.box, f.score, np.column_stack([640 - f.keypoints[:, 0], f.keypoints[:, 1]])[[1, 0, 2, 3, 5, 4]])
                for f in faces]
    assert run(LivenessCheck(Challenge.TURN_LEFT, mirrored=True), mirrored).status == PASSED


def test_turn_that_never_comes_back_does_not_pass_yet():
    faces = [head_face()] * 3 + [head_face(to_subjects_left_deg=a) for a in np.linspace(0, 30, 8)]
    assert run(LivenessCheck(Challenge.TURN_LEFT), faces).status == WAITING


def test_swapping_a_frontal_photo_for_a_turned_one_is_a_jump():
    faces = [head_face()] * 4 + [head_face(to_subjects_left_deg=35)] + [head_face()] * 3
    state = run(LivenessCheck(Challenge.TURN_LEFT), faces)
    assert state.status == FAILED and state.reason == "jump"


def test_nobody_moving_times_out():
    check = LivenessCheck(Challenge.NOD)
    state = run(check, [head_face()] * 200)
    assert state.status == FAILED and state.reason == "timeout"


def test_challenge_is_chosen_at_random_from_all_three():
    rng = random.Random(3)
    assert {pick_challenge(rng) for _ in range(50)} == set(Challenge)


def held_photo_frames(image, count, rng):
    """A printed photo held up to the camera: it drifts, rolls, comes closer and is tilted
    away and back (up to 40 degrees about either axis), as a person tries to fake a turn."""
    h, w = image.shape[:2]
    for i in range(count):
        phase = np.sin(i / count * 2 * np.pi)
        tilt_y, tilt_x = np.radians(40 * phase), np.radians(30 * np.cos(i / count * 2 * np.pi))
        f = 1.2 * w
        corners = np.array([[-w / 2, -h / 2, 0], [w / 2, -h / 2, 0], [w / 2, h / 2, 0], [-w / 2, h / 2, 0]])
        ry = np.array([[np.cos(tilt_y), 0, np.sin(tilt_y)], [0, 1, 0], [-np.sin(tilt_y), 0, np.cos(tilt_y)]])
        rx = np.array([[1, 0, 0], [0, np.cos(tilt_x), -np.sin(tilt_x)], [0, np.sin(tilt_x), np.cos(tilt_x)]])
        pts = corners @ (rx @ ry).T + [0, 0, 2.2 * w]
        projected = (pts[:, :2] / pts[:, 2:] * f + [w / 2, h / 2]).astype(np.float32)
        source = (corners[:, :2] + [w / 2, h / 2]).astype(np.float32)
        matrix = cv2.getPerspectiveTransform(source, projected)
        frame = cv2.warpPerspective(image, matrix, (w, h), borderValue=(40, 40, 40))
        roll = cv2.getRotationMatrix2D((w / 2, h / 2), 8 * phase + rng.uniform(-1, 1), 1.0 + 0.15 * phase)
        roll[:, 2] += 20 * phase + rng.uniform(-2, 2, 2)
        yield cv2.warpAffine(frame, roll, (w, h), borderValue=(40, 40, 40))


@pytest.mark.parametrize("name", ["obama.jpg", "obama2.jpg", "obama3.jpg", "biden.jpg"])
@pytest.mark.parametrize("zoom", [0.8, 1.4])
def test_a_still_photo_never_passes(face_pipeline, photo, name, zoom):
    image = photo(name)
    face = face_pipeline.detector.detect(image)[0]
    cx, cy, half = (face.box[0] + face.box[2]) / 2, (face.box[1] + face.box[3]) / 2, face.width * zoom
    portrait = cv2.resize(image[max(0, int(cy - half)):int(cy + half), max(0, int(cx - half)):int(cx + half)], (480, 480))
    frames = list(held_photo_frames(portrait, 80, np.random.default_rng(1)))
    detections = [(face_pipeline.detector.detect(f) or [None])[0] for f in frames]
    assert sum(d is not None for d in detections) >= 60
    for challenge in Challenge:
        check = LivenessCheck(challenge)
        for detection in detections:
            assert check.feed(detection).status != PASSED
