"""CCTV streams (RTSP/HTTP) and USB cameras through OpenCV, with a grabber thread.

A grabber thread reads as fast as the source delivers and keeps only the newest frame:
the watch loop looks at a few frames a second, and reading lazily would make OpenCV's
buffer hand out pictures that are seconds old. The thread reconnects with exponential
backoff and drops a stream whose picture stops or freezes (a hung NVR keeps sending the
same image, which would otherwise look like a healthy, empty fire lane).
"""

from __future__ import annotations

import logging
import os
import threading
import time
import zlib

import cv2
import numpy as np

from hardware.camera.base import (
    CLOSED,
    CONNECTING,
    RECONNECTING,
    STALE,
    STREAMING,
    Camera,
    CameraError,
    Frame,
    frame_age,
    redact_source,
)

logger = logging.getLogger(__name__)


class OpenCVCamera(Camera):
    """Any source ``cv2.VideoCapture`` can open, read on a background thread."""

    def __init__(
        self,
        source: str | int,
        *,
        api_preference: int = cv2.CAP_ANY,
        open_params: list[int] | None = None,
        width: int | None = None,
        height: int | None = None,
        stale_after_s: float = 10.0,
        max_fps: float | None = None,
        fourcc: str | None = None,
        backoff_initial_s: float = 0.5,
        backoff_max_s: float = 30.0,
        capture_factory=cv2.VideoCapture,
        clock=time.monotonic,
        wall=time.time,
    ):
        self._target = source
        self.source = redact_source(str(source))
        self._api = api_preference
        self._params = list(open_params or [])
        self._size = (width, height)
        self.stale_after_s = stale_after_s
        self.max_fps = max_fps
        self._fourcc = fourcc
        self.backoff_initial_s = backoff_initial_s
        self.backoff_max_s = backoff_max_s
        self._factory = capture_factory
        self._clock = clock
        self._wall = wall
        self._cond = threading.Condition()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._latest: Frame | None = None
        self._returned_seq = 0
        self._seq = 0
        self._last_new: float | None = None
        self._state = CLOSED
        self._connected_once = False
        self.reconnects = 0
        self.failed_attempts = 0
        self.last_error: str | None = None
        # (monotonic time, succeeded) of every connection attempt, for health and tests.
        self.attempts: list[tuple[float, bool]] = []

    # -- lifecycle --------------------------------------------------------------
    def open(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._state = CONNECTING
        self._thread = threading.Thread(target=self._run, name=f"camera {self.source}", daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._stop.set()
        with self._cond:
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=10.0)
            if self._thread.is_alive():
                logger.warning("camera %s grabber did not stop in time", self.source)
            self._thread = None
        self._state = CLOSED

    def wait_streaming(self, timeout: float) -> bool:
        """Block until the first frame arrived (True) or ``timeout`` passed (False)."""
        with self._cond:
            return self._cond.wait_for(lambda: self._latest is not None or self._stop.is_set(), timeout) and (
                self._latest is not None
            )

    # -- frames -------------------------------------------------------------------
    def read(self, timeout: float | None = 1.0) -> Frame | None:
        if self._thread is None:
            raise CameraError(f"camera {self.source} is not open")
        with self._cond:
            got = self._cond.wait_for(
                lambda: (self._latest is not None and self._latest.seq > self._returned_seq) or self._stop.is_set(),
                timeout,
            )
            if not got or self._latest is None or self._latest.seq <= self._returned_seq:
                return None
            self._returned_seq = self._latest.seq
            return self._latest

    def snapshot(self) -> Frame | None:
        with self._cond:
            return self._latest

    def health(self) -> dict:
        age = frame_age(self._last_new, self._clock)
        state = self._state
        if state == STREAMING and age is not None and age > self.stale_after_s:
            state = STALE
        return {
            "state": state,
            "last_frame_age_s": None if age is None else round(age, 3),
            "reconnects": self.reconnects,
            "failed_attempts": self.failed_attempts,
            "frames": self._seq,
            "last_error": self.last_error,
            "source": self.source,
        }

    # -- grabber thread -----------------------------------------------------------------
    def _open_capture(self):
        try:
            if self._params:
                cap = self._factory(self._target, self._api, self._params)
            else:
                cap = self._factory(self._target, self._api)
        except cv2.error as exc:
            self.last_error = f"open failed: {exc}"
            return None
        if not cap.isOpened():
            cap.release()
            self.last_error = "source cannot be opened"
            return None
        if self._fourcc:
            # USB webcams send raw YUYV by default, which USB 2 carries at only ~10 fps at 720p.
            cap.set(cv2.CAP_PROP_FOURCC, cv2.VideoWriter_fourcc(*self._fourcc))
        width, height = self._size
        if width:
            cap.set(cv2.CAP_PROP_FRAME_WIDTH, width)
        if height:
            cap.set(cv2.CAP_PROP_FRAME_HEIGHT, height)
        return cap

    def _run(self) -> None:
        backoff = self.backoff_initial_s
        while not self._stop.is_set():
            cap = self._open_capture()
            self.attempts.append((self._clock(), cap is not None))
            if cap is None:
                self.failed_attempts += 1
                logger.warning("camera %s: %s; retrying in %.1f s", self.source, self.last_error, backoff)
            else:
                if self._connected_once:
                    self.reconnects += 1
                self._connected_once = True
                self._state = STREAMING
                logger.info("camera %s connected", self.source)
                try:
                    if self._stream(cap):
                        backoff = self.backoff_initial_s
                finally:
                    cap.release()
                if self._stop.is_set():
                    break
                logger.warning("camera %s: %s; reconnecting in %.1f s", self.source, self.last_error, backoff)
            self._state = RECONNECTING if self._connected_once else CONNECTING
            if self._stop.wait(backoff):
                break
            backoff = min(backoff * 2.0, self.backoff_max_s)

    def _stream(self, cap) -> bool:
        """Read until the source fails or goes stale; True when at least one new frame came."""
        got_any = False
        last_digest: int | None = None
        fresh_at = self._clock()
        min_gap = 1.0 / self.max_fps if self.max_fps else 0.0
        retrieved_at = float("-inf")
        while not self._stop.is_set():
            try:
                # grab() keeps up with the source so the picture stays current; converting to
                # BGR (retrieve) only at max_fps saves most of the CPU on a Pi.
                ok = cap.grab()
                now = self._clock()
                if ok and now - retrieved_at < min_gap:
                    continue
                image = cap.retrieve()[1] if ok else None
            except cv2.error as exc:
                self.last_error = f"read failed: {exc}"
                return got_any
            if not ok or image is None:
                self.last_error = "stream ended or timed out"
                return got_any
            retrieved_at = now
            digest = _digest(image)
            if digest == last_digest:
                # Same picture again: do not hand it out as news, and give up once it lasts.
                if now - fresh_at > self.stale_after_s:
                    self._state = STALE
                    self.last_error = "picture frozen"
                    return got_any
                continue
            last_digest = digest
            fresh_at = now
            got_any = True
            with self._cond:
                self._seq += 1
                self._latest = Frame(image=image, ts=self._wall(), seq=self._seq)
                self._last_new = now
                self._cond.notify_all()
        return got_any


def _digest(image: np.ndarray) -> int:
    # A sparse sample is enough: live sensors never repeat it exactly, a frozen encoder always does.
    return zlib.crc32(np.ascontiguousarray(image[::8, ::8]).tobytes())


class StreamCamera(OpenCVCamera):
    """Existing CCTV cameras or NVR channels over RTSP, or MJPEG/HLS over HTTP."""

    def __init__(self, url: str, *, open_timeout_s: float = 10.0, read_timeout_s: float = 10.0,
                 rtsp_tcp: bool = True, **kw):
        if rtsp_tcp and url.lower().startswith(("rtsp://", "rtsps://")):
            # UDP loses packets across community Wi-Fi bridges and yields smeared grey frames;
            # OpenCV takes FFmpeg options only from this process-wide variable.
            os.environ.setdefault("OPENCV_FFMPEG_CAPTURE_OPTIONS", "rtsp_transport;tcp")
        params = [
            cv2.CAP_PROP_OPEN_TIMEOUT_MSEC, int(open_timeout_s * 1000),
            cv2.CAP_PROP_READ_TIMEOUT_MSEC, int(read_timeout_s * 1000),
        ]
        super().__init__(url, api_preference=cv2.CAP_FFMPEG, open_params=params, **kw)


class V4L2Camera(OpenCVCamera):
    """A USB webcam through Video4Linux2; ``device`` is an index or a /dev/video path."""

    def __init__(self, device: int | str = 0, *, fourcc: str | None = "MJPG", **kw):
        super().__init__(device, api_preference=cv2.CAP_V4L2, fourcc=fourcc, **kw)
