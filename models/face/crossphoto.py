"""Cross-photo evaluation: a resident enrolled from one photo, seen later in another.

    .venv/bin/python -m models.face.crossphoto [--json OUT] [--no-reference]

Genuine pairs are only ever two *different photos* of one person (never a photo and an
augmentation of itself); impostor pairs are faces known to be different people (two faces
in one photo, faces from different packages, or a labelled portrait against anyone else).
Per embedder it prints the ROC (genuine acceptance at fixed false-accept rates) and the
genuine acceptance at zero false accepts, then replays kiosk attempts (5-frame sequences of
camera nuisances on the later photo) against a gallery enrolled from the earlier one and
compares the decision rules: today's mean template + 3-of-5 vote, several templates +
3-of-5, several templates + quality-weighted score fusion. Each rule's accept threshold is
set where no stranger attempt gets in, and reported with the genuine acceptance it leaves.
"""
from __future__ import annotations

import argparse
import itertools
import json
import math
import time
from dataclasses import dataclass

import numpy as np

from models.face import dataset
from models.face.match import ScoreFusion, Thresholds, quality_weight

ENROLL_KINDS = ("original", "rotated", "darker", "brighter")  # the "small turns" at the desk
DRAWS = 3        # random draws per augmentation kind and photo
SEQUENCES = 12   # replayed attempts per (enrolled photo, later photo) and per stranger
FRAMES = 5
FAR_LEVELS = (0.0, 0.001, 0.01, 0.05)


@dataclass
class Shot:
    identity: str
    photo: str
    package: str
    kind: str
    vector: np.ndarray
    weight: float


def package_of(photo: str) -> str:
    if photo in dataset.PORTRAITS:
        return "face_recognition"
    if photo in dataset.INSIGHTFACE_PORTRAITS or photo in dataset.INSIGHTFACE_GROUPS:
        return "insightface"
    return "face-api"


def known_different(a: Shot, b: Shot) -> bool:
    """True only where ground truth says two different people (see module doc)."""
    if a.identity == b.identity:
        return False
    labelled = {*dataset.PORTRAITS, *dataset.INSIGHTFACE_PORTRAITS}
    return a.photo == b.photo or a.package != b.package or a.photo in labelled or b.photo in labelled


class LiteRTEmbedder:
    """Linli's pipeline: BlazeFace + 5-point alignment + converted dlib ResNet (int8)."""

    name = "dlib_resnet_int8_litert"

    def __init__(self):
        from models.face.pipeline import FacePipeline

        self.pipeline = FacePipeline.load()

    def shot(self, image):
        obs = self.pipeline.observe(image, gate_quality=False, central=True)
        if obs is None:
            return None
        return obs.embedding, quality_weight(obs.quality, obs.face.score)


class DlibEmbedder:
    """dlib's own pipeline, float weights (dev-only reference)."""

    name = "dlib_resnet_float_dlib"

    def __init__(self):
        from models.face.evaluate import DlibReference

        self.ref = DlibReference()

    def shot(self, image):
        vector = self.ref.embed(image)
        if vector is None:
            return None
        return vector / np.linalg.norm(vector), 1.0


def collect(embedder, crops, seed: int = 11) -> list[Shot]:
    rng = np.random.default_rng(seed)
    shots = []
    for crop in crops:
        for kind in dataset.AUGMENTATIONS:
            for _ in range(1 if kind == "original" else DRAWS):
                got = embedder.shot(dataset.augment(crop.image, kind, rng))
                if got is not None:
                    shots.append(Shot(crop.identity, crop.source, package_of(crop.source), kind, *got))
    return shots


def roc(genuine: list[float], impostor: list[float]) -> dict:
    g, i = np.sort(np.asarray(genuine)), np.sort(np.asarray(impostor))[::-1]
    out = {"genuine_pairs": int(g.size), "impostor_pairs": int(i.size), "points": []}
    for far in FAR_LEVELS:
        allowed = int(math.floor(far * i.size))
        threshold = float(i[allowed]) + 1e-6 if allowed < i.size else -1.0
        tar = float((g >= threshold).mean()) if g.size else float("nan")
        out["points"].append({"FAR": far, "threshold": round(threshold, 4), "TAR": round(tar, 4)})
    out["TAR_at_0FA"] = out["points"][0]["TAR"]
    box = Thresholds()
    out["at_box_thresholds"] = {"accept": box.accept, "TAR": round(float((g >= box.accept).mean()), 4) if g.size else None,
                                "FAR": round(float((i >= box.accept).mean()), 5) if i.size else None}
    out["wilson95_TAR_at_0FA"] = wilson(int(round(out["TAR_at_0FA"] * g.size)), int(g.size))
    out["genuine_median"] = round(float(np.median(g)), 4) if g.size else None
    out["impostor_max"] = round(float(i[0]), 4) if i.size else None
    return out


