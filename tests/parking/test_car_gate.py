"""The car gate end to end on mock pins: registered cars go straight in, visitors on a pass,
everything else waits for a volunteer's one tap; the arm never comes down on a car."""

from __future__ import annotations

import datetime

import pytest

from appliance.db.models import AuditLog, OutboxEntry
from appliance.db.models.parking import CarEvent, CarPass
from appliance.errors import Conflict, ValidationError


def entry(parking):
    return parking.lanes["entry"], parking.barriers["entry"], parking.simulators["entry"]


def arrive(parking, plate, confidence=0.95):
    lane, _barrier, sim = entry(parking)
    if plate is not None:
        lane.plate_read(plate, confidence)
    sim.set_vehicle(True)
    return lane.decisions[-1]


def test_registered_car_raises_the_barrier_which_comes_down_after_it_has_passed(parking, owner):
    lane, barrier, sim = entry(parking)
    assert not barrier.up_energised
    decision = arrive(parking, "京A12345")
    assert decision.raised and decision.reason == "resident" and decision.vehicle.resident.id == owner.id
    assert [k for _t, k, _d in barrier.history][-1] == "raised"
    sim.set_vehicle(False)
    barrier.lower_at = 0  # the 2 s wait is over
    barrier.tick()
    assert barrier.down_energised
    event = CarEvent.get()
    assert (event.lane, event.decision, event.plate) == ("entry", "raised", "京A12345")
    sent = OutboxEntry.get(OutboxEntry.kind == "parking.event").payload
    assert sent["plate"] == "京A12345" and sent["resident_uuid"] == str(owner.uuid)


def test_a_moved_out_owners_car_is_not_refused_silently_but_asked(parking, services, owner):
    services.registry.save_resident({"name": owner.name, "unit_id": owner.household.unit_id,
                                     "move_in": "2019-05-01", "move_out": "2020-01-01"}, "test", owner.id)
    decision = arrive(parking, "京A12345")
    assert decision.action == "ask" and decision.reason == "moved_out"
    assert not entry(parking)[1].up_energised


def test_one_close_read_asks_the_volunteer_who_lets_it_in_with_one_tap(parking, services, owner):
    decision = arrive(parking, "京A1Z345")  # 2 read as Z
    assert decision.action == "ask" and decision.reason == "uncertain" and decision.candidates == ["京A12345"]
    let_in = parking.answer(decision.question.id, True, "是周建华的车", "volunteer")
    assert let_in.raised and let_in.vehicle.plate == "京A12345"
    assert entry(parking)[1].up_energised
    assert AuditLog.get(AuditLog.action == "car_let_in").actor == "volunteer"
    with pytest.raises(Conflict):  # a second volunteer taps too late
        parking.answer(decision.question.id, False, "", "admin")


def test_two_registered_plates_equally_close_always_ask(parking, owner, neighbour):
    decision = arrive(parking, "京A12B45")  # 3 and 8 both confusable with B
    assert decision.action == "ask" and sorted(decision.candidates) == ["京A12345", "京A12845"]


def test_visitor_pass_counts_entries_then_asks(parking, owner):
    services_pass = parking.service.create_pass("沪B67890", 4, 1, "女儿回家", "resident", resident=owner)
    assert arrive(parking, "沪B67890").reason == "visitor"
    entry(parking)[2].set_vehicle(False)
    second = arrive(parking, "沪B67890")
    assert second.action == "ask" and second.reason == "pass_used_up"
    assert CarPass.get_by_id(services_pass.id).entries == 1


def test_unknown_plate_waits_and_a_refusal_needs_no_reason_but_is_logged(parking):
    decision = arrive(parking, "粤B00001")
    assert decision.reason == "unknown"
    assert [q.id for q in parking.service.open_questions()] == [decision.question.id]
    refused = parking.answer(decision.question.id, False, "", "volunteer")
    assert refused.action == "refuse" and not entry(parking)[1].up_energised
    assert parking.service.open_questions() == []


def test_letting_a_car_in_needs_a_reason(parking):
    decision = arrive(parking, "粤B00001")
    with pytest.raises(ValidationError) as bad:
        parking.answer(decision.question.id, True, " ", "volunteer")
    assert bad.value.field == "reason"


def test_a_car_never_read_still_gets_a_decision_and_a_read_is_used_once(parking, owner):
    assert arrive(parking, "京A12345").raised
    entry(parking)[2].set_vehicle(False)
    second = arrive(parking, None)  # tailgater right behind: no new read
    assert second.action == "ask" and second.reason == "unreadable"


