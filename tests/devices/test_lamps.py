"""Lamps on the sunset clock through gpiozero's MockFactory pins: what a person would see on
the street (relay energised or not, the dimming level), overrides, faults, fail safe."""

from __future__ import annotations

import datetime

import pytest
from gpiozero.pins.mock import MockPWMPin

from appliance.db.models import WorkOrder
from appliance.devices.schedule import LampSchedule
from appliance.errors import ValidationError
from tests.devices.conftest import EVENING, build, write_box

RELAY_EAST, DIM_EAST, CURRENT_EAST, RELAY_GATE = 5, 12, 13, 6


def dim(rt) -> float:
    """The PWM duty cycle on the dimming pin (0..1 = 0..10 V into the driver)."""
    return rt.pin_factory.pin(DIM_EAST, pin_class=MockPWMPin).state


def relay_energised(rt, pin: int) -> bool:
    return rt.pin_factory.pin(pin).state == 0  # active-low relay board: low = coil energised


def test_schedule_follows_the_sun_through_the_year():
    s = LampSchedule(26.08, 119.30, "Asia/Shanghai")
    winter, summer = s.night(datetime.date(2026, 12, 21)), s.night(datetime.date(2026, 6, 21))
    # Fuzhou: winter sunset ~17:15, summer ~19:05; the night is much longer in winter.
    assert datetime.time(17, 0) < winter.sunset.time() < datetime.time(17, 30)
    assert datetime.time(18, 50) < summer.sunset.time() < datetime.time(19, 20)
    assert (winter.off_at - winter.on_at) - (summer.off_at - summer.on_at) > datetime.timedelta(hours=2)
    assert winter.on_at == winter.sunset + datetime.timedelta(minutes=10)
    assert winter.dim_at == datetime.datetime(2026, 12, 22, 0, 0)


def test_bad_dates_are_named():
    with pytest.raises(ValidationError) as err:
        LampSchedule(26.0, 119.0, "Asia/Shanghai", all_night_dates=["2027-02-06", "春节"])
    assert err.value.field == "all_night_dates[1]"


def test_sunset_in_the_test_clock_switches_the_relay_on_then_dims_then_off(box, clock):
    rt, feature = box
    lamps = feature.service.lamps
    lamps.tick()
    assert not relay_energised(rt, RELAY_EAST) and not relay_energised(rt, RELAY_GATE)
    clock.at = EVENING
    lamps.tick()
    assert relay_energised(rt, RELAY_EAST) and relay_energised(rt, RELAY_GATE)
    assert dim(rt) == pytest.approx(1.0)
    clock.at = datetime.datetime(2026, 12, 5, 1, 0)
    lamps.tick()
    assert dim(rt) == pytest.approx(0.5)  # dimmed after midnight
    assert relay_energised(rt, RELAY_GATE)  # the undimmable circuit stays simply on
    clock.at = datetime.datetime(2026, 12, 5, 6, 30)
    lamps.tick()
    assert not relay_energised(rt, RELAY_EAST) and dim(rt) == 0
    history = [h["what"] for h in lamps.circuits["east-1"].history]
    assert history[-3:] == ["on", "on", "off"]  # on, dimmed (still on), off


def test_holiday_night_is_bright_all_night(box, clock):
    rt, feature = box
    clock.at = datetime.datetime(2027, 2, 7, 2, 0)  # the night starting 2027-02-06 (春节)
    feature.service.lamps.tick()
    assert dim(rt) == pytest.approx(1.0)
    assert feature.service.lamps.reasons["east-1"] == "all night"


def test_override_expires_and_survives_a_power_cut(linli_home, clock):
    write_box(linli_home)
    rt, feature = build(linli_home, clock)
    circuit = feature.service.lamps.circuits["east-1"]
    try:
        feature.service.override("east-1", "on", "volunteer", hours="1")
        assert relay_energised(rt, RELAY_EAST)
        assert not relay_energised(rt, RELAY_GATE)
    finally:
        rt.close()
    assert circuit.history[-1]["what"] == "released"  # the cut: the relay dropped
    # Power back 10 minutes later: the override is still running and is restored at start.
    clock.advance(minutes=10)
    rt, feature = build(linli_home, clock)
    try:
        assert not relay_energised(rt, RELAY_EAST)  # built released
        feature.start_loop()  # what start_background does; the first tick is immediate
        assert relay_energised(rt, RELAY_EAST)
        clock.advance(minutes=51)
        feature.service.lamps.tick()
        assert not relay_energised(rt, RELAY_EAST)  # back to the (daytime) schedule
    finally:
        rt.close()


