"""Device settings pushed by the district in a signed downlink: the box validates them,
applies them (lamp offsets and dimming, silence intervals), audits and reports back; a bad
value changes nothing and is reported as refused."""

from __future__ import annotations

import datetime

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from appliance.db.models import AuditLog, Device, OutboxEntry, WorkOrder
from appliance.devices.district import KIND
from appliance.sync import downlink
from appliance.sync.keys import public_text
from tests.devices.conftest import EVENING


@pytest.fixture
def hub(box):
    rt, _ = box
    key = Ed25519PrivateKey.generate()
    rt.services.sync.pin_hub("district-1", public_text(key))
    seq = [0]

    def push(key_name: str, value) -> None:
        seq[0] += 1
        items = [{"s": seq[0], "k": "config", "d": {"key": key_name, "value": value}}]
        rt.services.sync.handle_downlink(downlink.build(items, "district-1", rt.services.box_id, key), "mqtt")

    return push


def reports():
    return [e.payload for e in OutboxEntry.select().where(OutboxEntry.kind == KIND).order_by(OutboxEntry.seq)]


def test_the_district_moves_the_lamps_on_time_and_the_box_reports_it_applied(box, hub, clock):
    _, feature = box
    lamps, district = feature.service.lamps, feature.district
    clock.at = EVENING.replace(hour=17, minute=15)  # sunset 17:10, on at +10 min by the settings file
    lamps.tick()
    assert not lamps.circuits["east-1"].is_on
    hub("devices.lamp_schedule", {"on_after_sunset_min": 0, "dim_level": 0.3})
    assert district.check() == ["devices.lamp_schedule"]
    lamps.tick()
    assert lamps.circuits["east-1"].is_on  # on at sunset now
    (report,) = reports()
    assert report["key"] == "devices.lamp_schedule" and report["applied"] is True and report["reason"] == ""
    assert AuditLog.select().where(AuditLog.actor == "district", AuditLog.action == "district_setting").count() == 1
    assert district.check() == [] and len(reports()) == 1  # nothing new: nothing done, nothing sent
    clock.at = datetime.datetime(2026, 12, 5, 1, 0)
    lamps.tick()
    assert lamps.circuits["east-1"].level == pytest.approx(0.3, abs=0.01)  # the district's dim level


@pytest.mark.parametrize("value", [{"on_after_sunset_min": 500}, {"dim_at": "25:99"}, {"dim_level": "bright"},
                                   {"brightness": 1}, [], "x", {"on_after_sunset_min": True}])
def test_a_bad_value_changes_nothing_and_is_reported_refused(box, hub, clock, value):
    _, feature = box
    schedule = feature.service.schedule
    before = (schedule.on_offset, schedule.off_offset, schedule.dim_time, schedule.dim_level)
    hub("devices.lamp_schedule", value)
    feature.district.check()
    assert (schedule.on_offset, schedule.off_offset, schedule.dim_time, schedule.dim_level) == before
    (report,) = reports()
    assert report["applied"] is False and report["reason"]


def test_a_silence_from_the_district_holds_back_alarm_orders_until_it_ends(box, hub, clock):
    _, feature = box
    sensors = feature.service.sensors
    until = clock.at + datetime.timedelta(days=3)
    hub("devices.silences", [{"device": "manhole-7", "until": until.isoformat(timespec="minutes"),
                              "reason": "道路施工"}])
    feature.district.check()
    assert reports()[-1]["applied"] is True
    sensors.handle("zigbee2mqtt/manhole-7", b'{"angle_z": 40, "battery": 90}')  # tilted by the works
    assert not [o for o in WorkOrder.select() if o.device == "manhole-7"]
    clock.at = until + datetime.timedelta(minutes=1)
    sensors.handle("zigbee2mqtt/manhole-7", b'{"angle_z": 40, "battery": 90}')
    assert len([o for o in WorkOrder.select() if o.device == "manhole-7"]) == 1
    hub("devices.silences", [{"device": "no-such-thing", "until": until.isoformat()}])
    feature.district.check()
    assert reports()[-1]["applied"] is False and "no-such-thing" in reports()[-1]["reason"]


def test_the_district_dims_one_circuit_deeper_and_a_bad_level_changes_nothing(box, hub, clock):
    _, feature = box
    lamps = feature.service.lamps
    hub("devices.circuit_dims", {"east-1": 0.25})
    assert feature.district.check() == ["devices.circuit_dims"]
    assert reports()[-1]["applied"] is True
    clock.at = datetime.datetime(2026, 12, 5, 1, 0)  # after midnight: dimmed hours
    lamps.tick()
    assert lamps.circuits["east-1"].level == pytest.approx(0.25, abs=0.01)
    # One unknown circuit (or one level out of range) refuses the item: east-1 keeps 0.25.
    for bad in ({"east-1": 0.8, "west-9": 0.5}, {"east-1": 0.8, "gate-2": 1.5}, {"east-1": "half"}):
        hub("devices.circuit_dims", bad)
        feature.district.check()
        assert reports()[-1]["applied"] is False and reports()[-1]["reason"]
        lamps.tick()
        assert lamps.circuits["east-1"].level == pytest.approx(0.25, abs=0.01)
    assert "west-9" in reports()[-3]["reason"]


