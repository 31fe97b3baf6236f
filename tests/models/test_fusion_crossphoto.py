"""Score fusion over an attempt's frames, and the cross-photo evaluation's own arithmetic."""

from __future__ import annotations

import numpy as np
import pytest

from models.errors import ModelError
from models.face.crossphoto import Shot, known_different, roc, wilson
from models.face.match import Gallery, ScoreFusion, Thresholds, quality_weight
from models.face.quality import QualityReport

T = Thresholds(accept=0.95, reject=0.94, margin=0.02)


def test_fusion_waits_for_enough_frames_then_accepts_a_steady_resident():
    fusion = ScoreFusion(T, min_frames=3, max_frames=5)
    assert not fusion.add_scores({"a": 0.97, "b": 0.90}, 1.0).done
    assert not fusion.add_scores({"a": 0.96, "b": 0.90}, 1.0).done
    vote = fusion.add_scores({"a": 0.955, "b": 0.91}, 1.0)
    assert vote.done and vote.identity == "a"


def test_one_lucky_frame_of_a_stranger_does_not_open():
    fusion = ScoreFusion(T, min_frames=3, max_frames=5)
    votes = [fusion.add_scores({"a": s}, 1.0) for s in (0.99, 0.90, 0.91, 0.90, 0.92)]
    assert votes[-1].done and votes[-1].identity is None and votes[-1].reason == "no_match"


def test_two_residents_too_close_stay_unknown():
    fusion = ScoreFusion(T, min_frames=1, max_frames=3)
    votes = [fusion.add_scores({"a": 0.97, "b": 0.96}, 1.0) for _ in range(3)]
    assert votes[-1].done and votes[-1].identity is None and votes[-1].reason == "unknown"


def test_a_poor_frame_counts_less_than_a_good_one():
    good = QualityReport(sharpness=150, brightness=120, eye_distance_px=60, yaw=0.0, pitch=0.58, roll_deg=0)
    poor = QualityReport(sharpness=20, brightness=120, eye_distance_px=25, yaw=0.2, pitch=0.58, roll_deg=0)
    assert quality_weight(good, 0.95) > 3 * quality_weight(poor, 0.95)
    fusion = ScoreFusion(T, min_frames=2, max_frames=2)
    fusion.add_scores({"a": 0.96}, quality_weight(good, 0.95))
    vote = fusion.add_scores({"a": 0.92}, quality_weight(poor, 0.95))
    assert vote.identity == "a"  # the blurred, small, turned frame did not sink it
    plain = ScoreFusion(T, min_frames=2, max_frames=2)
    plain.add_scores({"a": 0.96}, 1.0)
    assert plain.add_scores({"a": 0.92}, 1.0).identity is None  # counted equally, it would have


def test_fusion_reads_each_identity_best_template():
    gallery = Gallery(["a", "a", "b"], np.array([[1, 0, 0], [0, 1, 0], [0, 0, 1]], np.float32), dim=3)
    best = gallery.best_per_identity(np.array([0.1, 0.9, 0.2], np.float32))
    assert best["a"] == pytest.approx(0.9) and best["b"] == pytest.approx(0.2)
    assert gallery.row_identities == ["a", "a", "b"] and gallery.identities == ["a", "b"]


def test_fusion_refuses_nonsense_windows():
    with pytest.raises(ModelError):
        ScoreFusion(T, min_frames=4, max_frames=2)


def test_roc_acceptance_at_zero_false_accepts_sits_above_every_impostor():
    report = roc(genuine=[0.99, 0.97, 0.95, 0.93], impostor=[0.90, 0.96, 0.80])
    zero = report["points"][0]
    assert zero["FAR"] == 0.0 and zero["threshold"] >= 0.96
    assert report["TAR_at_0FA"] == pytest.approx(0.5)  # 0.99 and 0.97 only
    assert report["impostor_max"] == pytest.approx(0.96)


def test_wilson_interval_is_wide_for_small_counts():
    low, high = wilson(72, 72)
    assert high == 1.0 and 0.9 < low < 0.96
    assert wilson(0, 0) == [0.0, 1.0]


def shot(identity, photo):
    return Shot(identity, photo, "face-api" if photo.startswith("sample") else "face_recognition", "original",
                np.zeros(1), 1.0)


def test_only_known_different_people_make_impostor_pairs():
    # Two faces of the face-api shoot in different photos may be the same person: unknown.
    assert not known_different(shot("sample1-0", "sample1.jpg"), shot("sample2-1", "sample2.jpg"))
    assert known_different(shot("sample1-0", "sample1.jpg"), shot("sample1-1", "sample1.jpg"))
    assert known_different(shot("obama", "obama.jpg"), shot("sample2-1", "sample2.jpg"))
    assert not known_different(shot("obama", "obama.jpg"), shot("obama", "obama2.jpg"))
