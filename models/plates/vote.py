"""Best plate read across frames: cluster the variants, vote per character.

A car is read on every frame while it arrives; single reads differ by a character or two.
Reads within `cluster_distance` (OCR-aware distance) of a cluster join it; the cluster with
the most confidence mass wins, and each position takes the character with the most
confidence among that cluster's reads of the winning length.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from models.plates.match import canonical, plate_distance
from models.plates.validate import validate_plate


@dataclass(frozen=True)
class BestRead:
    text: str
    confidence: float  # mean per-character vote share times mean read confidence
    reads: int  # how many reads agreed (the winning cluster's size)
    valid: bool


@dataclass
class _Cluster:
    reads: list[tuple[str, float, tuple[float, ...]]] = field(default_factory=list)

    @property
    def mass(self) -> float:
        return sum(c for _, c, _ in self.reads)

    def representative(self) -> str:
        return max(self.reads, key=lambda r: r[1])[0]


class PlateVoter:
    def __init__(self, cluster_distance: float = 2.0, min_confidence: float = 0.3):
        self.cluster_distance = cluster_distance
        self.min_confidence = min_confidence
        self.clusters: list[_Cluster] = []

    def add(self, text: str, confidence: float, char_confidences: tuple[float, ...] = ()) -> None:
        text = canonical(text)
        if not text or confidence < self.min_confidence:
            return
        if len(char_confidences) != len(text):
            char_confidences = (confidence,) * len(text)
        best, best_d = None, None
        for cluster in self.clusters:
            d = plate_distance(text, cluster.representative())
            if d <= self.cluster_distance and (best_d is None or d < best_d):
                best, best_d = cluster, d
        if best is None:
            best = _Cluster()
            self.clusters.append(best)
        best.reads.append((text, confidence, tuple(char_confidences)))

    def best(self) -> BestRead | None:
        if not self.clusters:
            return None
        cluster = max(self.clusters, key=lambda c: c.mass)
        # The length most of the confidence agrees on; a plate-valid length wins ties.
        by_len: dict[int, float] = defaultdict(float)
        for text, conf, _ in cluster.reads:
            by_len[len(text)] += conf
        length = max(by_len, key=lambda n: (by_len[n], n in (7, 8)))
        same = [r for r in cluster.reads if len(r[0]) == length]
        chars, shares = [], []
        for i in range(length):
            votes: dict[str, float] = defaultdict(float)
            for text, _conf, per_char in same:
                votes[text[i]] += per_char[i]
            ch = max(votes, key=votes.get)
            chars.append(ch)
            shares.append(votes[ch] / sum(votes.values()))
        text = "".join(chars)
        mean_conf = sum(c for _, c, _ in same) / len(same)
        return BestRead(text, mean_conf * sum(shares) / length, len(cluster.reads),
                        validate_plate(text).valid)
