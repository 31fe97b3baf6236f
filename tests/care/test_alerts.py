"""Weeks of gate passes teach the box an elder's rhythm; silence beyond it climbs the ladder
on the simulated 4G dongle (spoken call → SMS to the family → a visit order for the paired
volunteer → escalation), SOS goes at once, a false alarm is closed and teaches the pattern."""

from __future__ import annotations

import datetime

import pytest

from appliance.db.models import AccessEvent, CareAlert, CareAlertStep, CarePlan, CareRoutine, WorkOrder
from appliance.errors import ValidationError
from tests.care.conftest import gate_weeks


def steps(alert):
    return [(s.step, s.result) for s in CareAlertStep.select().where(CareAlertStep.alert == alert)
            .order_by(CareAlertStep.id)]


def test_an_elder_with_a_routine_raises_no_alert(care, plan, elder, clock, sim):
    gate_weeks(elder, clock.t)
    assert care.learn_routines() == 1
    routine = CareRoutine.get(CareRoutine.resident == elder)
    assert routine.days >= 27 and routine.hours[8] > 0.9 and routine.hours[3] == 0
    assert 6 <= routine.limit_hours < 24  # her own night is about 13 h: the limit is hers, not the floor
    for _ in range(48):  # two more ordinary days, checked every hour
        clock.advance(hours=1)
        if clock.t.hour in (8, 11, 16, 19):
            AccessEvent.create(at=clock.t, method="card", granted=True, reason="ok", resident=elder, source="gate")
        care.tick()
    assert CareAlert.select().count() == 0 and sim.calls == [] and WorkOrder.select().count() == 0


def test_silence_beyond_her_pattern_climbs_the_ladder_in_order(care, plan, elder, clock, sim):
    gate_weeks(elder, clock.t)
    care.learn_routines()
    limit = CareRoutine.get(CareRoutine.resident == elder).limit_hours
    sim.call_answer = "no answer"
    clock.t = care.last_seen(elder) + datetime.timedelta(hours=limit - 0.5)
    assert care.tick() == [] and sim.calls == []
    clock.advance(hours=1)
    (alert,) = care.tick()
    assert alert.kind == "silence" and alert.step == "order"
    # 1: the elder is phoned; nobody answers, so the same words go to her as an SMS
    (call,) = sim.calls
    assert call.number.endswith("13700137000") and call.spoken == []
    # 2: the family is texted, with the elder's name (this SMS goes to her own family)
    by_number = {s.number[-11:]: s.text for s in sim.sent}
    assert "平安打卡" in by_number["13700137000"]
    assert "李桂兰" in by_number["13600136000"]
    # 3: a visit order for her paired volunteer
    order = WorkOrder.get_by_id(alert.order_id)
    assert order.source == "care" and order.assignee == "volunteer" and order.status == "new"
    assert "李桂兰" not in order.description
    assert steps(alert) == [("raised", "silence"), ("call", "no answer"), ("family", "sent"), ("order", "opened")]
    # Still silent at the next checks: one alert, one order
    clock.advance(minutes=30)
    care.tick()
    assert CareAlert.select().count() == 1 and WorkOrder.select().count() == 1
    # 4: nobody acknowledged within the hour: the community office gets it
    clock.advance(minutes=31)
    (alert,) = care.tick()
    assert alert.step == "escalated" and WorkOrder.get_by_id(order.id).assignee == "社区居委会"


def test_an_answered_call_ends_the_alert_and_the_message_is_spoken(care, plan, elder, clock, sim):
    sim.call_answer = "answer"
    clock.advance(hours=25)  # no sign at all since the plan began: the 24 h floor
    (alert,) = care.tick()
    assert alert.outcome == "answered" and alert.closed_at is not None
    (call,) = sim.calls
    assert call.spoken and "邻里" in call.spoken[0]
    assert WorkOrder.select().count() == 0 and sim.sent == []


def test_sos_skips_the_call_and_reaches_family_and_volunteer_at_once(care, plan, elder, clock, sim):
    gate_weeks(elder, clock.t)
    signal = care.observe(f"resident:{elder.id}", "sos")
    assert signal is not None
    alert = CareAlert.get()
    assert alert.kind == "sos" and alert.step == "order" and sim.calls == []
    assert [s.number[-11:] for s in sim.sent] == ["13600136000"] and "SOS" in sim.sent[0].text
    assert WorkOrder.get_by_id(alert.order_id).assignee == "volunteer"


