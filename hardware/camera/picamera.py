"""The Raspberry Pi camera through picamera2.

picamera2 comes with Raspberry Pi OS (``apt install python3-picamera2``) and cannot be
installed from PyPI on other systems, so it is imported only when a Pi camera is opened;
everywhere else that is a clear CameraError instead of an ImportError at start-up.
"""

from __future__ import annotations

import importlib
import logging
import threading
import time

from hardware.camera.base import CLOSED, STREAMING, Camera, CameraError, Frame, frame_age

logger = logging.getLogger(__name__)

INSTALL_HINT = (
    "picamera2 is not available; it ships with Raspberry Pi OS (apt install python3-picamera2) "
    "and cannot be installed elsewhere - use a USB (v4l2:0) or network (rtsp://) camera instead"
)


def load_picamera2():
    """Import picamera2 on demand; raise CameraError when it is not installed."""
    try:
        module = importlib.import_module("picamera2")
    except ImportError as exc:
        raise CameraError(INSTALL_HINT) from exc
    return module.Picamera2


class PiCamera(Camera):
    """CSI camera ``index`` at ``width``x``height``."""

    def __init__(self, index: int = 0, *, width: int = 1280, height: int = 720, fps: float = 10.0,
                 clock=time.monotonic, wall=time.time):
        self.index = index
        self.source = f"picamera:{index}"
        self.size = (int(width), int(height))
        self.fps = float(fps)
        self._clock = clock
        self._wall = wall
        self._cam = None
        self._lock = threading.Lock()
        self._seq = 0
        self._latest: Frame | None = None
        self._last: float | None = None
        self.last_error: str | None = None

    def open(self) -> None:
        if self._cam is not None:
            return
        picamera2_cls = load_picamera2()
        try:
            cam = picamera2_cls(self.index)
            # libcamera's "RGB888" is B,G,R in memory: exactly OpenCV's BGR, no conversion needed.
            config = cam.create_video_configuration(
                main={"size": self.size, "format": "RGB888"},
                controls={"FrameRate": self.fps},
            )
            cam.configure(config)
            cam.start()
        except Exception as exc:  # picamera2/libcamera raise RuntimeError, IndexError, OSError...
            raise CameraError(f"Pi camera {self.index} cannot be started: {exc}") from exc
        self._cam = cam

    def close(self) -> None:
        cam, self._cam = self._cam, None
        if cam is None:
            return
        try:
            cam.stop()
            cam.close()
        except Exception:  # closing must never take the caller down
            logger.warning("Pi camera %s did not close cleanly", self.index, exc_info=True)

    def read(self, timeout: float | None = 1.0) -> Frame | None:
        if self._cam is None:
            raise CameraError(f"camera {self.source} is not open")
        with self._lock:
            try:
                image = self._cam.capture_array("main")
            except Exception as exc:
                self.last_error = str(exc)
                raise CameraError(f"Pi camera {self.index} read failed: {exc}") from exc
            if image.ndim == 3 and image.shape[2] == 4:
                image = image[:, :, :3]
            self._seq += 1
            self._last = self._clock()
            self._latest = Frame(image=image, ts=self._wall(), seq=self._seq)
            return self._latest

    def snapshot(self) -> Frame | None:
        return self._latest

    def health(self) -> dict:
        age = frame_age(self._last, self._clock)
        return {
            "state": STREAMING if self._cam is not None else CLOSED,
            "last_frame_age_s": None if age is None else round(age, 3),
            "reconnects": 0,
            "frames": self._seq,
            "last_error": self.last_error,
            "source": self.source,
        }
