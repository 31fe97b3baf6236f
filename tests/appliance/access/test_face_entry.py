"""Face entry in the gate's decision path: real models on frames made from real photos,
the gate on mock pins, the access log and outbox as for a PIN."""

from __future__ import annotations

import json
import logging
import random

import numpy as np
import pytest

from appliance.db.models import AccessEvent, OutboxEntry
from models.face.liveness import pick_challenge
from tests.appliance.access.conftest import relay_events
from tests.appliance.face_helpers import ScriptedPipeline, portrait_frames


@pytest.fixture(scope="module")
def frames():
    return {"enroll": portrait_frames("obama.jpg", 6, seed=4), "later": portrait_frames("obama2.jpg", 8, seed=6),
            "stranger": portrait_frames("biden.jpg", 8, seed=7)}


@pytest.fixture
def enrolled(services, people, frames):
    """张三 consented and enrolled (his face is the first person's in the registry photos)."""
    face = services.face.service
    resident = people["张三"]
    face.give_consent(resident.id, "volunteer", "staff", agreed=True)
    face.enroll(resident.id, frames["enroll"], "volunteer")
    return resident


@pytest.fixture
def entry(services, access):
    return services.face.entry


def log_rows(access):
    access.log.flush()
    return [(e.method, e.granted, e.reason, e.resident_id) for e in AccessEvent.select().order_by(AccessEvent.id)]


def test_the_enrolled_resident_opens_the_relay_and_the_attempt_is_logged_like_a_pin(
        entry, access, enrolled, frames, runtime, caplog):
    caplog.set_level(logging.DEBUG)
    d = entry.attempt(frames["later"], "kiosk", liveness=False)
    assert d.granted and d.method == "face" and d.who == "张*" and d.relay_at is not None
    assert runtime.services.access.gate.relay_energised and relay_events(runtime) == ["opened"]
    assert log_rows(access) == [("face", True, "granted", enrolled.id)]
    entry_row = OutboxEntry.get(OutboxEntry.kind == "access.event")
    assert entry_row.payload["method"] == "face"
    assert entry_row.payload["person"] == access.keys.pseudonym(enrolled.uuid)
    # No face data anywhere the attempt left a trace: no vectors, no similarity, no name.
    text = json.dumps(entry_row.payload, ensure_ascii=False)
    assert "张三" not in text and "similar" not in text and set(entry_row.payload) == {
        "at", "method", "granted", "reason", "source", "person", "pass"}
    logs = caplog.text
    assert "张三" not in logs and "0.9" not in logs


def test_a_stranger_is_refused_and_the_reason_is_logged(entry, access, enrolled, frames, runtime):
    d = entry.attempt(frames["stranger"], "kiosk", liveness=False)
    assert not d.granted and d.reason in ("face_no_match", "face_unknown")
    assert relay_events(runtime) == [] and not runtime.services.access.gate.relay_energised
    assert log_rows(access) == [("face", False, d.reason, None)]
    assert "PIN" in d.msgid  # a refusal always points to the other ways in


def test_moved_out_resident_recognised_before_the_sweep_is_refused_like_a_pin(
        entry, access, enrolled, frames, runtime, clock):
    # Moved out today; the daily sweep that deletes his template has not run yet.
    enrolled.move_out = clock.t.date()
    enrolled.save()
    d = entry.attempt(frames["later"], "kiosk", liveness=False)
    assert not d.granted and d.reason == "moved_out"
    assert relay_events(runtime) == []
    assert log_rows(access) == [("face", False, "moved_out", enrolled.id)]


def test_schedule_applies_to_face_as_to_pin(entry, access, enrolled, frames, runtime, clock, credentials):
    credentials.set_schedule(enrolled.id, ["1", "2", "3", "4", "5"], "08:00", "18:00", "volunteer")
    clock.t = clock.t.replace(hour=21)
    pin = credentials.new_pin(enrolled.id, "volunteer")
    assert access.pin_attempt(pin, "kiosk").reason == "outside_schedule"
    assert entry.attempt(frames["later"], "kiosk", liveness=False).reason == "outside_schedule"
    clock.t = clock.t.replace(hour=9)
    assert entry.attempt(frames["later"], "kiosk", liveness=False).granted


def test_liveness_is_on_by_default_and_a_still_face_never_opens(entry, access, enrolled, frames, runtime, services):
    assert services.config.face.liveness is True
    progress = entry.start("kiosk")
    assert progress.challenge in ("turn_left", "turn_right", "nod")
    outcome = None
    for _ in range(40):  # a still picture of the resident, 5 frames per step as the kiosk feeds them
        outcome = entry.feed("kiosk", frames["later"][:5])
        if not hasattr(outcome, "prompt"):
            break
    assert not outcome.granted and outcome.reason == "face_liveness"
    assert relay_events(runtime) == []
    assert log_rows(access) == [("face", False, "face_liveness", None)]