def test_fire_alarm_raises_and_holds_the_barrier_and_lets_every_car_out(parking):
    lane, barrier, sim = entry(parking)
    sim.set_fire(True)
    assert barrier.up_energised and barrier.fire_latched
    decision = arrive(parking, "粤B00001")
    assert decision.raised and decision.reason == "fire"
    assert barrier.lower() is False


def test_the_exit_always_raises_and_the_count_follows(parking, owner):
    parking.service.count_cars(2, "volunteer")
    assert arrive(parking, "京A12345").raised
    assert parking.service.occupancy()["inside"] == 3 and parking.service.occupancy()["full"]
    exit_lane = parking.lanes["exit"]
    left = exit_lane.plate_read("粤B00001", 0.4)  # no loop on the exit: decided on the read
    assert left.raised and left.reason == "exit"
    assert parking.barriers["exit"].up_energised
    assert parking.service.occupancy() == {**parking.service.occupancy(), "inside": 2, "free": 1, "full": False}


def test_bad_car_passes_are_refused_with_the_field(parking, owner):
    for plate, hours, n, field in (("ABC123", 4, 1, "plate"), ("沪B67890", 0, 1, "hours"),
                                   ("沪B67890", 4, 999, "max_entries"), ("沪B67890", "x", 1, "hours")):
        with pytest.raises(ValidationError) as bad:
            parking.service.create_pass(plate, hours, n, "", "volunteer")
        assert bad.value.field == field
    assert CarPass.select().count() == 0


def test_visitor_cars_still_inside_since_yesterday_are_listed(parking, owner, monkeypatch):
    yesterday = datetime.datetime.now() - datetime.timedelta(days=1)
    monkeypatch.setattr(parking.service, "clock", lambda: yesterday)
    parking.service.create_pass("沪B67890", 48, 2, "", "volunteer", resident=owner)
    assert arrive(parking, "沪B67890").raised
    monkeypatch.setattr(parking.service, "clock", datetime.datetime.now)
    assert [e.plate for e in parking.service.visitors_inside_overnight()] == ["沪B67890"]
    parking.lanes["exit"].plate_read("沪B67890", 0.9)
    assert parking.service.visitors_inside_overnight() == []


def test_health_line_counts_cars_inside_and_waiting(services, parking):
    arrive(parking, "粤B00001")
    report = services.health.report()
    line = report["subsystems"]["car gate"]
    assert line["ok"] and "1" in line["detail"]


def test_a_doubtful_single_read_of_a_registered_plate_asks_instead_of_opening(parking, owner):
    lane, barrier, sim = entry(parking)
    lane.plate_read("京A12345", 0.6, trusted=False)
    sim.set_vehicle(True)
    decision = lane.decisions[-1]
    assert decision.action == "ask" and decision.reason == "uncertain" and decision.candidates == ["京A12345"]
    assert not barrier.up_energised


def test_residents_invite_cars_for_at_most_three_days_staff_for_a_week(parking, owner):
    with pytest.raises(ValidationError) as bad:
        parking.service.create_pass("沪B67890", 100, 1, "", "resident", resident=owner, max_hours=72)
    assert bad.value.field == "hours"
    assert parking.service.create_pass("沪B67890", 100, 1, "", "volunteer").plate == "沪B67890"


def test_resident_rules_as_at_the_gate_schedule_not_yet_moved_in_and_a_removed_car(parking, services, owner):
    today = datetime.date.today()
    other_days = [str(d) for d in range(1, 8) if d != today.isoweekday()]
    services.credentials.set_schedule(owner.id, other_days, "00:00", "23:59", "test")
    decision = arrive(parking, "京A12345")
    assert decision.action == "ask" and decision.reason == "outside_schedule"
    assert parking.service.open_questions()[-1].candidates == ["京A12345"]  # one tap lets it in
    parking.simulators["entry"].set_vehicle(False)
    services.credentials.set_schedule(owner.id, [], "", "", "test")
    services.registry.save_resident({"name": owner.name, "unit_id": owner.household.unit_id,
                                     "move_in": (today + datetime.timedelta(days=3)).isoformat()}, "test", owner.id)
    decision = arrive(parking, "京A12345")
    assert decision.action == "ask" and decision.reason == "not_moved_in"  # said in words, not "unknown"
    parking.simulators["entry"].set_vehicle(False)
    services.registry.save_resident({"name": owner.name, "unit_id": owner.household.unit_id,
                                     "move_in": "2019-05-01"}, "test", owner.id)
    assert arrive(parking, "京A12345").reason == "resident"
    parking.simulators["entry"].set_vehicle(False)
    services.registry.delete_vehicle(owner.vehicles[0].id, "test")  # the car is taken off the register
    decision = arrive(parking, "京A12345")
    assert decision.action == "ask" and decision.reason == "unknown"
