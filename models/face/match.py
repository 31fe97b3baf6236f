"""Matching embeddings against the enrolled gallery, with an unknown band and a frame vote."""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Hashable, Sequence

import numpy as np

from models.errors import ModelError

SAME, DIFFERENT, UNKNOWN = "same", "different", "unknown"


@dataclass(frozen=True)
class Thresholds:
    """Cosine similarity at or above `accept` is the same person, below `reject` a different
    one; between them the answer is "unknown" and the gate asks for another method."""

    # Cross-photo evaluation (models/face/crossphoto.py, 33 faces, 14,300 impostor pairs):
    # the highest impostor pair 0.943, the highest stranger attempt (3 of 5 frames) 0.934;
    # a resident enrolled on one photo and seen in another is accepted by 3-of-5 on several
    # templates in 72 of 72 replayed attempts at 0.95, 60 of 72 at the former 0.955.
    accept: float = 0.95
    reject: float = 0.94
    # A best match must beat the runner-up (another identity) by this much, otherwise two
    # residents look alike to the model and nobody is accepted.
    margin: float = 0.02

    def __post_init__(self):
        if not -1.0 <= self.reject <= self.accept <= 1.0:
            raise ModelError(f"thresholds need -1 <= reject <= accept <= 1, got {self.reject}, {self.accept}")

    def decide(self, similarity: float) -> str:
        if similarity >= self.accept:
            return SAME
        if similarity < self.reject:
            return DIFFERENT
        return UNKNOWN


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b)))


@dataclass(frozen=True)
class MatchResult:
    identity: Hashable | None  # set only when decision is SAME
    similarity: float          # best similarity over the gallery
    decision: str              # SAME, DIFFERENT or UNKNOWN
    best: Hashable | None = None


class Gallery:
    """All enrolled templates in one matrix; one identity may own several rows."""

    def __init__(self, identities: Sequence[Hashable] = (), vectors: np.ndarray | None = None, dim: int = 128):
        vectors = np.zeros((0, dim), np.float32) if vectors is None else np.asarray(vectors, np.float32)
        if vectors.ndim != 2 or len(vectors) != len(identities):
            raise ModelError("gallery needs one vector per identity row")
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        self._matrix = vectors / np.where(norms == 0, 1, norms)
        self._ids = list(identities)
        self._id_array = np.array(self._ids, dtype=object)

    def __len__(self) -> int:
        return len(self._ids)

    @property
    def matrix(self) -> np.ndarray:
        """Unit-length templates, one row per entry (read-only view)."""
        view = self._matrix.view()
        view.flags.writeable = False
        return view

    @property
    def row_identities(self) -> list[Hashable]:
        """The identity of each template row, in matrix order."""
        return list(self._ids)

    @property
    def identities(self) -> list[Hashable]:
        return list(dict.fromkeys(self._ids))

    def similarities(self, embedding: np.ndarray) -> np.ndarray:
        return self._matrix @ np.asarray(embedding, np.float32)

    def best_per_identity(self, embedding: np.ndarray) -> dict[Hashable, float]:
        """Each identity's best similarity over its templates."""
        best: dict[Hashable, float] = {}
        for identity, sim in zip(self._ids, self.similarities(embedding)):
            if sim > best.get(identity, -2.0):
                best[identity] = float(sim)
        return best

    def match(self, embedding: np.ndarray, thresholds: Thresholds) -> MatchResult:
        if not self._ids:
            return MatchResult(None, -1.0, DIFFERENT)
        sims = self.similarities(embedding)
        best_row = int(np.argmax(sims))
        best_id, best_sim = self._ids[best_row], float(sims[best_row])
        others = sims[self._id_array != best_id] if len(self.identities) > 1 else np.empty(0)
        decision = thresholds.decide(best_sim)
        if decision == SAME and others.size and best_sim - float(others.max()) < thresholds.margin:
            decision = UNKNOWN
        return MatchResult(best_id if decision == SAME else None, best_sim, decision, best_id)


@dataclass(frozen=True)
class Vote:
    identity: Hashable | None
    done: bool
    reason: str | None  # why nobody was accepted: "no_match", "unknown", "conflict"


