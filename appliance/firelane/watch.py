"""One camera's fire-lane watch: frames -> vehicles -> tracks -> zones -> plates -> incidents.

Plates are read on every processed frame while a vehicle arrives (not after it stopped) and
voted per track; reading stops for a track once its vote is settled, to save CPU.
"""
from __future__ import annotations

import datetime
import logging
import threading
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from models.errors import ModelError
from models.plates.vote import PlateVoter
from models.vehicles.track import Tracker
from models.vehicles.zones import ZoneWatcher

logger = logging.getLogger(__name__)


class FrameSource(Protocol):
    """What the watch needs of a camera (hardware.camera.Camera has this shape): read() gives
    an object with .image (BGR) and .ts (seconds), or None when no new frame came in time."""

    def read(self, timeout: float | None = 1.0): ...


class Gate(Protocol):
    """Motion gating (hardware.camera.motion.MotionGate): check(frame).run says detect or skip."""

    def check(self, frame): ...


@dataclass(frozen=True)
class ReplayFrame:
    image: np.ndarray
    ts: float
    seq: int = 0


@dataclass
class _TrackPlates:
    voter: PlateVoter = field(default_factory=PlateVoter)
    best_crop: np.ndarray | None = None
    best_score: float = -1e9  # sharpness of a confident read, else confidence - 1
    reads: int = 0

    def settled(self) -> bool:
        best = self.voter.best()
        return best is not None and best.valid and best.reads >= 6 and best.confidence >= 0.85


class FireLaneWatch:
    def __init__(self, camera: str, lane, detector, plate_reader, tracker: Tracker | None = None,
                 clock=None, zone_refresh_s: float = 10.0, snapshot_every_s: float = 10.0):
        self.camera = camera
        self.lane = lane  # appliance.firelane.lane.LaneEvents
        self.detector = detector
        self.plate_reader = plate_reader
        # A parked car is seen only on the gate's periodic checks (about every 30 s): keep its
        # track alive well past that, or every check would start a new stay.
        self.tracker = tracker or Tracker(max_age_s=75.0)
        self.clock = clock or lane.clock
        self.zone_refresh_s = zone_refresh_s
        self._zones: dict[str, object] = {}
        self._watcher: ZoneWatcher | None = None
        self._zones_key = None
        self._zones_at = -1e9
        self._plates: dict[int, _TrackPlates] = {}
        self.snapshot_every_s = snapshot_every_s
        self._snapshot_at = -1e9

    # --- zones --------------------------------------------------------------------------
    def _refresh_zones(self, now: float) -> None:
        if now - self._zones_at < self.zone_refresh_s and self._watcher is not None:
            return
        self._zones_at = now
        specs = self.lane.zone_specs(self.camera)
        key = tuple((z.id, spec) for z, spec in specs)
        if key != self._zones_key:
            self._zones_key = key
            self._zones = {spec.name: z for z, spec in specs}
            self._watcher = ZoneWatcher([spec for _, spec in specs])

    # --- plates -------------------------------------------------------------------------
    def _read_plates(self, frame: np.ndarray, tracks, now: float) -> None:
        h, w = frame.shape[:2]
        for track in tracks:
            tp = self._plates.setdefault(track.id, _TrackPlates())
            if tp.settled() or track.last_seen < now:
                continue  # settled, or not seen in this frame (its box is where it was)
            x1, y1, x2, y2 = track.box
            mx, my = int((x2 - x1) * 0.1), int((y2 - y1) * 0.1)
            x1, y1 = max(0, x1 - mx), max(0, y1 - my)
            x2, y2 = min(w, x2 + mx), min(h, y2 + my)
            crop = frame[y1:y2, x1:x2]
            if crop.shape[0] < 20 or crop.shape[1] < 40:
                continue
            try:
                reads = self.plate_reader.read(crop)
            except ModelError:
                logger.debug("plate reader failed on track %s", track.id)
                continue
            for r in reads:
                tp.voter.add_read(r)
                tp.reads += 1
                # The volunteer sees the sharpest of the confident crops.
                score = r.sharpness if r.confidence >= 0.8 else r.confidence - 1.0
                if score > tp.best_score:
                    bx1, by1, bx2, by2 = r.box
                    tp.best_score, tp.best_crop = score, crop[by1:by2, bx1:bx2].copy()

    # --- one frame ----------------------------------------------------------------------
    def process(self, frame: np.ndarray, ts: float) -> list:
        self._refresh_zones(ts)
        if ts - self._snapshot_at >= self.snapshot_every_s:
            self._snapshot_at = ts
            self.lane.picture(self.camera, frame)
        detections = self.detector.detect(frame)
        tracks = self.tracker.update(detections, ts)
        self._read_plates(frame, tracks, ts)
        events = self._watcher.update(tracks, ts, self.tracker.ended) if self._watcher else []
        wall = self.clock()
        by_id = {t.id: t for t in tracks}
        for ev in events:
            zone = self._zones.get(ev.zone)
            if zone is None:
                continue
            tp = self._plates.get(ev.track_id, _TrackPlates())
            if ev.kind == "dwell" and zone.kind == "fire_lane":
                entered = wall - datetime.timedelta(seconds=ts - ev.entered_at)
                self.lane.dwelt(zone, self.camera, ev.track_id, ev.label, entered.replace(microsecond=0),
                                frame=frame, box=ev.box, plate=tp.voter.best(), plate_crop=tp.best_crop)
            elif ev.kind == "leave" and zone.kind == "fire_lane":
                self.lane.left(zone, ev.track_id)
        # Incidents still open get the latest snapshot and better plate reads.
        if self._watcher is not None:
            for name, zone in self._zones.items():
                if zone.kind != "fire_lane":
                    continue
                for tid in self._watcher.present(name):
                    if tid in by_id:
                        tp = self._plates.get(tid, _TrackPlates())
                        self.lane.still_there(zone, tid, frame=frame, box=by_id[tid].box,
                                              plate=tp.voter.best(), plate_crop=tp.best_crop)
            self._update_occupancy(by_id)
        for t in self.tracker.ended:
            self._plates.pop(t.id, None)
        return events

    def _update_occupancy(self, by_id) -> None:
        for name, zone in self._zones.items():
            if zone.kind != "parking":
                continue
            plates = []
            for tid in self._watcher.present(name):
                best = self._plates.get(tid, _TrackPlates()).voter.best()
                plates.append(best.text if best and best.valid else "")
            self.lane.parking_count(self.camera, name, plates)

    def run(self, source: FrameSource, stop: threading.Event, gate: Gate | None = None) -> None:
        """Top-level loop for one camera until `stop` is set; one bad frame never stops it."""
        while not stop.is_set():
            try:
                frame = source.read(timeout=1.0)
                if frame is None:
                    continue
                if gate is not None and not gate.check(frame).run:
                    continue
                self.process(frame.image, frame.ts)
            except Exception:
                logger.exception("fire-lane watch on camera %s failed on a frame", self.camera)


@dataclass
class ReplaySource:
    """(ts, image) pairs from memory, read once: for tests and the demo."""

    frames: list
    done: threading.Event | None = None
    _i: int = 0

    def read(self, timeout: float | None = 1.0):
        if self._i >= len(self.frames):
            if self.done is not None:
                self.done.set()
            return None
        ts, image = self.frames[self._i]
        self._i += 1
        return ReplayFrame(image, ts, self._i)
