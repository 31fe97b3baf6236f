"""Evaluate the face pipeline on real pictures with augmentations: scores, thresholds, FAR/FRR.

    .venv/bin/python -m models.face.evaluate [--reference] [--json OUT]
    .venv/bin/python -m models.face.evaluate --cross-photo [--reference]

--cross-photo runs models/face/crossphoto.py instead: enrolled on one photo, seen in another
(ROC and acceptance at zero false accepts per embedder, replayed kiosk attempts per rule).

With --reference the same crops also go through dlib's own pipeline (dlib-bin and
face-recognition-models, dev-only) and the decisions of both are compared pair by pair.
"""
from __future__ import annotations

import argparse
import itertools
import json
from dataclasses import dataclass, field

import numpy as np

from models.face import dataset
from models.face.match import DIFFERENT, SAME, UNKNOWN, Thresholds
from models.face.pipeline import FacePipeline

# dlib's documented decision rule: same person when the Euclidean distance of the raw
# descriptors is below 0.6.
DLIB_DISTANCE = 0.6


@dataclass
class Sample:
    identity: str
    source: str
    augmentation: str
    image: np.ndarray
    ours: np.ndarray | None = None
    reference: np.ndarray | None = None  # raw dlib descriptor


@dataclass
class PairScores:
    genuine: list[float] = field(default_factory=list)
    impostor: list[float] = field(default_factory=list)


def build_samples(pipeline: FacePipeline, seed: int = 7) -> list[Sample]:
    rng = np.random.default_rng(seed)
    samples = []
    for crop in dataset.load_faces(pipeline.detector):
        for kind in dataset.AUGMENTATIONS:
            samples.append(Sample(crop.identity, crop.source, kind, dataset.augment(crop.image, kind, rng)))
    return samples


def embed_ours(pipeline: FacePipeline, samples: list[Sample]) -> None:
    for s in samples:
        observation = pipeline.observe(s.image, gate_quality=False, central=True)
        s.ours = None if observation is None else observation.embedding


class DlibReference:
    """dlib's HOG detector + 5-point aligner + ResNet, as face_recognition uses them."""

    def __init__(self, upsample: int = 1):
        import dlib
        import face_recognition_models as frm

        self.detector = dlib.get_frontal_face_detector()
        self.shapes = dlib.shape_predictor(frm.pose_predictor_five_point_model_location())
        self.net = dlib.face_recognition_model_v1(frm.face_recognition_model_location())
        self.upsample = upsample  # face_recognition's default is 1; 0 is faster for large faces

    def embed(self, image: np.ndarray) -> np.ndarray | None:
        rects = self.detector(image, self.upsample)
        if not rects:
            return None
        cx, cy = image.shape[1] / 2, image.shape[0] / 2
        rect = min(rects, key=lambda r: (r.center().x - cx) ** 2 + (r.center().y - cy) ** 2)
        return np.array(self.net.compute_face_descriptor(image, self.shapes(image, rect)), dtype=np.float32)


def pairs(samples: list[Sample]):
    """(a, b, genuine) for every pair whose ground truth is known.

    The group photos come from one photo shoot and the same people turn up in several of
    them (checked by eye), so two faces from different group photos have no known label
    and are left out; faces in one photo are different people, and nobody in the group
    photos is one of the two portrait subjects.
    """
    for a, b in itertools.combinations(samples, 2):
        if a.identity == b.identity:
            if a.source == b.source and a.augmentation == b.augmentation:
                continue
            yield a, b, True
        elif a.source == b.source or a.source in dataset.PORTRAITS or b.source in dataset.PORTRAITS:
            yield a, b, False


def percentiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    q = np.percentile(values, [0, 1, 5, 50, 95, 99, 100])
    return {k: round(float(v), 4) for k, v in zip(("min", "p1", "p5", "median", "p95", "p99", "max"), q)}


def choose_thresholds(scores: PairScores, far_margin: float = 0.015, max_frr: float = 0.02) -> Thresholds:
    """Accept only above every impostor seen plus a margin (a wrong open is the worst outcome);
    reject below the score that keeps genuine refusals under max_frr; unknown in between."""
    accept = float(np.max(scores.impostor)) + far_margin
    reject = float(np.percentile(scores.genuine, 100 * max_frr))
    reject = min(reject, accept)
    return Thresholds(accept=round(accept, 3), reject=round(reject, 3))


