"""Cheap motion gating: run the vehicle detector only when something in the picture moved.

Frame differencing on a small copy costs well under a millisecond per frame; the
detector costs tens to hundreds. A parked car does not move, so a slow periodic "check
anyway" keeps its dwell time and plate read up to date.
"""

from __future__ import annotations

import collections
from dataclasses import dataclass, field

import cv2
import numpy as np

from hardware.camera.base import Frame


@dataclass(frozen=True)
class GateDecision:
    run: bool
    reason: str  # "first", "motion", "periodic" or "still"
    changed: float  # fraction of the picture that changed
    boxes: tuple[tuple[int, int, int, int], ...] = ()  # moving regions, full-resolution x1,y1,x2,y2


@dataclass
class GateStats:
    frames: int = 0
    motion: int = 0
    periodic: int = 0
    skipped: int = 0
    recent: collections.deque = field(default_factory=lambda: collections.deque(maxlen=1000))


class MotionGate:
    """Decide per frame whether the detector should run.

    ``threshold``: change of any colour channel (0-255) counted as different; ``min_area``: fraction
    of the picture a moving blob must cover (filters rain, leaves, sensor noise);
    ``check_every_s``: run anyway when the detector has not run for this long.
    """

    def __init__(self, *, width: int = 160, threshold: int = 25, min_area: float = 0.002,
                 check_every_s: float = 30.0, blur: int = 5):
        self.width = int(width)
        self.threshold = int(threshold)
        self.min_area = float(min_area)
        self.check_every_s = float(check_every_s)
        self.blur = int(blur) | 1
        self._previous: np.ndarray | None = None
        self._last_run_ts: float | None = None
        self._kernel = np.ones((3, 3), np.uint8)
        self.stats = GateStats()

    def reset(self) -> None:
        self._previous = None
        self._last_run_ts = None

    def _small(self, image: np.ndarray) -> np.ndarray:
        h, w = image.shape[:2]
        scale = self.width / float(w)
        small = cv2.resize(image, (self.width, max(1, round(h * scale))), interpolation=cv2.INTER_AREA)
        return cv2.GaussianBlur(small, (self.blur, self.blur), 0)

    def check(self, frame: Frame) -> GateDecision:
        small = self._small(frame.image)
        previous, self._previous = self._previous, small
        if previous is None or previous.shape != small.shape:
            return self._decide(frame, "first", 0.0, ())
        diff = cv2.absdiff(previous, small)
        if diff.ndim == 3:
            # Per-channel maximum, not grey: a dark red car on grey asphalt has almost the
            # same brightness as the road and would vanish in a grey difference.
            diff = diff.max(axis=2)
        _, mask = cv2.threshold(diff, self.threshold, 255, cv2.THRESH_BINARY)
        # Opening removes speckle; dilation joins the parts of one moving car.
        mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, self._kernel)
        mask = cv2.dilate(mask, self._kernel, iterations=2)
        contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        area_px = self.min_area * mask.shape[0] * mask.shape[1]
        scale = frame.image.shape[1] / float(self.width)
        boxes = []
        for contour in contours:
            if cv2.contourArea(contour) >= area_px:
                x, y, w, h = cv2.boundingRect(contour)
                boxes.append((int(x * scale), int(y * scale), int((x + w) * scale), int((y + h) * scale)))
        changed = float(np.count_nonzero(mask)) / mask.size
        if boxes:
            return self._decide(frame, "motion", changed, tuple(boxes))
        if self._last_run_ts is not None and frame.ts - self._last_run_ts >= self.check_every_s:
            return self._decide(frame, "periodic", changed, ())
        return self._decide(frame, "still", changed, ())

    def _decide(self, frame: Frame, reason: str, changed: float, boxes) -> GateDecision:
        run = reason != "still"
        stats = self.stats
        stats.frames += 1
        if reason == "motion":
            stats.motion += 1
        elif reason == "periodic":
            stats.periodic += 1
        elif reason == "still":
            stats.skipped += 1
        stats.recent.append(reason)
        if run:
            self._last_run_ts = frame.ts
        return GateDecision(run=run, reason=reason, changed=changed, boxes=boxes)
