"""Several templates per resident, and the bounded adaptive update after live, confident entries."""

from __future__ import annotations

import json

import numpy as np
import pytest

from appliance.db.models import AuditLog, FaceTemplate
from appliance.face.enrollment import ADAPTED, ENROLLED
from appliance.face.identifier import ACCEPTED, FaceAttempt
from models.face.liveness import Challenge, LivenessCheck
from models.face.match import FrameVote, Thresholds
from tests.appliance.face_helpers import ScriptedPipeline, portrait_frames
from tests.appliance.test_face_liveness_flow import run, turn_script


@pytest.fixture(scope="module")
def frames():
    return {
        "obama": portrait_frames("obama.jpg", 5, seed=1),
        "obama_later": portrait_frames("obama2.jpg", 8, seed=2),
        "biden": portrait_frames("biden.jpg", 5, seed=3),
    }


@pytest.fixture(scope="module")
def later_embedding():
    from models.face import dataset
    from models.face.pipeline import FacePipeline, read_image

    return FacePipeline.load().embed_image(read_image(dataset.fetch() / "obama2.jpg"))


@pytest.fixture
def face(services):
    return services.face.service


@pytest.fixture
def residents(services):
    building = services.registry.save_building({"name": "2号楼"}, "test")
    unit = services.registry.save_unit({"building_id": building.id, "number": "2单元201"}, "test")
    make = lambda name: services.registry.save_resident(  # noqa: E731
        {"name": name, "unit_id": unit.id, "birth_year": 1961}, "test")
    return {"obama": make("欧先生"), "biden": make("拜先生")}


def enroll(face, resident, frames):
    face.give_consent(resident.id, "volunteer", "staff", agreed=True)
    return face.enroll(resident.id, frames, "volunteer")


def kinds(resident):
    return [t.kind for t in FaceTemplate.select().where(FaceTemplate.resident == resident.id).order_by(FaceTemplate.id)]


def test_enrollment_keeps_one_template_per_good_frame(face, residents, frames):
    result = enroll(face, residents["obama"], frames["obama"])
    assert kinds(residents["obama"]) == [ENROLLED] * result.frames_used
    assert face.enrolled_count() == 1  # residents, not rows
    gallery = face.gallery()
    assert gallery.identities == [residents["obama"].id] and len(gallery) == result.frames_used


def test_a_live_confident_entry_adds_a_template_and_the_oldest_goes(services, face, residents, frames, later_embedding):
    face.settings.adapt_max = 2
    enroll(face, residents["obama"], frames["obama"])
    enroll(face, residents["biden"], frames["biden"])
    enrolled = kinds(residents["obama"]).count(ENROLLED)
    rng = np.random.default_rng(0)
    kept = []
    for _ in range(3):
        vector = later_embedding + rng.normal(0, 0.002, later_embedding.shape).astype(np.float32)
        assert face.adapt(residents["obama"].id, vector, similarity=0.99, margin=0.1, live=True)
        kept.append(FaceTemplate.select().order_by(FaceTemplate.id.desc()).get().id)
    rows = FaceTemplate.select().where(FaceTemplate.resident == residents["obama"].id, FaceTemplate.kind == ADAPTED)
    assert sorted(r.id for r in rows) == kept[1:]  # bounded at 2, the first one replaced
    assert kinds(residents["obama"]).count(ENROLLED) == enrolled  # enrollment is never replaced
    assert kinds(residents["biden"]) == [ENROLLED] * 5  # nobody else touched
    audit = [a.detail for a in AuditLog.select().where(AuditLog.action == "face.adapt")]
    assert len(audit) == 3 and audit[-1]["replaced"] == 1
    assert not {"template", "embedding", "ciphertext"} & set(audit[-1])
    assert str(round(float(later_embedding[0]), 4)) not in json.dumps(audit)


@pytest.mark.parametrize("similarity, margin, live", [(0.99, 0.1, False), (0.955, 0.1, True), (0.99, 0.01, True)])
def test_borderline_or_still_entries_never_teach_the_gallery(face, residents, frames, later_embedding,
                                                              similarity, margin, live):
    enroll(face, residents["obama"], frames["obama"])
    before = kinds(residents["obama"])
    assert not face.adapt(residents["obama"].id, later_embedding, similarity, margin, live)
    assert kinds(residents["obama"]) == before
    assert not AuditLog.select().where(AuditLog.action == "face.adapt").exists()


def test_withdrawal_deletes_adapted_templates_too_and_stops_adapting(face, residents, frames, later_embedding):
    enroll(face, residents["obama"], frames["obama"])
    face.adapt(residents["obama"].id, later_embedding, 0.99, 0.1, True)
    total = face.template_count(residents["obama"].id)
    assert face.withdraw(residents["obama"].id, "kiosk") == total
    assert FaceTemplate.select().count() == 0
    assert not face.adapt(residents["obama"].id, later_embedding, 0.99, 0.1, True)
    assert FaceTemplate.select().count() == 0


def test_gate_entry_after_the_movement_check_adapts_and_a_still_one_does_not(services, face, residents, frames,
                                                                             later_embedding):
    enroll(face, residents["obama"], frames["obama"])
    entry = services.face.entry
    # Tuesday's photo, a real embedding, played with a scripted head turn for liveness.
    script = turn_script(later_embedding, 35)
    attempt = FaceAttempt(ScriptedPipeline(script), face.gallery(), Thresholds(accept=0.9, reject=0.85),
                          FrameVote(3, 5), LivenessCheck(Challenge.TURN_LEFT), max_frames=60)
    state = run(attempt, len(script))
    assert state.status == ACCEPTED and state.live and state.embedding is not None
    face.settings.adapt_accept = min(face.settings.adapt_accept, state.similarity - 0.001)
    assert entry.decide(state, "kiosk-1").granted
    assert kinds(residents["obama"]).count(ADAPTED) == 1
    # The same face without a movement check (liveness off) opens but is not kept.
    still = entry.identifier.identify(frames["obama_later"], liveness=False)
    assert still.status == ACCEPTED and not still.live
    assert entry.decide(still, "kiosk-1").granted
    assert kinds(residents["obama"]).count(ADAPTED) == 1


def test_a_failed_gallery_update_still_lets_the_resident_in(services, face, residents, frames, later_embedding,
                                                            monkeypatch):
    from peewee import OperationalError

    enroll(face, residents["obama"], frames["obama"])
    script = turn_script(later_embedding, 35)
    attempt = FaceAttempt(ScriptedPipeline(script), face.gallery(), Thresholds(accept=0.9, reject=0.85),
                          FrameVote(3, 5), LivenessCheck(Challenge.TURN_LEFT), max_frames=60)
    state = run(attempt, len(script))

    def locked(*args, **kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr(face, "adapt", locked)
    assert services.face.entry.decide(state, "kiosk-1").granted
    assert kinds(residents["obama"]).count(ADAPTED) == 0
