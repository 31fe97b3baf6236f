"""Reading the plate of a car as it approaches the barrier, from the lane's camera.

Every frame's plate reads go into one :class:`models.plates.vote.PlateVoter` per approach;
after each frame the voted best read (if it is a valid plate) is handed to the lane, which
keeps the most confident one until the loop closes. So the decision at the loop costs no
inference, and a car read on ten frames is decided on the vote of ten, not on the last
frame. An approach ends when no plate has been seen for ``idle_s`` (the car has gone in,
or turned away); the next plate starts a fresh vote, so two cars never share one.

Frames are read at most ``max_fps`` times a second: a car at walking pace crosses the
camera's view in seconds, and each read costs tens of milliseconds on a Pi.

With a motion gate (hardware.camera.motion.MotionGate) a frame where nothing moved is not
read at all: a lane's road is empty most of the day, and the gate's frame difference costs
about a millisecond where a plate read costs tens. The gate still reads a still picture
every ``check_every_s``, so a car standing at the barrier keeps its read fresh.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Callable

from models.plates.vote import BestRead, PlateVoter

logger = logging.getLogger(__name__)


class ApproachReader:
    def __init__(self, lane, plate_reader, *, idle_s: float = 3.0, min_reads: int = 2,
                 clock: Callable[[], float] = time.monotonic, pictures=None, gate=None):
        self.lane = lane
        self.plate_reader = plate_reader
        self.idle_s = idle_s
        self.min_reads = min_reads
        self.clock = clock
        self.voter = PlateVoter()
        self.pictures = pictures  # a PictureStore: the plate crop shown to the volunteer
        self._handed_this_car: tuple | None = None  # (best confidence, picture) handed this approach
        self.last_seen: float | None = None
        self.gate = gate  # a MotionGate, or None: every frame is read
        self.frames = 0  # frames read (the health line and tests look)
        self.skipped = 0  # frames the motion gate kept from the plate reader
        self.handed: list[BestRead] = []  # what went to the lane, last ones first-in

    def frame(self, image) -> BestRead | None:
        """Read one frame; returns the vote handed to the lane after it, if any."""
        now = self.clock()
        self.frames += 1
        if self.last_seen is not None and now - self.last_seen > self.idle_s:
            self.voter = PlateVoter()  # a new car
            self.last_seen = None
            self._handed_this_car = None
        reads = self.plate_reader.read(image)
        if not reads:
            return None
        self.last_seen = now
        for r in reads:
            self.voter.add(r.text, r.confidence, r.char_confidences)
        best = self.voter.best()
        if best is None or not best.valid or best.reads < self.min_reads:
            return None
        # A lane without a loop decides on each read it is handed (the exit camera's count):
        # one car is handed once, or it would leave once per frame. A lane with a loop is
        # handed every frame (its read stays fresh while the car waits); a new picture is
        # saved only when the vote got surer.
        last = self._handed_this_car
        if last is not None and not self.lane.waits_for_loop:
            return None
        picture = last[1] if last is not None else ""
        if last is None or best.confidence > last[0]:
            picture = self._picture(image, reads, best.text) or picture
        self._handed_this_car = (max(best.confidence, last[0] if last else 0.0), picture)
        self.lane.plate_read(best.text, best.confidence, picture=picture, trusted=best.trusted)
        self.handed = (self.handed + [best])[-20:]
        return best

    def offer(self, frame) -> BestRead | None:
        """A camera frame: read it, unless the motion gate says nothing moved."""
        if self.gate is not None and not self.gate.check(frame).run:
            self.skipped += 1
            return None
        return self.frame(frame.image)

    def _picture(self, image, reads, text: str) -> str:
        if self.pictures is None:
            return ""
        from appliance.parking.pictures import crop_around

        read = max(reads, key=lambda r: (r.text == text, r.confidence))
        return self.pictures.save(crop_around(image, read.box))

    def run(self, camera, stop: threading.Event, max_fps: float = 5.0) -> None:
        """Read the camera until ``stop`` is set (the feature's thread)."""
        interval = 1.0 / max_fps
        with camera:
            while not stop.is_set():
                started = self.clock()
                frame = camera.read(timeout=1.0)
                if frame is not None:
                    try:
                        self.offer(frame)
                    except Exception:  # a bad frame must not stop the lane's camera
                        logger.exception("plate reading failed on a %s lane frame", self.lane.name)
                stop.wait(max(0.0, interval - (self.clock() - started)))
