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

    # From models/face/evaluate.py on 26 real faces x 8 augmentations: highest impostor 0.943,
    # 1st percentile of genuine pairs 0.942. Accept sits above every impostor seen; the
    # frame vote makes up for the genuine frames that land in the unknown band.
    accept: float = 0.955
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
    def identities(self) -> list[Hashable]:
        return list(dict.fromkeys(self._ids))

    def similarities(self, embedding: np.ndarray) -> np.ndarray:
        return self._matrix @ np.asarray(embedding, np.float32)

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