def rates(scores: PairScores, thresholds: Thresholds) -> dict[str, float]:
    g, i = np.array(scores.genuine), np.array(scores.impostor)
    return {
        "FAR": float((i >= thresholds.accept).mean()),
        "FRR": float((g < thresholds.accept).mean()),
        "genuine_rejected": float((g < thresholds.reject).mean()),
        "genuine_unknown": float(((g >= thresholds.reject) & (g < thresholds.accept)).mean()),
        "impostor_unknown": float(((i >= thresholds.reject) & (i < thresholds.accept)).mean()),
    }


def run(reference: bool) -> dict:
    pipeline = FacePipeline.load()
    samples = build_samples(pipeline)
    embed_ours(pipeline, samples)
    ref = DlibReference() if reference else None
    if ref:
        for s in samples:
            s.reference = ref.embed(s.image)
    ours = PairScores()
    dlib_scores = PairScores()
    agreement = {"both": 0, "same_decision": 0, "ours_unknown": 0, "we_accept_dlib_rejects": 0,
                 "we_reject_dlib_accepts": 0}
    usable = [s for s in samples if s.ours is not None]
    for a, b, genuine in pairs(usable):
        (ours.genuine if genuine else ours.impostor).append(float(a.ours @ b.ours))
    report: dict = {
        "faces": len({(s.identity, s.source) for s in samples}),
        "identities": len({s.identity for s in samples}),
        "samples": len(samples),
        "detected_ours": len(usable),
        "augmentations": list(dataset.AUGMENTATIONS),
        "ours": {"genuine_pairs": len(ours.genuine), "impostor_pairs": len(ours.impostor),
                 "genuine": percentiles(ours.genuine), "impostor": percentiles(ours.impostor)},
    }
    thresholds = choose_thresholds(ours)
    report["thresholds"] = {"accept": thresholds.accept, "reject": thresholds.reject}
    report["rates_at_thresholds"] = rates(ours, thresholds)
    default = Thresholds()
    report["rates_at_defaults"] = {"accept": default.accept, "reject": default.reject, **rates(ours, default)}
    if ref:
        dlib_rule: dict[str, list[bool]] = {"genuine": [], "impostor": []}
        same_rule = [0, 0]
        both = [s for s in samples if s.ours is not None and s.reference is not None]
        report["detected_reference"] = sum(s.reference is not None for s in samples)
        for a, b, genuine in pairs(both):
            dist = float(np.linalg.norm(a.reference - b.reference))
            ra, rb = a.reference / np.linalg.norm(a.reference), b.reference / np.linalg.norm(b.reference)
            (dlib_scores.genuine if genuine else dlib_scores.impostor).append(float(ra @ rb))
            theirs = SAME if dist < DLIB_DISTANCE else DIFFERENT
            dlib_rule["genuine" if genuine else "impostor"].append(theirs == SAME)
            mine = default.decide(float(a.ours @ b.ours))
            same_rule[0] += 1
            same_rule[1] += mine == default.decide(float(ra @ rb))
            agreement["both"] += 1
            if mine == theirs:
                agreement["same_decision"] += 1
            elif mine == UNKNOWN:
                agreement["ours_unknown"] += 1
            elif mine == SAME:
                agreement["we_accept_dlib_rejects"] += 1
            else:
                agreement["we_reject_dlib_accepts"] += 1
        report["reference"] = {
            "genuine": percentiles(dlib_scores.genuine), "impostor": percentiles(dlib_scores.impostor),
            "decision_rule": f"euclidean distance < {DLIB_DISTANCE}",
            "FAR_of_rule": float(np.mean(dlib_rule["impostor"])),
            "FRR_of_rule": float(1 - np.mean(dlib_rule["genuine"])),
            "agreement_with_ours_at_defaults": agreement,
            "same_decision_both_at_default_thresholds": round(same_rule[1] / max(1, same_rule[0]), 4),
        }
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reference", action="store_true", help="also run dlib's pipeline (dev only)")
    parser.add_argument("--json", help="write the report here too")
    parser.add_argument("--cross-photo", action="store_true", help="different photos of one person (issue 20)")
    args = parser.parse_args()
    if args.cross_photo:
        from models.face import crossphoto

        report = crossphoto.run(reference=args.reference)
        print(crossphoto.summary(report))
        if args.json:
            with open(args.json, "w", encoding="utf-8") as fh:
                fh.write(json.dumps(report, indent=2) + "\n")
        return
    report = run(args.reference)
    text = json.dumps(report, indent=2)
    print(text)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            fh.write(text + "\n")


if __name__ == "__main__":
    main()
