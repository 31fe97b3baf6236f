"""The one camera interface every backend implements."""

from __future__ import annotations

import abc
import re
import time
from dataclasses import dataclass

import numpy as np

from hardware.errors import HardwareError

# Health states, in the words /healthz shows.
CONNECTING = "connecting"
STREAMING = "streaming"
RECONNECTING = "reconnecting"
STALE = "stale"
ENDED = "ended"
CLOSED = "closed"


class CameraError(HardwareError):
    """A camera cannot be opened or read."""


@dataclass(frozen=True)
class Frame:
    """One picture: BGR pixels as OpenCV uses them, wall-clock time, and a per-camera counter.

    The same array is handed to every reader and to ``snapshot()``: copy it before drawing.
    """

    image: np.ndarray
    ts: float
    seq: int


def redact_source(source: str) -> str:
    """Hide credentials in camera URLs (rtsp://user:pass@host) before logging or showing them."""
    return re.sub(r"(?<=://)[^/@]*@", "***@", str(source))


class Camera(abc.ABC):
    """A source of frames. Use as a context manager.

    ``read()`` returns the next new frame, or None when none came within ``timeout``;
    callers treat None as "nothing to look at now" and keep going, since the camera
    reconnects on its own.
    """

    source: str = ""

    def __enter__(self) -> "Camera":
        self.open()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @abc.abstractmethod
    def open(self) -> None: ...

    @abc.abstractmethod
    def close(self) -> None: ...

    @abc.abstractmethod
    def read(self, timeout: float | None = 1.0) -> Frame | None: ...

    @abc.abstractmethod
    def snapshot(self) -> Frame | None:
        """The latest frame without consuming it (the zone editor's background picture)."""

    @abc.abstractmethod
    def health(self) -> dict:
        """At least ``state``, ``last_frame_age_s`` (None before the first frame) and ``reconnects``."""

    def snapshot_jpeg(self, quality: int = 85) -> bytes | None:
        import cv2

        frame = self.snapshot()
        if frame is None:
            return None
        ok, buf = cv2.imencode(".jpg", frame.image, [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
        if not ok:
            raise CameraError("could not encode the snapshot as JPEG")
        return buf.tobytes()


def frame_age(last_monotonic: float | None, clock=time.monotonic) -> float | None:
    return None if last_monotonic is None else max(0.0, clock() - last_monotonic)
