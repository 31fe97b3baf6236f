"""Best plate read across frames: cluster the variants, vote per character.

A car is read on every frame while it arrives; single reads differ by a character or two.
Reads within `cluster_distance` (OCR-aware distance) of a cluster join it; the cluster with
the most confidence mass wins, and each position takes the character with the most
confidence among that cluster's reads of the winning length. Sharper frames weigh more.

A best read is *trusted* (good enough to phone an owner, see match.owner_match) only when
independent evidence agrees on exactly its text: two recognisers on one frame, or the
recogniser on two frames, with no competing cluster of similar weight.
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
    exact: int = 0  # reads (frames) whose text is exactly this text
    confirmed: int = 0  # of those, reads both recognisers agreed on
    contested: bool = False  # another cluster weighs at least half as much

    @property
    def trusted(self) -> bool:
        """Consistent evidence for exactly this text (see the module docstring)."""
        return (self.valid and not self.contested and self.confidence >= TRUST_MIN_CONFIDENCE
                and (self.confirmed >= 1 or self.exact >= 2))


TRUST_MIN_CONFIDENCE = 0.6
# A frame counts by its sharpness (variance of the Laplacian of the plate crop) relative to
# the sharpest frame of the track, down to a third: motion blur and focus vary along a
# track, while the absolute figure depends on the plate and camera (real plates measured
# 500-7,000, blurred ones 650-1,000).
MIN_SHARP_WEIGHT = 1 / 3


@dataclass
class _Cluster:
    reads: list[tuple[str, float, tuple[float, ...]]] = field(default_factory=list)
    agreed: list[str] = field(default_factory=list)  # texts both recognisers read
    sharpness: list[float | None] = field(default_factory=list)  # per read

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

    def add(self, text: str, confidence: float, char_confidences: tuple[float, ...] = (),
            agree: bool = False, sharpness: float | None = None) -> None:
        """One frame's read; ``agree``: a second recogniser read the same text."""
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
        best.sharpness.append(sharpness)
        if agree:
            best.agreed.append(text)

    def add_read(self, read) -> None:
        """A models.plates.read.PlateRead."""
        self.add(read.text, read.confidence, read.char_confidences, read.agree, read.sharpness or None)

    def _weighted(self, cluster: _Cluster) -> _Cluster:
        """The cluster with each read's confidences scaled by its relative sharpness."""
        known = [s for c in self.clusters for s in c.sharpness if s]
        if not known:
            return cluster
        top = max(known)
        out = _Cluster(agreed=cluster.agreed, sharpness=cluster.sharpness)
        for (text, conf, per_char), sharp in zip(cluster.reads, cluster.sharpness):
            w = max(MIN_SHARP_WEIGHT, sharp / top) if sharp else 1.0
            out.reads.append((text, conf * w, tuple(c * w for c in per_char)))
        return out

    def best(self) -> BestRead | None:
        if not self.clusters:
            return None
        ranked = sorted(self.clusters, key=lambda c: c.mass, reverse=True)
        contested = len(ranked) > 1 and ranked[1].mass >= 0.5 * ranked[0].mass
        cluster = self._weighted(ranked[0])
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
                        validate_plate(text).valid,
                        exact=sum(1 for t, _c, _p in cluster.reads if t == text),
                        confirmed=cluster.agreed.count(text), contested=contested)
