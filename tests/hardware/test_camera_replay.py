"""File replay from image folders and a video written by OpenCV in the test."""

import time

import cv2
import numpy as np
import pytest

from hardware.camera import CameraError, ReplayCamera, open_camera
from hardware.errors import HardwareError


def numbered_image(n: int, size=(320, 240)) -> np.ndarray:
    w, h = size
    img = np.zeros((h, w, 3), np.uint8)
    # The frame number is encoded as the colour of a big square, so it survives JPEG/MJPG.
    cv2.rectangle(img, (40, 40), (200, 200), (n * 40 % 256, 255 - n * 40 % 256, 128), -1)
    cv2.putText(img, str(n), (220, 120), cv2.FONT_HERSHEY_SIMPLEX, 1.5, (255, 255, 255), 3)
    return img


def colour_of(frame) -> tuple[int, ...]:
    return tuple(int(c) for c in frame.image[120, 120])


@pytest.fixture
def image_folder(tmp_path):
    folder = tmp_path / "lane"
    folder.mkdir()
    for n in range(3):
        cv2.imwrite(str(folder / f"frame_{n:03d}.png"), numbered_image(n))
    (folder / "notes.txt").write_text("not an image")
    return folder


@pytest.fixture
def video_file(tmp_path):
    path = tmp_path / "lane.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 5.0, (320, 240))
    assert writer.isOpened()
    for n in range(4):
        writer.write(numbered_image(n))
    writer.release()
    return path


def test_image_folder_loops_in_name_order_and_keeps_history(image_folder):
    with open_camera({"source": f"file:{image_folder}", "fps": 10, "realtime": False, "start_ts": 1000.0}) as cam:
        frames = [cam.read() for _ in range(7)]
    assert [f.seq for f in frames] == [1, 2, 3, 4, 5, 6, 7]
    assert [f.ts for f in frames] == pytest.approx([1000.0 + i / 10 for i in range(7)])
    assert [colour_of(f) for f in frames[:3]] == [colour_of(f) for f in frames[3:6]]
    assert colour_of(frames[0]) != colour_of(frames[1])
    assert [s.source for s in cam.history] == [f"frame_{n % 3:03d}.png" for n in range(7)]
    assert [s.loop for s in cam.history] == [0, 0, 0, 1, 1, 1, 2]


def test_video_file_loops(video_file):
    with ReplayCamera(video_file, fps=5, realtime=False) as cam:
        frames = [cam.read() for _ in range(9)]
        health = cam.health()
    assert all(f.image.shape == (240, 320, 3) for f in frames)
    # MJPG is lossy: compare colours loosely, frame 4 is frame 0 again.
    assert np.abs(np.subtract(colour_of(frames[4]), colour_of(frames[0]))).max() < 8
    assert np.abs(np.subtract(colour_of(frames[1]), colour_of(frames[0]))).max() > 30
    assert [s.source for s in cam.history][:5] == ["lane.avi#0", "lane.avi#1", "lane.avi#2", "lane.avi#3", "lane.avi#0"]
    assert health["loops"] == 2 and health["frames"] == 9


def test_without_loop_the_replay_ends(video_file):
    with ReplayCamera(video_file, fps=5, realtime=False, loop=False) as cam:
        frames = [cam.read() for _ in range(6)]
        assert cam.health()["state"] == "ended"
    assert [f is not None for f in frames] == [True] * 4 + [False] * 2


def test_realtime_replay_is_paced_at_fps(image_folder):
    with ReplayCamera(image_folder, fps=20) as cam:
        started = time.monotonic()
        for _ in range(5):
            assert cam.read(timeout=1.0) is not None
        elapsed = time.monotonic() - started
    assert elapsed >= 4 / 20 - 0.01  # frame 1 is due at once, frame 5 after four intervals


def test_read_times_out_when_next_frame_is_not_due(image_folder):
    with ReplayCamera(image_folder, fps=1) as cam:
        assert cam.read(timeout=0.05) is not None
        assert cam.read(timeout=0.05) is None
        assert cam.snapshot().seq == 1


def test_unreadable_images_are_skipped(image_folder):
    (image_folder / "frame_001.png").write_bytes(b"broken")
    with ReplayCamera(image_folder, realtime=False) as cam:
        names = [cam.history[-1].source for _ in range(4) if cam.read()]
    assert names == ["frame_000.png", "frame_002.png", "frame_000.png", "frame_002.png"]
    assert cam.skipped == ["frame_001.png"]


@pytest.mark.parametrize("make", ["missing", "empty", "not-video"])
def test_bad_sources_raise_camera_errors(tmp_path, make):
    path = tmp_path / "x"
    if make == "empty":
        path.mkdir()
    elif make == "not-video":
        path.write_text("hello")
    with pytest.raises(CameraError) as info:
        ReplayCamera(path).open()
    assert isinstance(info.value, HardwareError)


def test_reading_a_closed_camera_is_an_error(image_folder):
    cam = ReplayCamera(image_folder)
    with pytest.raises(CameraError):
        cam.read()


def test_replay_fixture_drives_the_motion_gate(replay_camera):
    from hardware.camera import MotionGate

    gate = MotionGate()
    reasons = []
    while (frame := replay_camera.read()) is not None and frame.seq <= 6:
        reasons.append(gate.check(frame).reason)
    assert reasons == ["first"] + ["motion"] * 5
    assert replay_camera.snapshot().seq == 7  # the loop went round once more
