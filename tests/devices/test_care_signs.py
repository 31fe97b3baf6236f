"""An elder's door contact (Zigbee2MQTT's real payloads over a real mosquitto) and water
meter (Modbus RTU on a pty) feed the care feature: a door moving and water running are signs
of life; heartbeats are not; a meter that shows almost no water in 12 hours raises the care
alert, and the ladder calls the elder on the simulated modem."""

from __future__ import annotations

import datetime

import pytest

from appliance.care.setup import CareFeature
from appliance.db.models import CareAlert, CareSignal
from appliance.firelane.setup import FireLaneFeature
from hardware.meter import SimulatedModbusBus
from tests.devices.conftest import build, write_box
from tests.devices.test_sensors import wait_for, z2m  # noqa: F401  (fixture)
from tests.ringing import ring_without_waiting

ELDER_DEVICES = """
[[devices.sensors]]
name = "door-301"
kind = "door"
place = "5号楼301门口"
responsible = "李工"
interval_h = 1

[[devices.sensors]]
name = "sos-301"
kind = "sos"
place = "5号楼301卧室"
responsible = "李工"
interval_h = 24

[[devices.meters]]
name = "water-301"
place = "5号楼301水表"
responsible = "李工"
port = "{port}"
device_id = 7
register = 0
format = "uint32"
scale = 0.001
unit = "m3"
interval_min = 15
"""


@pytest.fixture
def bus():
    sim = SimulatedModbusBus()
    yield sim
    sim.close()


@pytest.fixture
def elder_box(linli_home, clock, mosquitto, bus):
    write_box(linli_home, mosquitto.port)
    with open(linli_home / "config.toml", "a", encoding="utf-8") as fh:
        fh.write(ELDER_DEVICES.format(port=bus.port))
    rt, feature = build(linli_home, clock)
    care = rt.feature(CareFeature).service
    care.clock = clock
    link = feature.service.link
    link.start()
    assert link.subscribed.wait(10), "the box did not reach the broker"
    registry = rt.services.registry
    building = registry.save_building({"name": "5号楼"}, "t")
    unit = registry.save_unit({"building_id": building.id, "number": "301"}, "t")
    elder = registry.save_resident({"name": "王秀英", "phone": "13700137000", "unit_id": unit.id,
                                    "living_alone_elderly": "1", "birth_year": "1940"}, "t")
    clock.advance(days=-2)
    care.save_plan(elder.id, {"consent_by": "self", "water_meter": "water-301", "door_sensor": "door-301",
                              "sos_button": "sos-301", "family_phone": "13600136000"}, "admin")
    clock.advance(days=2)
    yield rt, feature, care, elder
    rt.close()


def litres(bus, total_litres: int) -> None:
    bus.set_total(7, 0, total_litres, fmt="uint32")


def signals(elder, kind: str) -> list[CareSignal]:
    return list(CareSignal.select().where(CareSignal.resident == elder, CareSignal.kind == kind)
                .order_by(CareSignal.at, CareSignal.id))


