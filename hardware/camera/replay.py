"""File replay: a video file or a folder of images served as a camera, looping, at a given fps.

The demo community and the end-to-end tests watch recorded scenes through this backend,
so it behaves like a live camera: paced frames, increasing ``seq``, and a timeline
``ts = start + seq / fps`` that the dwell logic can trust even when replaying faster.
"""

from __future__ import annotations

import collections
import logging
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import cv2

from hardware.camera.base import CLOSED, ENDED, STREAMING, Camera, CameraError, Frame, frame_age

logger = logging.getLogger(__name__)

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff"}


@dataclass(frozen=True)
class Served:
    """One entry of the replay history: which picture went out as which frame."""

    seq: int
    ts: float
    source: str  # image file name, or "<video name>#<frame index>"
    loop: int


class ReplayCamera(Camera):
    """Serve a video file or an image folder. ``realtime=False`` serves as fast as asked."""

    def __init__(
        self,
        path: str | os.PathLike,
        *,
        fps: float = 2.0,
        loop: bool = True,
        realtime: bool = True,
        history_size: int = 10000,
        start_ts: float | None = None,
        clock=time.monotonic,
        sleep=time.sleep,
        wall=time.time,
    ):
        if fps <= 0:
            raise CameraError("replay fps must be positive")
        self.path = Path(path)
        self.source = f"file:{self.path}"
        self.fps = float(fps)
        self.loop = loop
        self.realtime = realtime
        self.history: collections.deque[Served] = collections.deque(maxlen=history_size)
        self._start_ts = start_ts
        self._clock = clock
        self._sleep = sleep
        self._wall = wall
        self._lock = threading.Lock()
        self._images: list[Path] | None = None
        self._video: cv2.VideoCapture | None = None
        self._index = 0  # next image index, or frame index in the video
        self._loops = 0
        self._seq = 0
        self._t0_mono = 0.0
        self._t0_wall = 0.0
        self._latest: Frame | None = None
        self._last_served: float | None = None
        self._state = CLOSED
        self.skipped: list[str] = []

    def open(self) -> None:
        if self._state != CLOSED:
            return
        if self.path.is_dir():
            images = sorted(p for p in self.path.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
            if not images:
                raise CameraError(f"no images in {self.path}")
            self._images = images
        elif self.path.is_file():
            self._video = self._open_video()
        else:
            raise CameraError(f"replay source {self.path} does not exist")
        self._t0_mono = self._clock()
        self._t0_wall = self._wall() if self._start_ts is None else self._start_ts
        self._state = STREAMING

    def _open_video(self) -> cv2.VideoCapture:
        cap = cv2.VideoCapture(str(self.path))
        if not cap.isOpened():
            cap.release()
            raise CameraError(f"{self.path.name} is not a video OpenCV can read")
        return cap

    def close(self) -> None:
        with self._lock:
            if self._video is not None:
                self._video.release()
                self._video = None
            self._state = CLOSED

    # -- frames -------------------------------------------------------------------
    def read(self, timeout: float | None = 1.0) -> Frame | None:
        with self._lock:
            if self._state == CLOSED:
                raise CameraError(f"camera {self.source} is not open")
            if self._state == ENDED:
                return None
            if self.realtime:
                wait = self._t0_mono + self._seq / self.fps - self._clock()
                if wait > 0:
                    if timeout is not None and wait > timeout:
                        self._sleep(timeout)
                        return None
                    self._sleep(wait)
            picture = self._next_picture()
            if picture is None:
                self._state = ENDED
                return None
            image, name = picture
            frame = Frame(image=image, ts=self._t0_wall + self._seq / self.fps, seq=self._seq + 1)
            self._seq += 1
            self._latest = frame
            self._last_served = self._clock()
            self.history.append(Served(frame.seq, frame.ts, name, self._loops))
            return frame

    def _next_picture(self):
        if self._images is not None:
            return self._next_image()
        return self._next_video_frame()

    def _next_image(self):
        images = self._images
        for _ in range(len(images) + 1):
            if self._index >= len(images):
                if not self.loop:
                    return None
                self._index = 0
                self._loops += 1
            path = images[self._index]
            self._index += 1
            image = cv2.imread(str(path), cv2.IMREAD_COLOR)
            if image is not None:
                return image, path.name
            if path.name not in self.skipped:
                logger.warning("replay: skipping unreadable image %s", path.name)
                self.skipped.append(path.name)
        raise CameraError(f"no readable image in {self.path}")

    def _next_video_frame(self):
        ok, image = self._video.read()
        if not ok:
            if not self.loop:
                return None
            # Seeking back is unreliable with some codecs; reopening always works.
            self._video.release()
            self._video = self._open_video()
            self._index = 0
            self._loops += 1
            ok, image = self._video.read()
            if not ok:
                raise CameraError(f"{self.path.name} has no readable frames")
        name = f"{self.path.name}#{self._index}"
        self._index += 1
        return image, name

    def snapshot(self) -> Frame | None:
        return self._latest

    def health(self) -> dict:
        age = frame_age(self._last_served, self._clock)
        return {
            "state": self._state,
            "last_frame_age_s": None if age is None else round(age, 3),
            "reconnects": 0,
            "frames": self._seq,
            "loops": self._loops,
            "source": self.source,
        }