class FrameVote:
    """Accept an identity once k of the last n frames matched it (CompreFace-style)."""

    def __init__(self, k: int = 3, n: int = 5):
        if not 1 <= k <= n:
            raise ModelError(f"vote needs 1 <= k <= n, got k={k}, n={n}")
        self.k, self.n = k, n
        self._window: deque[MatchResult] = deque(maxlen=n)
        self.frames_seen = 0

    def add(self, result: MatchResult) -> Vote:
        self._window.append(result)
        self.frames_seen += 1
        counts: dict[Hashable, int] = {}
        for r in self._window:
            if r.decision == SAME:
                counts[r.identity] = counts.get(r.identity, 0) + 1
        if len(counts) > 1 and self.frames_seen >= self.n:
            return Vote(None, True, "conflict")
        for identity, count in counts.items():
            if count >= self.k and len(counts) == 1:
                return Vote(identity, True, None)
        if self.frames_seen >= self.n:
            unknown = any(r.decision == UNKNOWN for r in self._window)
            return Vote(None, True, "unknown" if unknown or counts else "no_match")
        return Vote(None, False, None)


def quality_weight(quality, detector_score: float = 1.0) -> float:
    """How much one frame's score counts in a fused decision, 0..1.

    Sharp, large, frontal frames count fully; a blurred, small or turned frame still counts
    but less, so one bad frame cannot carry (or sink) an attempt on its own.
    """
    sharp = min(1.0, quality.sharpness / 120.0)
    size = min(1.0, quality.eye_distance_px / 45.0)
    frontal = max(0.0, 1.0 - abs(quality.yaw) / 0.35)
    return float(max(0.05, detector_score) * (0.4 + 0.6 * sharp) * (0.4 + 0.6 * size) * (0.4 + 0.6 * frontal))


class ScoreFusion:
    """Quality-weighted mean of each identity's best per-frame similarity over an attempt.

    Unlike a k-of-n vote, frames that land just under `accept` still add evidence, and one
    lucky frame of a stranger cannot open the door: the *mean* must clear `accept` and beat
    the runner-up identity by `margin`. The unknown band stays: a mean between reject and
    accept, or too close to another resident, is a refusal, never a guess.
    """

    def __init__(self, thresholds: Thresholds, min_frames: int = 3, max_frames: int = 5):
        if not 1 <= min_frames <= max_frames:
            raise ModelError(f"fusion needs 1 <= min_frames <= max_frames, got {min_frames}, {max_frames}")
        self.thresholds = thresholds
        self.min_frames, self.max_frames = min_frames, max_frames
        self._sums: dict[Hashable, float] = {}
        self._weight = 0.0
        self.frames_seen = 0

    def add_scores(self, scores: dict[Hashable, float], weight: float) -> Vote:
        """Per-identity best similarity of one frame (every enrolled identity present)."""
        weight = max(1e-3, float(weight))
        for identity, score in scores.items():
            self._sums[identity] = self._sums.get(identity, 0.0) + weight * float(score)
        self._weight += weight
        self.frames_seen += 1
        return self.decision(final=self.frames_seen >= self.max_frames)

    def add(self, gallery: "Gallery", embedding: np.ndarray, weight: float) -> Vote:
        return self.add_scores(gallery.best_per_identity(embedding), weight)

    def fused(self) -> list[tuple[Hashable, float]]:
        """(identity, fused score), best first."""
        if not self._weight:
            return []
        return sorted(((i, s / self._weight) for i, s in self._sums.items()), key=lambda p: -p[1])

    def decision(self, final: bool = False) -> Vote:
        ranked = self.fused()
        if not ranked:
            return Vote(None, final, "no_match" if final else None)
        best_id, best = ranked[0]
        runner_up = ranked[1][1] if len(ranked) > 1 else -1.0
        confident = best >= self.thresholds.accept and best - runner_up >= self.thresholds.margin
        if confident and self.frames_seen >= self.min_frames:
            return Vote(best_id, True, None)
        if not final:
            return Vote(None, False, None)
        if best < self.thresholds.reject:
            return Vote(None, True, "no_match")
        return Vote(None, True, "unknown")