def test_the_district_adds_a_sensor_that_then_raises_alarms_for_its_person(box, hub, clock):
    _, feature = box
    sensors, registry = feature.service.sensors, feature.service.registry
    hub("devices.sensors", [{"name": "leak-b9", "kind": "water_leak", "place": "9号楼地下室",
                             "interval_h": 2, "responsible": "赵工"}])
    assert feature.district.check() == ["devices.sensors"]
    assert reports()[-1]["applied"] is True
    device = registry.get("leak-b9")
    assert (device.place, device.responsible, device.interval_s) == ("9号楼地下室", "赵工", 7200)
    assert sensors.handle("zigbee2mqtt/leak-b9", b'{"water_leak": true, "battery": 80}') == "reading"
    (order,) = [o for o in WorkOrder.select() if o.device == "leak-b9"]
    assert AuditLog.select().where(AuditLog.actor == "district", AuditLog.action == "district_setting").count() == 1
    # An update moves it; the same list twice is handled once.
    hub("devices.sensors", [{"name": "leak-b9", "kind": "water_leak", "place": "9号楼水泵房", "interval_h": 2}])
    feature.district.check()
    assert registry.get("leak-b9").place == "9号楼水泵房"


@pytest.mark.parametrize("value", [
    [{"name": "ok-1", "kind": "water_leak"}, {"name": "bad/2", "kind": "water_leak"}],  # name with /
    [{"name": "ok-1", "kind": "water_leak"}, {"name": "x-2", "kind": "toaster"}],  # unknown kind
    [{"name": "ok-1", "kind": "water_leak"}, {"name": "x-2", "kind": "tilt", "interval_h": 0}],
    [{"name": "ok-1", "kind": "water_leak"}, {"name": "x-2", "kind": "tilt", "responsible_phone": "12"}],
    [{"name": "ok-1", "kind": "water_leak"}, {"name": "ok-1", "kind": "tilt"}],  # twice
    [{"name": "ok-1", "kind": "water_leak"}, {"name": "leak-b3", "kind": "tilt"}],  # the settings file's
    [{"name": "ok-1", "kind": "water_leak"}, {"name": "east-1", "kind": "tilt"}],  # a lamp
    [{"name": "ok-1", "kind": "water_leak"}, {"name": "nobody", "retired": True}],
    [{"name": "ok-1", "kind": "water_leak", "colour": "red"}], "x", [],
])
def test_one_bad_sensor_entry_refuses_the_whole_list(box, hub, value):
    _, feature = box
    before = sorted((d.name, d.kind, d.place, d.active) for d in Device.select())
    hub("devices.sensors", value)
    feature.district.check()
    assert sorted((d.name, d.kind, d.place, d.active) for d in Device.select()) == before
    assert reports()[-1]["applied"] is False and reports()[-1]["reason"]


def test_a_retired_sensor_with_readings_is_kept_inactive_and_one_never_heard_is_removed(box, hub, clock):
    _, feature = box
    sensors = feature.service.sensors
    hub("devices.sensors", [{"name": "tilt-a", "kind": "tilt"}, {"name": "tilt-b", "kind": "tilt"}])
    feature.district.check()
    sensors.handle("zigbee2mqtt/tilt-a", b'{"angle_z": 90, "battery": 90}')  # lies flat: no alarm
    feature.service.checkpoint()
    hub("devices.sensors", [{"name": "tilt-a", "retired": True}, {"name": "tilt-b", "retired": True}])
    feature.district.check()
    assert reports()[-1]["applied"] is True
    kept = Device.get(Device.name == "tilt-a")
    assert kept.active is False and kept.last_seen is not None  # history stays
    assert Device.get_or_none(Device.name == "tilt-b") is None
    assert sensors.handle("zigbee2mqtt/tilt-a", b'{"angle_z": 40, "battery": 90}') == "unknown"
    assert not [o for o in WorkOrder.select() if o.device == "tilt-a"]  # a retired sensor raises nothing


def test_sensors_the_district_pushed_are_heard_on_a_box_whose_file_lists_none(linli_home, clock, mosquitto):
    """A box set up with only a broker address: after the district's list arrives, the next
    start connects to the broker (before, it never did, so pushed sensors were never heard)."""
    from appliance.devices.district_push import apply_sensors
    from tests.devices.conftest import build

    (linli_home / "config.toml").write_text(
        f'[devices]\nlatitude = 26.08\nlongitude = 119.30\nmqtt_host = "127.0.0.1"\nmqtt_port = {mosquitto.port}\n',
        encoding="utf-8")
    rt, feature = build(linli_home, clock)
    try:
        assert feature.service.link is None  # nothing to listen for yet
        apply_sensors(feature.service.registry, [{"name": "leak-b9", "kind": "water_leak", "place": "9号楼地下室",
                                                  "interval_h": 2}], clock())
    finally:
        rt.close()
    rt, feature = build(linli_home, clock)
    try:
        link = feature.service.link
        assert link is not None
        link.start()  # what the feature's start does (tests tick by hand, as live_box does)
        assert link.subscribed.wait(10), "the box did not reach the broker"
        assert feature.service.sensors.handle("zigbee2mqtt/leak-b9", b'{"water_leak": false, "battery": 90}') \
            == "reading"
    finally:
        rt.close()
