import cv2
import numpy as np
import pytest

from models.errors import ModelError
from models.face.match import DIFFERENT, SAME, UNKNOWN, FrameVote, Gallery, MatchResult, Thresholds


@pytest.fixture(scope="module")
def embeddings(face_pipeline, photo):
    return {name: face_pipeline.embed_image(photo(f"{name}.jpg")) for name in ("obama", "obama2", "obama3", "biden")}


def test_gallery_finds_the_enrolled_person_among_many(embeddings):
    rng = np.random.default_rng(0)
    others = rng.normal(size=(2000, 128)).astype(np.float32)
    ids = [f"r{i}" for i in range(2000)] + ["obama-resident", "biden-resident"]
    gallery = Gallery(ids, np.vstack([others, embeddings["obama"], embeddings["biden"]]))
    result = gallery.match(embeddings["obama2"], Thresholds())
    assert result.decision == SAME and result.identity == "obama-resident"
    assert gallery.match(embeddings["biden"], Thresholds()).identity == "biden-resident"


def test_a_stranger_is_not_matched_to_a_resident(embeddings):
    gallery = Gallery(["obama-resident"], embeddings["obama"][None])
    result = gallery.match(embeddings["biden"], Thresholds())
    assert result.decision == DIFFERENT and result.identity is None


def test_two_lookalike_residents_give_unknown_not_a_guess(embeddings):
    gallery = Gallery(["a", "b"], np.vstack([embeddings["obama"], embeddings["obama3"]]))
    result = gallery.match(embeddings["obama2"], Thresholds(accept=0.9, reject=0.8, margin=0.05))
    assert result.decision == UNKNOWN and result.identity is None


def test_several_templates_of_one_person_do_not_count_as_lookalikes(embeddings):
    gallery = Gallery(["a", "a"], np.vstack([embeddings["obama"], embeddings["obama3"]]))
    assert gallery.match(embeddings["obama2"], Thresholds()).identity == "a"


def test_empty_gallery_matches_nobody(embeddings):
    assert Gallery().match(embeddings["obama"], Thresholds()).decision == DIFFERENT


def test_thresholds_must_be_ordered():
    with pytest.raises(ModelError):
        Thresholds(accept=0.8, reject=0.9)


def same(identity, similarity=0.97):
    return MatchResult(identity, similarity, SAME, identity)


def other(decision=DIFFERENT):
    return MatchResult(None, 0.5, decision, "x")


def test_vote_accepts_after_k_agreeing_frames():
    vote = FrameVote(k=3, n=5)
    assert not vote.add(same("a")).done
    assert not vote.add(other()).done
    assert not vote.add(same("a")).done
    result = vote.add(same("a"))
    assert result.done and result.identity == "a"


def test_vote_refuses_when_frames_disagree_on_who_it_is():
    vote = FrameVote(k=3, n=5)
    for r in (same("a"), same("b"), same("a"), same("b"), same("a")):
        result = vote.add(r)
    assert result.done and result.identity is None and result.reason == "conflict"


def test_vote_refuses_after_n_frames_without_enough_matches():
    vote = FrameVote(k=3, n=5)
    for r in (other(), other(UNKNOWN), same("a"), other(), other()):
        result = vote.add(r)
    assert result.done and result.identity is None and result.reason == "unknown"


def test_quality_gates_flag_blur_darkness_and_small_faces(face_pipeline, photo):
    image = photo("obama.jpg")
    good = face_pipeline.observe(image)
    assert good.quality.ok and good.embedding is not None
    blurred = face_pipeline.observe(cv2.GaussianBlur(image, (0, 0), 6))
    assert "blurry" in blurred.quality.problems and blurred.embedding is None
    dark = face_pipeline.observe((image * 0.2).astype(np.uint8))
    assert "too_dark" in dark.quality.problems
    small = cv2.resize(image, None, fx=0.12, fy=0.12, interpolation=cv2.INTER_AREA)
    tiny = face_pipeline.observe(small)
    assert tiny is None or "too_small" in tiny.quality.problems


def test_quality_gate_asks_a_face_turned_aside_to_look_at_the_camera(face_pipeline, photo):
    from models.face import dataset

    crops = {c.source: c for c in dataset.load_faces(face_pipeline.detector) if c.source == "obama.jpg"}
    crops.update({c.identity: c for c in dataset.load_faces(face_pipeline.detector)})
    # Leftmost woman of the first group photo looks past the camera; Obama faces it.
    turned = face_pipeline.observe(crops["sample1-0"].image, central=True)
    assert "not_facing_camera" in turned.quality.problems and abs(turned.quality.yaw) > 0.3
    frontal = face_pipeline.observe(crops["obama.jpg"].image, central=True)
    assert "not_facing_camera" not in frontal.quality.problems
