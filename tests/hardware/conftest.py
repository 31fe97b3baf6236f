import cv2
import numpy as np
import pytest

from hardware.camera import ReplayCamera
from hardware.modem import Modem, SimulatedModem

from .mjpeg_server import MjpegServer


@pytest.fixture
def sim_modem():
    """A simulated 4G dongle on a real pty; ``sim_modem.port`` is its device path."""
    with SimulatedModem() as sim:
        yield sim


@pytest.fixture
def modem(sim_modem):
    """The real Modem class, opened through pyserial on the simulator's pty."""
    with Modem(sim_modem.port, command_timeout=2.0, sms_timeout=5.0) as m:
        yield m


@pytest.fixture
def mjpeg_server():
    """A local MJPEG-over-HTTP camera; ``.url`` to open, ``.stop()``/``.start()``, ``.mode``."""
    srv = MjpegServer()
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture
def replay_camera(tmp_path):
    """An opened replay camera over six drawn frames of a car crossing, not paced in real time."""
    folder = tmp_path / "replay"
    folder.mkdir()
    for n in range(6):
        img = np.full((240, 320, 3), 80, np.uint8)
        cv2.rectangle(img, (n * 40, 120), (n * 40 + 60, 170), (30, 30, 160), -1)
        cv2.imwrite(str(folder / f"{n:03d}.jpg"), img)
    with ReplayCamera(folder, fps=2.0, realtime=False, start_ts=0.0) as cam:
        yield cam