def test_a_false_alarm_is_closed_with_one_tap_and_teaches_the_pattern(care, plan, elder, clock, sim):
    gate_weeks(elder, clock.t)
    care.learn_routines()
    limit = CareRoutine.get(CareRoutine.resident == elder).limit_hours
    sim.call_answer = "no answer"
    clock.t = care.last_seen(elder) + datetime.timedelta(hours=limit + 1)
    (alert,) = care.tick()
    closed = care.close_alert(alert.id, "false_alarm", "volunteer")
    assert closed.outcome == "false_alarm" and WorkOrder.get_by_id(alert.order_id).status == "closed"
    taught = CarePlan.get_by_id(plan.id).tolerance_hours
    assert limit + 1 < taught <= 24
    # The same long quiet spell again: normal for her now
    clock.advance(hours=limit + 1)
    assert care.tick() == []
    clock.advance(hours=taught - limit)
    (again,) = care.tick()
    assert again.id != alert.id and again.kind == "silence"
    with pytest.raises(ValidationError):
        care.close_alert(alert.id, "ok", "volunteer")


def test_little_water_in_twelve_hours_raises_an_alert(care, plan, elder, clock, sim):
    sim.call_answer = "answer"
    meter = plan.water_meter
    start = clock.t - datetime.timedelta(hours=14)
    for i, reading in enumerate([12.300, 12.301, 12.302, 12.303, 12.305]):
        care.observe(meter, "water", reading, at=start + datetime.timedelta(hours=3 * i + 1))
    care.observe(f"resident:{elder.id}", "door", at=clock.t)  # seen, so only the water speaks
    assert care.evaluate(plan, clock.t) == "water"
    care.observe(meter, "water", 12.350, at=clock.t)
    assert care.evaluate(plan, clock.t) is None


def test_signals_from_unknown_sources_are_ignored_and_garbage_is_refused(care, plan, elder):
    assert care.observe("0xdeadbeef", "door") is None
    for kind, value in (("teleport", None), ("water", "lots"), ("water", float("nan"))):
        with pytest.raises(ValidationError):
            care.observe(plan.water_meter, kind, value)


def test_acknowledging_puts_the_volunteer_on_the_order_and_stops_escalation(care, plan, elder, clock, sim):
    care.observe(f"resident:{elder.id}", "sos")
    alert = CareAlert.get()
    care.acknowledge(alert.id, "admin")
    order = WorkOrder.get_by_id(alert.order_id)
    assert order.status == "accepted" and order.assignee == "admin"
    clock.advance(hours=3)
    care.tick()
    assert CareAlert.get_by_id(alert.id).step == "order"


def test_a_real_pin_entry_at_the_gate_is_a_sign_of_life(care, plan, elder, services, clock):
    pin = services.credentials.new_pin(elder.id, "admin")
    assert care.last_seen(elder) is None
    assert services.access.pin_attempt(pin, "kiosk").granted
    services.access.log.flush()  # the access log writes in batches
    seen = care.last_seen(elder)
    assert seen is not None and abs((seen - datetime.datetime.now()).total_seconds()) < 60
    plan_off = care.save_plan(elder.id, {"consent_by": "self", "use_gate": "0"}, "admin")
    assert not plan_off.use_gate and care.last_seen(elder, use_gate=False) is None


def test_the_care_thread_learns_and_checks_and_the_health_line_counts(runtime, services, elder, users, sim):
    from appliance.care.setup import CareFeature
    from appliance.db.models import CarePlan

    sim.call_answer = "no answer"
    plan = services.care.save_plan(elder.id, {"consent_by": "self", "volunteer": "volunteer"}, "admin")
    CarePlan.update(created_at=datetime.datetime.now() - datetime.timedelta(hours=30)).where(
        CarePlan.id == plan.id).execute()
    feature = runtime.feature(CareFeature)
    feature.learn_at_hour = 0
    feature.run_once()
    assert CareRoutine.get(CareRoutine.resident == elder).limit_hours == 24  # no data yet: the floor
    (alert,) = services.care.open_alerts()
    assert alert.kind == "silence" and alert.order_id is not None
    assert services.health.report()["subsystems"]["care"]["detail"] == "1 条关怀提醒未处理"


def test_quiet_through_her_waking_hours_alerts_the_same_day_but_a_night_does_not(care, plan, elder, clock, sim):
    sim.call_answer = "answer"
    gate_weeks(elder, clock.t)  # passes at about 8, 11, 16 and 19 o'clock, 28 days
    care.learn_routines()
    routine = CareRoutine.get(CareRoutine.resident == elder)
    assert routine.active_limit_hours is not None and routine.active_limit_hours < routine.limit_hours - 8
    # Her night (last pass yesterday evening, now 09:00) is long, but asleep: no alert.
    assert care.evaluate(plan, clock.t) is None
    morning = clock.t.replace(hour=8, minute=5)
    AccessEvent.create(at=morning, method="card", granted=True, reason="ok", resident=elder, source="gate")
    # Then nothing: by mid-afternoon she has been quiet longer than on any usual day.
    clock.t = morning + datetime.timedelta(hours=routine.active_limit_hours - 0.25)
    assert care.evaluate(plan, clock.t) is None
    clock.t = morning + datetime.timedelta(hours=routine.active_limit_hours + 0.25)
    assert care.evaluate(plan, clock.t) == "silence"
    assert clock.t.date() == morning.date() and (clock.t - morning).total_seconds() / 3600 < routine.limit_hours