def test_override_input_is_checked(box):
    _, feature = box
    with pytest.raises(ValidationError) as err:
        feature.service.override("east-1", "on", "volunteer", level="2")
    assert err.value.field == "level"
    with pytest.raises(ValidationError) as err:
        feature.service.override("east-1", "maybe", "volunteer")
    assert err.value.field == "on"


def test_lamp_on_without_current_opens_one_order_for_the_responsible_person(box, clock):
    rt, feature = box
    lamps = feature.service.lamps
    clock.at = EVENING
    rt.pin_factory.pin(CURRENT_EAST).drive_high()  # current switch open: nothing flows
    lamps.tick()
    assert WorkOrder.select().count() == 0  # not before fault_after_s
    for _ in range(5):
        clock.advance(seconds=11)
        lamps.tick()
    orders = list(WorkOrder.select())
    assert len(orders) == 1
    assert orders[0].assignee == "王师傅" and orders[0].category.code == "dev_lamp_fault"
    assert orders[0].device == "east-1" and "east-1" in orders[0].description
    rt.pin_factory.pin(CURRENT_EAST).drive_low()  # repaired: current flows
    clock.advance(seconds=1)
    lamps.tick()
    assert lamps.desk.active("east-1") == []


def test_burning_hours_and_kwh_per_month(box, clock):
    _, feature = box
    lamps = feature.service.lamps
    clock.at = EVENING
    for _ in range(361):  # one hour in 10-second ticks
        lamps.tick()
        clock.advance(seconds=10)
    feature.service.checkpoint()
    gate = lamps.months("gate-2")[-1]
    assert gate["month"] == "2026-12"
    assert gate["hours"] == pytest.approx(1.0, abs=0.01)
    assert gate["kwh"] == pytest.approx(0.1, abs=0.002)  # 100 W for one hour


def test_relays_released_when_the_box_closes(linli_home, clock):
    write_box(linli_home)
    clock.at = EVENING
    rt, feature = build(linli_home, clock)
    feature.service.lamps.tick()
    circuit = feature.service.lamps.circuits["east-1"]
    assert circuit.is_on
    feature.close()
    assert circuit.history[-1]["what"] == "released"
    rt.close()


def test_bad_lamp_settings_are_named(linli_home):
    (linli_home / "config.toml").write_text('[[devices.lamps]]\nname = "x"\nrelay_pin = 99\n', encoding="utf-8")
    from appliance.config import load_config

    cfg = load_config(linli_home)
    assert any(p.startswith("devices.lamps[0].relay_pin") for p in cfg.problems)


def test_a_lamp_on_the_gates_pin_is_named_when_the_settings_are_read(linli_home):
    from appliance.config import load_config

    (linli_home / "config.toml").write_text(
        '[[devices.lamps]]\nname = "x"\nrelay_pin = 26\n[[devices.meters]]\nname = "m"\npulse_pin = 17\n',
        encoding="utf-8")
    problems = load_config(linli_home).problems
    assert "devices.lamps[0].relay_pin: GPIO 26 is already gate.relay_pin" in problems
    assert "devices.meters[0].pulse_pin: GPIO 17 is already gate.exit_pin" in problems
    (linli_home / "config.toml").write_text('[gate]\nenabled = false\n[[devices.lamps]]\nname = "x"\nrelay_pin = 26\n',
                                            encoding="utf-8")
    assert load_config(linli_home).problems == []


def test_the_district_can_light_a_festival_night_on_every_box(box, clock):
    """A signed "config" downlink from the hub adds all-night dates (e.g. 元宵节)."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from appliance.sync import downlink
    from appliance.sync.keys import public_text

    rt, feature = box
    services = rt.services
    lamps = feature.service.lamps
    clock.at = datetime.datetime(2026, 12, 25, 2, 0)  # after midnight: normally dimmed
    lamps.tick()
    assert lamps.reasons["east-1"] == "dimmed"
    hub_key = Ed25519PrivateKey.generate()
    services.sync.pin_hub("district-1", public_text(hub_key))
    items = [{"s": 1, "k": "config", "d": {"key": "devices.all_night_dates", "value": ["2026-12-24"]}}]
    services.sync.handle_downlink(downlink.build(items, "district-1", services.box_id, hub_key), "mqtt")
    feature.service.schedule._district_read = -1e9  # the schedule re-reads once a minute
    lamps.tick()
    assert lamps.reasons["east-1"] == "all night" and dim(rt) == pytest.approx(1.0)
