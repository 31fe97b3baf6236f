"""Face entry on the box: consent, enrollment, identification, deletion, and what never leaks."""

from __future__ import annotations

import datetime
import json
import logging
import stat

import cv2
import pytest

from appliance.db.models import AuditLog, FaceConsent, FaceTemplate, OutboxEntry
from appliance.errors import Conflict, ValidationError
from appliance.face.enrollment import EnrollmentFailed, NoConsent
from appliance.face.crypto import KEY_FILE
from appliance.face.identifier import ACCEPTED, REFUSED
from tests.appliance.face_helpers import portrait_frames


@pytest.fixture(scope="module")
def frames():
    return {
        "obama": portrait_frames("obama.jpg", 5, seed=1),
        "obama_later": portrait_frames("obama2.jpg", 8, seed=2),
        "biden": portrait_frames("biden.jpg", 8, seed=3),
    }


@pytest.fixture
def face(services):
    return services.face.service


@pytest.fixture
def identifier(services):
    return services.face.identifier


@pytest.fixture
def residents(services):
    building = services.registry.save_building({"name": "1号楼"}, "test")
    unit = services.registry.save_unit({"building_id": building.id, "number": "1单元101"}, "test")
    make = lambda name, **kw: services.registry.save_resident(  # noqa: E731
        {"name": name, "unit_id": unit.id, "phone": "13800138000", "birth_year": 1961, **kw}, "test")
    return {"obama": make("欧先生"), "biden": make("拜先生"), "child": make("小明", birth_year=2016)}


def enroll(face, resident, frames, actor="volunteer"):
    face.give_consent(resident.id, actor, "staff", agreed=True)
    return face.enroll(resident.id, frames, actor)


def test_enrollment_needs_separate_consent_first(face, residents, frames):
    with pytest.raises(NoConsent):
        face.enroll(residents["obama"].id, frames["obama"], "volunteer")
    assert FaceTemplate.select().count() == 0


def test_consent_is_never_assumed(face, residents):
    with pytest.raises(ValidationError):
        face.give_consent(residents["obama"].id, "kiosk", "kiosk", agreed=False)
    assert FaceConsent.select().count() == 0


def test_a_child_under_14_needs_a_guardian(face, residents):
    child = residents["child"]
    assert face.needs_guardian(child.id)
    with pytest.raises(ValidationError):
        face.give_consent(child.id, "volunteer", "staff", agreed=True)
    consent = face.give_consent(child.id, "volunteer", "staff", agreed=True, guardian_name="王女士",
                                guardian_relation="母亲")
    assert consent.guardian_name == "王女士" and consent.notice_version == face.settings.notice_version


def test_enrolled_resident_is_recognised_in_a_different_photo(face, identifier, residents, frames):
    result = enroll(face, residents["obama"], frames["obama"])
    assert result.frames_used >= 3
    state = identifier.identify(frames["obama_later"], liveness=False)
    assert state.status == ACCEPTED and state.resident_id == residents["obama"].id


def test_camera_frames_from_the_hardware_layer_are_understood(face, identifier, residents, frames):
    from tests.appliance.face_helpers import ReplayCamera

    enroll(face, residents["obama"], frames["obama"])
    camera = ReplayCamera(frames["obama_later"])
    attempt = identifier.begin(liveness=False)
    state = None
    for _ in range(8):
        state = attempt.feed(camera.read())
        if state.status != "waiting":
            break
    assert state.status == ACCEPTED and state.resident_id == residents["obama"].id


def test_a_stranger_is_refused(face, identifier, residents, frames):
    enroll(face, residents["obama"], frames["obama"])
    state = identifier.identify(frames["biden"], liveness=False)
    assert state.status == REFUSED and state.resident_id is None and state.reason == "no_match"


def test_a_still_photo_of_a_resident_fails_the_movement_check(face, identifier, residents, frames):
    enroll(face, residents["obama"], frames["obama"])
    photo_frames = frames["obama_later"] * 20  # the same pictures held up, again and again
    state = identifier.identify(photo_frames, liveness=True)
    assert state.status == REFUSED and state.reason in ("liveness", "timeout")


def test_the_same_face_cannot_be_enrolled_for_two_residents(face, residents, frames):
    enroll(face, residents["obama"], frames["obama"])
    with pytest.raises(Conflict):
        enroll(face, residents["biden"], frames["obama_later"])


