"""What leaves the box, checked on the serialised batch bytes themselves."""

from __future__ import annotations

import zlib

import pytest

from appliance.errors import LinliError
from appliance.sync import envelope
from appliance.sync.outbox import append


def batch_text(services) -> str:
    data, _entries = services.sync.next_batch()
    env = envelope.parse(data)
    return zlib.decompress(env.body).decode()


def add(db, payload, kind="access.event"):
    with db.atomic():
        append(kind, payload)


def test_default_policy_sends_pseudonyms_counts_and_plates_but_no_names_phones_or_faces(services, db):
    add(db, {"gate": "north", "resident_uuid": "5f0c-resident-uuid", "name": "王小明", "phone": "13912345678",
             "detail": {"face_embedding": [0.12, 0.34], "photo": "base64-jpeg-bytes", "method": "face"}})
    add(db, {"plate": "京A12345", "zone": "fire-lane", "owner_name": "李四", "owner_phone": "13700000000"},
        kind="incident.fire_lane")
    add(db, {"entries_today": 431}, kind="count.gate")
    text = batch_text(services)
    for secret in ("王小明", "13912345678", "李四", "13700000000", "5f0c-resident-uuid", "0.12", "base64-jpeg",
                   "face_embedding", "photo"):
        assert secret not in text, secret
    assert "京A12345" in text and "431" in text and "fire-lane" in text
    pseudonym = services.sync.policy().pseudonym("5f0c-resident-uuid")
    assert f'"resident":"{pseudonym}"' in text


def test_names_and_phones_leave_only_when_enabled(config, services, db):
    add(db, {"resident_uuid": "r1", "name": "王小明", "phone": "13912345678", "detail": {"face": "x"}})
    config.sync.share_names = True
    text = batch_text(services)
    assert "王小明" in text and "13912345678" not in text
    config.sync.share_phones = True
    text = batch_text(services)
    assert "13912345678" in text and '"face"' not in text


def test_face_templates_cannot_even_enter_the_outbox(db):
    with pytest.raises(LinliError):
        with db.atomic():
            append("resident.upsert", {"uuid": "r1", "face_template": [1, 2, 3]})


def test_pseudonyms_are_stable_per_box_and_differ_between_boxes(services, tmp_path):
    from appliance.sync.policy import FieldPolicy

    p = services.sync.policy()
    assert p.pseudonym("r1") == services.sync.policy().pseudonym("r1")
    assert p.pseudonym("r1") != FieldPolicy(b"another box's key").pseudonym("r1")


def test_pseudonyms_match_the_access_log_and_register_rows_leave_without_identity(services, db):
    assert services.sync.policy().pseudonym("r-42") == services.access.keys.pseudonym("r-42")
    add(db, {"uuid": "r-42", "household": "h-1", "unit": "u-1", "name": "赵六", "phone": "13600000000",
             "living_alone_elderly": True}, kind="resident.upsert")
    text = batch_text(services)
    assert "r-42" not in text and "赵六" not in text and "13600000000" not in text
    assert f'"resident":"{services.access.keys.pseudonym("r-42")}"' in text and '"living_alone_elderly":true' in text