def wilson(k: int, n: int, z: float = 1.96) -> list[float]:
    """95% interval of a proportion: how little a small count tells."""
    if n == 0:
        return [0.0, 1.0]
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return [round(max(0.0, centre - half), 3), round(min(1.0, centre + half), 3)]


def pair_scores(shots: list[Shot]) -> tuple[list[float], list[float]]:
    """Single pairs: an original photo against every shot of another photo."""
    genuine, impostor = [], []
    originals = [s for s in shots if s.kind == "original"]
    for a in originals:
        for b in shots:
            if b.photo == a.photo and b.identity == a.identity:
                continue
            score = float(a.vector @ b.vector)
            if a.identity == b.identity:
                genuine.append(score)
            elif known_different(a, b):
                impostor.append(score)
    return genuine, impostor


def enroll(shots: list[Shot], identity: str, photo: str, multi: bool) -> list[np.ndarray]:
    frames = [s.vector for s in shots if s.identity == identity and s.photo == photo and s.kind in ENROLL_KINDS]
    if not frames:
        return []
    if multi:
        return frames
    mean = np.mean(frames, axis=0)
    return [mean / np.linalg.norm(mean)]


def attempt_scores(rule: str, frames: list[Shot], gallery: dict[str, list[np.ndarray]], margin: float):
    """(identity, score) a rule would accept at threshold `score`: accept iff score >= threshold."""
    best_rows = []
    for f in frames:
        best_rows.append({who: max(float(t @ f.vector) for t in tpl) for who, tpl in gallery.items()})
    if rule.endswith("vote"):
        # 3-of-5: the third-best frame score of the identity that leads most often, counted
        # only in frames where it beats the runner-up by the margin.
        leaders = [max(row, key=row.get) for row in best_rows]
        who = max(set(leaders), key=leaders.count)
        per_frame = []
        for row in best_rows:
            others = [v for k, v in row.items() if k != who]
            ok = not others or row[who] - max(others) >= margin
            per_frame.append(row[who] if ok and max(row, key=row.get) == who else -1.0)
        return who, sorted(per_frame, reverse=True)[2]
    fusion = ScoreFusion(Thresholds(accept=1.0, reject=-1.0, margin=margin), min_frames=FRAMES, max_frames=FRAMES)
    for f, row in zip(frames, best_rows):
        fusion.add_scores(row, f.weight if rule.endswith("weighted") else 1.0)
    ranked = fusion.fused()
    who, score = ranked[0]
    if len(ranked) > 1 and score - ranked[1][1] < margin:
        return who, -1.0
    return who, score


RULES = {
    "mean_template+3of5_vote": False,
    "multi_template+3of5_vote": True,
    "multi_template+fusion_unweighted": True,
    "multi_template+fusion_weighted": True,
}


def replay(shots: list[Shot], margin: float = 0.02, seed: int = 5) -> dict:
    rng = np.random.default_rng(seed)
    photos = sorted({(s.identity, s.photo) for s in shots})
    home = {}
    for identity, photo in photos:
        home.setdefault(identity, photo)  # each resident enrolls from their first photo
    probes = [s for s in shots if s.kind != "original"]

    def sequences(identity, photo):
        pool = [s for s in probes if s.identity == identity and s.photo == photo]
        for _ in range(SEQUENCES if len(pool) >= FRAMES else 0):
            yield [pool[i] for i in rng.choice(len(pool), FRAMES, replace=False)]

    report = {}
    for rule, multi in RULES.items():
        genuine, strangers = [], []
        # Genuine: every ordered pair of different photos of one person.
        for identity in {i for i, _ in photos}:
            mine = [p for i, p in photos if i == identity]
            for enrolled, later in itertools.permutations(mine, 2):
                gallery = {i: enroll(shots, i, home[i], multi) for i in home if i != identity}
                gallery[identity] = enroll(shots, identity, enrolled, multi)
                gallery = {k: v for k, v in gallery.items() if v}
                for seq in sequences(identity, later):
                    genuine.append(attempt_scores(rule, seq, gallery, margin) + (identity,))
        # Strangers: each person in turn is left out and tries every photo against the
        # residents known to be someone else (the face-api group photos come from one shoot
        # and share people, so a face there is only tried against its own photo's
        # neighbours and the other packages' faces).
        for identity in home:
            for photo in [p for i, p in photos if i == identity]:
                me = Shot(identity, photo, package_of(photo), "original", np.zeros(1), 1.0)
                gallery = {i: enroll(shots, i, home[i], multi) for i in home
                           if known_different(me, Shot(i, home[i], package_of(home[i]), "original",
                                                       np.zeros(1), 1.0))}
                gallery = {k: v for k, v in gallery.items() if v}
                for seq in sequences(identity, photo):
                    strangers.append(attempt_scores(rule, seq, gallery, margin)[1])
        threshold = max(strangers) + 0.005
        accepted = sum(1 for who, score, truth in genuine if who == truth and score >= threshold)
        at_default = Thresholds().accept
        report[rule] = {
            "genuine_attempts": len(genuine), "stranger_attempts": len(strangers),
            "accept_threshold_at_0_strangers": round(threshold, 4),
            "genuine_accepted": round(accepted / max(1, len(genuine)), 4),
            "wilson95": wilson(accepted, len(genuine)),
            "stranger_max": round(max(strangers), 4),
            "genuine_median": round(float(np.median([sc for _, sc, _ in genuine])), 4) if genuine else None,
            "genuine_accepted_at": {f"{a:.3f}": round(sum(1 for w, sc, t in genuine if w == t and sc >= a)
                                                      / max(1, len(genuine)), 4)
                                    for a in (0.94, 0.945, 0.95, 0.955)},
            "at_box_accept_%.3f" % at_default: {
                "genuine_accepted": round(sum(1 for w, s, t in genuine if w == t and s >= at_default)
                                          / max(1, len(genuine)), 4),
                "strangers_accepted": int(sum(1 for s in strangers if s >= at_default)),
            },
        }
    return report