# --- a live head: keypoints from the 3-D head model, embeddings from the real photos ---------------
def movement(challenge: str, embedding):
    from tests.appliance.test_face_liveness_flow import observation, turn_script

    if challenge == "nod":
        angles = list(np.linspace(0, 25, 8)) + list(np.linspace(25, 0, 8))
        return [observation(embedding)] * 5 + [observation(embedding, nod=a) for a in angles] + \
            [observation(embedding)] * 3
    return turn_script(embedding, 35 if challenge == "turn_left" else -35)


@pytest.mark.parametrize("seed", [1, 5, 7])  # turn left, nod, turn right
def test_a_live_resident_who_makes_the_asked_movement_opens_the_relay(entry, access, enrolled, runtime, services,
                                                                      seed):
    from models.face.pipeline import read_image
    from models.face import dataset

    face = services.face.service
    embedding = face.pipeline.embed_image(read_image(dataset.fetch() / "obama2.jpg"))
    challenge = pick_challenge(random.Random(seed)).value  # what the kiosk will ask for
    services.face.identifier.rng = random.Random(seed)
    face._pipeline = ScriptedPipeline(movement(challenge, embedding))
    assert entry.start("kiosk").challenge == challenge
    blank = [np.zeros((480, 640, 3), np.uint8)] * 5
    outcome = entry.feed("kiosk", blank)
    assert hasattr(outcome, "prompt") and relay_events(runtime) == []  # recognised, movement still awaited
    for _ in range(10):
        outcome = entry.feed("kiosk", blank)
        if not hasattr(outcome, "prompt"):
            break
    assert outcome.granted and outcome.method == "face"
    assert relay_events(runtime) == ["opened"]


def test_withdrawal_while_standing_at_the_camera_refuses(entry, access, enrolled, runtime, services):
    from models.face.pipeline import read_image
    from models.face import dataset

    face = services.face.service
    embedding = face.pipeline.embed_image(read_image(dataset.fetch() / "obama2.jpg"))
    challenge = pick_challenge(random.Random(1)).value  # what the kiosk will ask for
    services.face.identifier.rng = random.Random(1)
    face._pipeline = ScriptedPipeline(movement(challenge, embedding))
    assert entry.start("kiosk").challenge == challenge
    blank = [np.zeros((480, 640, 3), np.uint8)] * 5
    entry.feed("kiosk", blank)
    face.withdraw(enrolled.id, "kiosk")
    outcome = entry.feed("kiosk", blank * 6)
    assert not outcome.granted and outcome.reason == "face_withdrawn"
    assert relay_events(runtime) == []


def test_a_kiosk_without_a_running_attempt_gets_nothing(entry, enrolled, frames):
    assert entry.feed("kiosk", frames["later"]) is None
    entry.start("kiosk")
    entry.cancel("kiosk")
    assert entry.feed("kiosk", frames["later"]) is None


def test_a_model_failure_ends_the_attempt_with_a_refusal_not_a_crash(entry, access, enrolled, frames, runtime,
                                                                     services):
    from models.errors import ModelError

    class Broken:
        def observe(self, frame, gate_quality=True, central=False):
            raise ModelError("interpreter failed")

    services.face.service._pipeline = Broken()
    entry.start("kiosk", liveness=False)
    outcome = entry.feed("kiosk", frames["later"][:5])
    assert not outcome.granted and outcome.reason == "face_fault" and "PIN" in outcome.msgid
    assert relay_events(runtime) == [] and not entry.active("kiosk")
    assert log_rows(access) == [("face", False, "face_fault", None)]


def test_progress_follows_the_movement(entry, enrolled, services):
    from models.face.pipeline import read_image
    from models.face import dataset

    face = services.face.service
    embedding = face.pipeline.embed_image(read_image(dataset.fetch() / "obama2.jpg"))
    services.face.identifier.rng = random.Random(1)
    face._pipeline = ScriptedPipeline(movement("turn_left", embedding))
    entry.start("kiosk")
    seen = [entry.feed("kiosk", [np.zeros((480, 640, 3), np.uint8)] * 3).progress for _ in range(5)]
    assert seen[0] == 0.0 and seen[-1] > 0.5 and seen == sorted(seen)


def test_an_attempt_the_camera_stops_feeding_is_refused_in_time(services, access, enrolled, runtime):
    from appliance.face.entry import LONGEST_S, FaceEntry

    now = [0.0]
    entry = FaceEntry(access, services.face.service, services.face.identifier, services.config.face,
                      clock=lambda: now[0])
    entry.start("kiosk")
    for _ in range(int(LONGEST_S)):  # the camera gives nothing; the page keeps asking
        now[0] += 1.0
        assert entry.feed("kiosk", []).frames == 0
    now[0] += 1.0
    outcome = entry.feed("kiosk", [])
    assert not outcome.granted and outcome.reason == "face_timeout"
    assert relay_events(runtime) == [] and log_rows(access) == [("face", False, "face_timeout", None)]


def test_health_says_whether_the_kiosk_can_offer_face_entry(services):
    report = services.health.report()
    text = json.dumps(report, ensure_ascii=False)
    assert "没有摄像头" in text  # in plain Chinese, saying what residents use instead
    services.face.camera = object()
    assert "已开启，带活体检测" in json.dumps(services.health.report(), ensure_ascii=False)
