"""The gate's face attempt: a recognised face opens only after the asked movement.

No recording of a real head turning exists in the registries, so the frames are scripted:
keypoints from a 3-D head model (see tests/models/test_liveness.py), embeddings from the
real photos, quality from the real gates' rules (a turned head gives no embedding)."""

from __future__ import annotations

import random

import numpy as np
import pytest

from appliance.face.identifier import ACCEPTED, REFUSED, WAITING, FaceAttempt
from models.face.liveness import Challenge, LivenessCheck
from models.face.match import FrameVote, Gallery, Thresholds
from models.face.pipeline import Observation
from models.face.quality import QualityReport
from tests.appliance.face_helpers import ScriptedPipeline
from tests.models.test_liveness import head_face


@pytest.fixture(scope="module")
def embeddings():
    from models.face import dataset
    from models.face.pipeline import FacePipeline, read_image

    pipeline = FacePipeline.load()
    pictures = dataset.fetch()
    return {n: pipeline.embed_image(read_image(pictures / f"{n}.jpg")) for n in ("obama", "obama2", "biden")}


def observation(embedding, turn=0.0, nod=0.0):
    face = head_face(to_subjects_left_deg=turn, chin_down_deg=nod)
    frontal = abs(turn) < 12 and abs(nod) < 10
    quality = QualityReport(100.0, 120.0, face.eye_distance, 0.0, 0.55, 0.0, () if frontal else ("not_facing_camera",))
    return Observation(face, quality, embedding if frontal else None)


def attempt(embeddings, challenge):
    gallery = Gallery(["resident-7"], embeddings["obama"][None])
    return gallery, lambda script: FaceAttempt(ScriptedPipeline(script), gallery, Thresholds(), FrameVote(3, 5),
                                               LivenessCheck(challenge), max_frames=60)


def turn_script(embedding, peak, steps=8):
    angles = list(np.linspace(0, peak, steps)) + list(np.linspace(peak, 0, steps))
    return [observation(embedding)] * 5 + [observation(embedding, turn=a) for a in angles] + [observation(embedding)] * 3


def run(att, frames):
    state = None
    for _ in range(frames):
        state = att.feed(np.zeros((480, 640, 3), np.uint8))
        if state.status != WAITING:
            break
    return state


def test_recognised_resident_opens_only_after_turning_as_asked(embeddings):
    _gallery, make = attempt(embeddings, Challenge.TURN_LEFT)
    script = turn_script(embeddings["obama2"], 35)
    att = make(script)
    # Recognised after the first frames, but still waiting for the movement.
    assert run(att, 5).status == WAITING and att._identity == "resident-7"
    state = run(att, len(script))
    assert state.status == ACCEPTED and state.resident_id == "resident-7"


def test_turning_the_other_way_is_refused(embeddings):
    _gallery, make = attempt(embeddings, Challenge.TURN_LEFT)
    state = run(make(turn_script(embeddings["obama2"], -35)), 40)
    assert state.status == REFUSED and state.reason == "liveness"


def test_a_stranger_who_moves_correctly_is_still_refused(embeddings):
    _gallery, make = attempt(embeddings, Challenge.TURN_LEFT)
    state = run(make(turn_script(embeddings["biden"], 35)), 40)
    assert state.status == REFUSED and state.reason == "no_match"


def test_prompt_names_the_random_challenge(services):
    identifier = services.face.identifier
    identifier.rng = random.Random(1)
    prompts = {identifier.begin(liveness=True).state.prompt for _ in range(30)}
    assert len(prompts) == 3 and all("Please" in p for p in prompts)


def test_a_resident_cannot_be_swapped_for_someone_else_before_the_movement(embeddings):
    _gallery, make = attempt(embeddings, Challenge.TURN_LEFT)
    # The resident is recognised, steps away, and a stranger steps in and turns.
    script = [observation(embeddings["obama2"])] * 5 + [None] * 2 + turn_script(embeddings["biden"], 35)
    state = run(make(script), len(script))
    assert state.status == REFUSED and state.resident_id is None


def test_a_different_face_after_recognition_is_refused(embeddings):
    _gallery, make = attempt(embeddings, Challenge.NOD)
    script = [observation(embeddings["obama2"])] * 5 + [observation(embeddings["biden"])] * 3
    state = run(make(script), len(script))
    assert state.status == REFUSED and state.reason == "conflict"