def run(reference: bool = True) -> dict:
    embedders = [LiteRTEmbedder]
    if reference:
        try:
            import dlib  # noqa: F401
            embedders.append(DlibEmbedder)
        except ImportError:
            pass
    detector = LiteRTEmbedder().pipeline.detector
    crops = dataset.load_faces(detector, extra=True)
    report: dict = {
        "sources": ["PyPI face_recognition 1.3.0 sdist (MIT): obama x3, biden",
                    "npm @vladmandic/face-api 1.7.15 (MIT): 6 group photos",
                    "PyPI insightface 2.1 sdist (code MIT, pictures unlicensed): Tom Hanks, t1 group photo"],
        "faces": len(crops), "identities": len({c.identity for c in crops}),
        "identities_with_several_photos": sorted({c.identity for c in crops
                                                  if sum(d.identity == c.identity for d in crops) > 1}),
        "not_available": "OpenCV Zoo SFace/YuNet: no PyPI, npm or Debian package found that ships the "
                         "ONNX files (alchemyface, moca-face-matcher, detekface download them at run time)",
        "embedders": {},
    }
    for cls in embedders:
        embedder = cls()
        started = time.perf_counter()
        shots = collect(embedder, crops)
        genuine, impostor = pair_scores(shots)
        report["embedders"][cls.name] = {
            "shots": len(shots), "embed_seconds": round(time.perf_counter() - started, 1),
            "single_pair_cross_photo": roc(genuine, impostor),
            "attempts_cross_photo": replay(shots),
        }
    return report


def summary(report: dict) -> str:
    lines = [f"faces {report['faces']}, identities {report['identities']}, "
             f"with several photos: {', '.join(report['identities_with_several_photos'])}"]
    for name, r in report["embedders"].items():
        pair = r["single_pair_cross_photo"]
        lines.append(f"{name}: single pair cross-photo TAR@0FA {pair['TAR_at_0FA']:.3f} "
                     f"(95% {pair['wilson95_TAR_at_0FA']}, {pair['genuine_pairs']} genuine / "
                     f"{pair['impostor_pairs']} impostor pairs)")
        lines.append(f"  at the box's accept {pair['at_box_thresholds']['accept']}: TAR "
                     f"{pair['at_box_thresholds']['TAR']}, FAR {pair['at_box_thresholds']['FAR']}")
        lines.append("  ROC: " + "  ".join(f"FAR {p['FAR']}: TAR {p['TAR']:.3f} @ {p['threshold']:.3f}"
                                           for p in pair["points"]))
        for rule, a in r["attempts_cross_photo"].items():
            lines.append(f"  {rule:34s} attempts accepted {a['genuine_accepted']:.3f} "
                         f"(95% {a['wilson95']}) of {a['genuine_attempts']}, 0 of "
                         f"{a['stranger_attempts']} strangers at accept {a['accept_threshold_at_0_strangers']}")
            lines.append(f"  {'':34s} stranger max {a['stranger_max']}, genuine median {a['genuine_median']}, "
                         "accepted at " + ", ".join(f"{k}: {v:.3f}" for k, v in a["genuine_accepted_at"].items()))
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", help="write the full report here too")
    parser.add_argument("--no-reference", action="store_true", help="skip dlib's own pipeline")
    args = parser.parse_args()
    report = run(reference=not args.no_reference)
    print(summary(report))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            fh.write(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