def test_waking_hours_and_awake_time_between():
    from appliance.care.routine import awake_hours_between, waking_hours

    hours = [0.0] * 24
    hours[7], hours[12], hours[20] = 0.9, 0.6, 0.5
    awake = waking_hours(hours)
    assert min(awake) == 7 and max(awake) == 20 and 3 not in awake
    night = awake_hours_between(datetime.datetime(2026, 3, 1, 20, 30), datetime.datetime(2026, 3, 2, 7, 15), awake)
    assert night == pytest.approx(0.75)
    assert waking_hours([0.1] * 24) == frozenset()


def test_the_duty_phone_is_texted_when_the_visit_order_opens_and_when_nobody_acknowledged(
        runtime, plan, elder, clock, sim):
    """A visit order waits on a page; if the volunteer never opens it, the alert is missed.
    The community's duty phone gets a text at the order and another at the escalation."""
    from appliance.care.service import CareService, CareSettings
    from appliance.firelane.setup import FireLaneFeature

    care = CareService(runtime.db, runtime.services.audit, runtime.services.workorders,
                       runtime.feature(FireLaneFeature).lane.notifier,
                       CareSettings(ack_minutes=60, escalate_phone="13900139000"), clock=clock)
    sim.call_answer = "no answer"
    care.observe(f"resident:{elder.id}", "sos")
    alert = CareAlert.get()
    to_duty = [s.text for s in sim.sent if s.number.endswith("13900139000")]
    assert len(to_duty) == 1 and "李桂兰" in to_duty[0] and WorkOrder.get_by_id(alert.order_id).number in to_duty[0]
    assert steps(alert)[-1] == ("duty", "sent")
    clock.advance(minutes=30)
    care.tick()
    assert len([s for s in sim.sent if s.number.endswith("13900139000")]) == 1  # not before the hour is up
    clock.advance(minutes=31)
    care.tick()
    to_duty = [s.text for s in sim.sent if s.number.endswith("13900139000")]
    assert len(to_duty) == 2 and "李桂兰" in to_duty[1]
    assert [s for s, _ in steps(alert)][-2:] == ["escalated", "duty_escalated"]
    clock.advance(hours=2)
    care.tick()  # escalated once: no third text
    assert len([s for s in sim.sent if s.number.endswith("13900139000")]) == 2


def test_a_wrong_duty_phone_is_named_when_the_settings_are_read():
    from appliance.care.config import CareConfig

    assert CareConfig(escalate_phone="12345").check() == ['care.escalate_phone: a mobile number such as "13800138000"']
    assert CareConfig(escalate_phone="13900139000").check() == [] and CareConfig().check() == []


def test_a_text_that_failed_for_want_of_signal_is_sent_again_at_the_next_checks(runtime, plan, elder, clock, sim):
    from appliance.care.service import CareService, CareSettings
    from appliance.firelane.setup import FireLaneFeature

    care = CareService(runtime.db, runtime.services.audit, runtime.services.workorders,
                       runtime.feature(FireLaneFeature).lane.notifier,
                       CareSettings(ack_minutes=60, escalate_phone="13900139000"), clock=clock)
    sim.network = False  # the dongle has no signal
    care.observe(f"resident:{elder.id}", "sos")
    alert = CareAlert.get()
    assert ("family", "failed") in steps(alert) and ("duty", "failed") in steps(alert)
    assert alert.order_id is not None and sim.sent == []  # the visit order opens all the same
    clock.advance(minutes=2)
    care.tick()  # too soon to try again
    assert len([s for s in steps(alert) if s[0] == "family"]) == 1
    clock.advance(minutes=3)
    care.tick()  # still no signal: a second try, recorded
    assert [r for s, r in steps(alert) if s == "family"] == ["failed", "failed"]
    sim.network = True  # the signal is back
    clock.advance(minutes=5)
    care.tick()
    assert [r for s, r in steps(alert) if s == "family"] == ["failed", "failed", "sent"]
    assert [r for s, r in steps(alert) if s == "duty"] == ["failed", "failed", "sent"]
    by_number = {s.number[-11:]: s.text for s in sim.sent}
    assert "李桂兰" in by_number["13600136000"] and "李桂兰" in by_number["13900139000"]
    clock.advance(minutes=5)
    care.tick()  # sent: not again
    assert len(sim.sent) == 2


def test_a_text_is_tried_three_times_at_most(care, plan, elder, clock, sim):
    sim.network = False
    care.observe(f"resident:{elder.id}", "sos")
    alert = CareAlert.get()
    for _ in range(6):
        clock.advance(minutes=5)
        care.tick()
    assert [r for s, r in steps(alert) if s == "family"] == ["failed"] * 3
