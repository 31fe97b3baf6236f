"""IoU/centroid tracker: stable ids across frames, and a parked vehicle as one stationary track.

Detections arrive irregularly (the detector runs on motion and on a slow periodic check), so
a track ends when it has not been seen for `max_age_s` seconds, not after a frame count.
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from models.vehicles.geometry import centre, iou


@dataclass
class Track:
    id: int
    label: str
    box: tuple[int, int, int, int]
    score: float
    first_seen: float
    last_seen: float
    hits: int = 1
    anchor: tuple = ()  # box where the vehicle last stopped moving
    anchor_since: float = 0.0
    stationary_since: float | None = None
    labels: dict[str, float] = field(default_factory=dict)

    @property
    def duration(self) -> float:
        return self.last_seen - self.first_seen

    @property
    def stationary(self) -> bool:
        return self.stationary_since is not None

    @property
    def stationary_for(self) -> float:
        return 0.0 if self.stationary_since is None else self.last_seen - self.stationary_since


class Tracker:
    def __init__(self, iou_threshold: float = 0.3, centroid_ratio: float = 0.5,
                 max_age_s: float = 30.0, still_iou: float = 0.6, still_after_s: float = 5.0):
        self.iou_threshold = iou_threshold
        self.centroid_ratio = centroid_ratio  # fallback match: centres within this x box size
        self.max_age_s = max_age_s
        # Overlap with the box where it stopped; detector jitter on small boxes stays above it.
        self.still_iou = still_iou
        self.still_after_s = still_after_s
        self.tracks: dict[int, Track] = {}
        self.ended: list[Track] = []
        self._next_id = 1

    def update(self, detections: Iterable, now: float) -> list[Track]:
        """Feed one frame's detections (objects with label, score, box). Returns live tracks.

        Tracks that ended in this call are in `self.ended` until the next call.
        """
        dets = list(detections)
        self.ended = []
        pairs = self._match(dets)
        matched_dets = set()
        for tid, di in pairs:
            self._refresh(self.tracks[tid], dets[di], now)
            matched_dets.add(di)
        for di, det in enumerate(dets):
            if di not in matched_dets:
                self._start(det, now)
        for tid in [t.id for t in self.tracks.values() if now - t.last_seen > self.max_age_s]:
            self.ended.append(self.tracks.pop(tid))
        return list(self.tracks.values())

    def expire(self, now: float) -> list[Track]:
        """End tracks not seen for max_age_s without a new frame (e.g. camera gone)."""
        return self.update([], now)

    # --------------------------------------------------------------------------------
    def _match(self, dets: Sequence) -> list[tuple[int, int]]:
        candidates = []
        for t in self.tracks.values():
            for di, d in enumerate(dets):
                overlap = iou(t.box, d.box)
                if overlap >= self.iou_threshold:
                    candidates.append((overlap + 1.0, t.id, di))
                    continue
                (tx, ty), (dx, dy) = centre(t.box), centre(d.box)
                size = max(t.box[2] - t.box[0], t.box[3] - t.box[1], 1)
                dist = math.hypot(tx - dx, ty - dy) / size
                if dist <= self.centroid_ratio:
                    candidates.append((1.0 - dist, t.id, di))
        candidates.sort(reverse=True)
        used_t, used_d, pairs = set(), set(), []
        for _, tid, di in candidates:
            if tid in used_t or di in used_d:
                continue
            used_t.add(tid)
            used_d.add(di)
            pairs.append((tid, di))
        return pairs

    def _start(self, det, now: float) -> None:
        track = Track(self._next_id, det.label, tuple(det.box), det.score, now, now,
                      anchor=tuple(det.box), anchor_since=now, labels={det.label: det.score})
        self.tracks[track.id] = track
        self._next_id += 1

    def _refresh(self, track: Track, det, now: float) -> None:
        track.box = tuple(det.box)
        track.score = det.score
        track.last_seen = now
        track.hits += 1
        # The label is the one with the most score mass so far: car/truck flicker is common.
        track.labels[det.label] = track.labels.get(det.label, 0.0) + det.score
        track.label = max(track.labels, key=track.labels.get)
        if iou(track.anchor, det.box) < self.still_iou:
            track.anchor, track.anchor_since, track.stationary_since = tuple(det.box), now, None
        elif track.stationary_since is None and now - track.anchor_since >= self.still_after_s:
            track.stationary_since = track.anchor_since