def test_blurred_frames_are_not_enough_to_enroll(face, residents, frames):
    blurred = [cv2.GaussianBlur(f, (0, 0), 7) for f in frames["obama"]]
    with pytest.raises(EnrollmentFailed):
        enroll(face, residents["obama"], blurred)
    assert FaceTemplate.select().count() == 0


def test_withdrawal_deletes_the_template_at_once_and_keeps_the_record(face, identifier, residents, frames):
    resident = residents["obama"]
    enroll(face, resident, frames["obama"])
    kept = face.template_count(resident.id)
    assert kept >= 3  # one template per good enrollment frame
    assert face.withdraw(resident.id, "kiosk") == kept
    assert not face.is_enrolled(resident.id)
    consent = FaceConsent.get(FaceConsent.resident == resident.id)
    assert consent.withdrawn_at is not None and consent.withdrawn_by == "kiosk"
    state = identifier.identify(frames["obama_later"], liveness=False)
    assert state.status == REFUSED and state.reason == "not_enrolled"
    with pytest.raises(NoConsent):
        face.enroll(resident.id, frames["obama"], "kiosk")


def test_retention_sweep_deletes_faces_of_residents_who_moved_out(services, face, residents, frames):
    enroll(face, residents["obama"], frames["obama"])
    enroll(face, residents["biden"], frames["biden"][:5])
    services.registry.move_out(residents["obama"].id, datetime.date.today(), "volunteer")
    assert face.retention_sweep() == 1
    assert not face.is_enrolled(residents["obama"].id) and face.is_enrolled(residents["biden"].id)
    assert services.face.retention_task is not None


def test_deleting_a_resident_keeps_the_consent_record(services, face, residents, frames):
    enroll(face, residents["obama"], frames["obama"])
    services.registry.delete_resident(residents["obama"].id, "admin")
    assert FaceTemplate.select().count() == 0
    record = FaceConsent.get()
    assert record.resident_id is None and record.resident_uuid == str(residents["obama"].uuid)


def test_template_is_encrypted_at_rest_with_the_box_key(config, face, residents, frames, services):
    enroll(face, residents["obama"], frames["obama"])
    key_path = config.home / KEY_FILE
    assert stat.S_IMODE(key_path.stat().st_mode) == 0o600
    row = FaceTemplate.get()
    plain = face.gallery().matrix[0].astype("<f4").tobytes()
    assert plain[:16] not in bytes(row.ciphertext)
    services.db.execute_sql("PRAGMA wal_checkpoint(FULL)")
    assert plain[:16] not in config.db_path.read_bytes()


def test_face_data_never_enters_outbox_audit_or_logs(face, identifier, residents, frames, caplog):
    caplog.set_level(logging.DEBUG)
    before = OutboxEntry.select().count()
    enroll(face, residents["obama"], frames["obama"])
    identifier.identify(frames["obama_later"], liveness=False)
    identifier.identify(frames["biden"], liveness=False)
    template = face.gallery().matrix[0]
    face.withdraw(residents["obama"].id, "kiosk")
    face.retention_sweep()
    assert OutboxEntry.select().count() == before  # face actions add nothing that leaves the box
    audit = [a.detail or {} for a in AuditLog.select().where(AuditLog.action.startswith("face."))]
    assert audit and all(not {"template", "embedding", "ciphertext"} & set(d) for d in audit)
    texts = {"audit": json.dumps(audit, ensure_ascii=False), "logs": caplog.text}
    for where, text in texts.items():
        for value in template[:16]:
            for shown in (f"{value:.4f}", repr(float(value))[:8]):
                assert shown not in text, f"a template value appears in the {where}"
    assert "欧先生" not in caplog.text and "13800138000" not in caplog.text


def test_residents_export_carries_no_face_data(services, face, residents, frames):
    enroll(face, residents["obama"], frames["obama"])
    rows = services.residents_io.export_rows()
    text = "\n".join("\t".join(str(v) for v in row) for row in rows)
    assert "欧先生" in text  # the export itself works
    template = face.gallery().matrix[0]
    assert not any(word in text.lower() for word in ("template", "embedding", "人脸"))
    assert all(f"{v:.4f}" not in text for v in template[:16])


def test_enrollment_uses_at_most_five_good_frames(face, residents, frames):
    result = enroll(face, residents["obama"], frames["obama"] + frames["obama"])
    assert result.frames_used == 5 and result.frames_seen == 5
