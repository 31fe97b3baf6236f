"""Backend selection from the source string, and the lazily imported Pi camera."""

import subprocess
import sys
import types

import numpy as np
import pytest

from hardware.camera import CameraError, open_camera
from hardware.camera.opencv import StreamCamera, V4L2Camera
from hardware.camera.picamera import PiCamera
from hardware.camera.replay import ReplayCamera


@pytest.mark.parametrize(
    "source, cls",
    [
        ("rtsp://admin:pw@192.0.2.10:554/Streaming/Channels/101", StreamCamera),
        ("http://192.0.2.10/video.mjpg", StreamCamera),
        ("v4l2:0", V4L2Camera),
        ("v4l2:/dev/video2", V4L2Camera),
        ("picamera:0", PiCamera),
        ("file:/srv/replays/lane.mp4", ReplayCamera),
        ("file:///srv/replays/lane", ReplayCamera),
    ],
)
def test_source_string_picks_backend(source, cls):
    assert isinstance(open_camera({"source": source}), cls)


def test_file_url_paths():
    assert str(open_camera({"source": "file:///srv/a.mp4"}).path) == "/srv/a.mp4"
    assert str(open_camera({"source": "file:relative/dir"}).path) == "relative/dir"


@pytest.mark.parametrize(
    "spec, words",
    [
        ({"source": "ftp://x"}, "not one of"),
        ({}, "source"),
        ({"source": "file:/x", "fsp": 2}, "fsp"),
        ({"source": "picamera:front"}, "index"),
        ({"source": "v4l2:"}, "device"),
    ],
)
def test_bad_specs_name_the_problem(spec, words):
    with pytest.raises(CameraError, match=words):
        open_camera(spec)


def test_importing_cameras_does_not_import_picamera2():
    code = "import sys, hardware.camera, hardware.camera.picamera; print('picamera2' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_pi_camera_without_picamera2_fails_clearly(monkeypatch):
    monkeypatch.setitem(sys.modules, "picamera2", None)  # what a non-Raspberry-Pi OS has
    cam = open_camera({"source": "picamera:0"})
    with pytest.raises(CameraError, match="python3-picamera2"):
        cam.open()


class FakePicamera2:
    """Stands in for picamera2.Picamera2 with the calls and array layout the real one has."""

    instances: list = []

    def __init__(self, index):
        self.index = index
        self.calls = []
        FakePicamera2.instances.append(self)

    def create_video_configuration(self, main, controls):
        self.calls.append(("config", main, controls))
        return {"main": main, "controls": controls}

    def configure(self, config):
        self.calls.append(("configure", config))

    def start(self):
        self.calls.append(("start",))

    def capture_array(self, stream):
        w, h = self.calls[0][1]["size"]
        return np.full((h, w, 4), 7, np.uint8)  # XBGR8888 comes with a padding channel

    def stop(self):
        self.calls.append(("stop",))

    def close(self):
        self.calls.append(("close",))


def test_pi_camera_uses_picamera2_only_when_opened(monkeypatch):
    FakePicamera2.instances.clear()
    monkeypatch.setitem(sys.modules, "picamera2", types.SimpleNamespace(Picamera2=FakePicamera2))
    cam = open_camera({"source": "picamera:1", "width": 64, "height": 48, "fps": 5})
    assert FakePicamera2.instances == []
    with cam:
        frame = cam.read()
        assert frame.image.shape == (48, 64, 3) and frame.seq == 1
        assert cam.health()["state"] == "streaming"
    (fake,) = FakePicamera2.instances
    assert fake.index == 1
    assert fake.calls[0] == ("config", {"size": (64, 48), "format": "RGB888"}, {"FrameRate": 5.0})
    assert fake.calls[-2:] == [("stop",), ("close",)]
    assert cam.health()["state"] == "closed"
