"""Device settings pushed by the district in a signed downlink: the box validates them,
applies them (lamp offsets and dimming, silence intervals), audits and reports back; a bad
value changes nothing and is reported as refused."""

from __future__ import annotations

import datetime

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from appliance.db.models import AuditLog, OutboxEntry, WorkOrder
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