def test_a_door_moving_and_water_running_are_signs_of_life(elder_box, z2m, bus, clock):  # noqa: F811
    _, feature, care, elder = elder_box
    sensors = feature.service.sensors
    z2m.door("door-301", closed=True)  # the first report after start: nothing to compare with
    assert wait_for(lambda: sensors.counts["reading"] >= 1)
    assert signals(elder, "door") == [] and care.last_seen(elder) is None
    clock.advance(minutes=10)
    z2m.door("door-301", closed=False)  # she opens the door
    assert wait_for(lambda: len(signals(elder, "door")) == 1)
    assert care.last_seen(elder) == clock().replace(microsecond=0)
    opened_at = clock().replace(microsecond=0)
    clock.advance(minutes=50)
    for _ in range(3):  # the sensor's heartbeat repeats "open": nobody moved
        z2m.door("door-301", closed=False)
    assert wait_for(lambda: sensors.counts["reading"] >= 5)
    assert len(signals(elder, "door")) == 1 and care.last_seen(elder) == opened_at

    litres(bus, 12300)
    feature.meters.poll_once(force=True)
    assert [s.value for s in signals(elder, "water")] == [pytest.approx(12.3)]
    assert care.last_seen(elder) == opened_at  # a reading alone is no sign of life
    clock.advance(minutes=15)
    litres(bus, 12302)  # 2 litres: a dripping tap
    feature.meters.poll_once(force=True)
    assert signals(elder, "flow") == []
    clock.advance(minutes=15)
    litres(bus, 12310)  # 8 litres: she washed
    feature.meters.poll_once(force=True)
    (flow,) = signals(elder, "flow")
    assert flow.value == pytest.approx(0.008) and care.last_seen(elder) == clock().replace(microsecond=0)

    unknown_before = CareSignal.select().count()
    z2m.leak("leak-b3", wet=False)  # a sensor no care plan names: not the care feature's business
    assert wait_for(lambda: sensors.counts["reading"] >= 6)
    assert CareSignal.select().count() == unknown_before


def test_an_unchanged_meter_is_kept_hourly_and_almost_no_water_in_12_hours_raises_the_alert(
        elder_box, z2m, bus, clock):  # noqa: F811
    rt, feature, care, elder = elder_box
    modem = rt.feature(FireLaneFeature).simulated_modem
    ring_without_waiting(rt.feature(FireLaneFeature).lane.notifier)
    litres(bus, 50000)
    feature.meters.poll_once(force=True)
    z2m.door("door-301", closed=True)
    assert wait_for(lambda: feature.service.sensors.counts["reading"] >= 1)
    z2m.door("door-301", closed=False)  # she went out this morning and came back: seen
    assert wait_for(lambda: len(signals(elder, "door")) == 1)
    for _ in range(13 * 4):  # 13 hours of polls every 15 minutes, the total never moves
        clock.advance(minutes=15)
        feature.meters.poll_once(force=True)
        z2m.door("door-301", closed=False)  # heartbeats only
    z2m.flush()
    readings = signals(elder, "water")
    assert 13 <= len(readings) <= 15  # one row an hour, not one per poll
    assert care.silent_hours(care.plan(elder), clock()) == pytest.approx(13, abs=0.1)  # under the 24 h floor
    care.tick()
    (alert,) = CareAlert.select().where(CareAlert.resident == elder)
    assert alert.kind == "water"
    assert [c.number[-11:] for c in modem.calls] == ["13700137000"]  # the ladder called her first
    assert any("Linli" in s or "邻里" in s for s in modem.calls[0].spoken)

    clock.advance(minutes=15)
    litres(bus, 50040)  # 40 litres: a shower
    feature.meters.poll_once(force=True)
    plan = care.plan(elder)
    assert care.evaluate(plan, clock()) is None


def test_her_sos_button_raises_the_care_alert_at_once(elder_box, z2m, clock):  # noqa: F811
    rt, feature, care, elder = elder_box
    modem = rt.feature(FireLaneFeature).simulated_modem
    z2m.sos("sos-301")
    assert wait_for(lambda: CareAlert.select().where(CareAlert.resident == elder).exists())
    alert = CareAlert.get(CareAlert.resident == elder)
    assert alert.kind == "sos"
    assert wait_for(lambda: any(m.number.endswith("13600136000") for m in modem.sent))  # family texted
    assert modem.calls == []  # an SOS does not first ring the elder
    assert [s.kind for s in signals(elder, "sos")] == ["sos"]


def test_one_sensor_cannot_serve_two_purposes_in_a_plan(elder_box):
    _, _, care, elder = elder_box
    from appliance.errors import ValidationError

    with pytest.raises(ValidationError):
        care.save_plan(elder.id, {"consent_by": "self", "door_sensor": "door-301", "sos_button": "door-301"}, "admin")
