"""Sensors over a real mosquitto: a simulated Zigbee2MQTT publishes the bridge's real payload
shapes; the box turns alarms and silence into work orders for the named person."""

from __future__ import annotations

import json
import time

import pytest

from appliance.db.models import Device, DeviceHour, WorkOrder
from hardware.zigbee2mqtt import SimulatedZigbee2MQTT


def wait_for(cond, timeout: float = 10.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(0.02)
    return False


@pytest.fixture
def z2m(mosquitto):
    sim = SimulatedZigbee2MQTT("127.0.0.1", mosquitto.port)
    yield sim
    sim.close()


def orders(category: str | None = None):
    q = WorkOrder.select()
    return [o for o in q if category is None or o.category.code == category]


def test_leak_message_opens_one_order_for_the_responsible_person(live_box, z2m):
    _, feature = live_box
    sensors = feature.service.sensors
    z2m.leak("leak-b3", wet=False)
    assert wait_for(lambda: sensors.counts["reading"] >= 1)
    assert orders() == []
    for _ in range(20):  # the sensor keeps reporting while the floor is wet
        z2m.leak("leak-b3", wet=True)
    assert wait_for(lambda: sensors.counts["reading"] >= 21)
    leaks = orders("dev_water_leak")
    assert len(leaks) == 1
    order = leaks[0]
    assert order.assignee == "李工" and order.source == "sensor" and order.spot == "3号楼地下室"
    assert order.device == "leak-b3"
    assert "3号楼地下室" in order.description


def test_tilted_cover_and_full_garbage_room(live_box, z2m):
    _, feature = live_box
    sensors = feature.service.sensors
    z2m.tilt("manhole-7", angle_z=85)  # 5 degrees: traffic rattles it, no alarm
    z2m.level("garbage-n", 60)
    assert wait_for(lambda: sensors.counts["reading"] >= 2)
    assert orders() == []
    z2m.tilt("manhole-7", angle_z=70)  # 20 degrees: the cover is out of its frame
    z2m.level("garbage-n", 93)
    assert wait_for(lambda: len(orders()) == 2)
    assert orders("dev_manhole")[0].assignee == "市政张"
    assert "20" in orders("dev_manhole")[0].description
    assert orders("dev_garbage_full")[0].assignee == "保洁刘"


def test_garbage_is_refused_and_counted_the_rest_still_works(live_box, z2m):
    _, feature = live_box
    sensors = feature.service.sensors
    z2m.raw("zigbee2mqtt/leak-b3", b"{not json")
    z2m.raw("zigbee2mqtt/leak-b3", b"[1, 2, 3]")
    z2m.raw("zigbee2mqtt/leak-b3", b"\xff\xfe")
    z2m.raw("zigbee2mqtt/stranger", b'{"water_leak": true}')
    z2m.raw("zigbee2mqtt/climate-1", b'{"temperature": 900, "humidity": "wet", "battery": 100}')
    z2m.raw("zigbee2mqtt/leak-b3", b'{"water_leak": "yes"}')
    z2m.leak("leak-b3", wet=True)
    assert wait_for(lambda: len(orders()) == 1)
    c = sensors.counts
    assert c["malformed"] == 4 and c["unknown"] == 1
    assert c["refused_values"] >= 3  # temperature out of range, humidity and water_leak not the right type
    assert sensors.live("climate-1")["values"] == {"battery": 100.0}
    assert "stranger" in sensors.unknown
    assert Device.select().where(Device.name == "stranger").count() == 0


def test_silent_device_becomes_one_order(live_box, z2m, clock):
    _, feature = live_box
    sensors = feature.service.sensors
    z2m.climate("climate-1", 24.5, 60)
    assert wait_for(lambda: sensors.counts["reading"] >= 1)
    clock.advance(hours=2)
    assert "climate-1" not in sensors.check_silent()
    clock.advance(hours=1, minutes=5)  # 3 × the 1-hour interval has passed
    assert "climate-1" in sensors.check_silent()
    clock.advance(hours=5)
    sensors.check_silent()
    silent = [o for o in orders("dev_silent") if o.device == "climate-1"]
    assert len(silent) == 1 and silent[0].assignee == "李工" and silent[0].repeats >= 1


def test_zigbee2mqtt_offline_opens_the_not_reporting_order(live_box, z2m):
    _, feature = live_box
    z2m.available("manhole-7", online=False)
    assert wait_for(lambda: len(orders("dev_silent")) == 1)
    assert orders("dev_silent")[0].device == "manhole-7"
    z2m.available("manhole-7", online=True, legacy=True)  # the plain-text form is understood too
    assert wait_for(lambda: feature.service.sensors.live("manhole-7")["online"] is True)


def test_low_battery_opens_an_order(live_box, z2m):
    _, feature = live_box
    z2m.leak("leak-b3", wet=False, battery=12)
    assert wait_for(lambda: len(orders("dev_battery")) == 1)
    assert "12" in orders("dev_battery")[0].description


def test_checkpoint_writes_last_seen_and_hourly_figures_in_one_go(live_box, z2m, clock):
    _, feature = live_box
    sensors = feature.service.sensors
    for t in (20.0, 22.0, 24.0):
        z2m.climate("climate-1", t, 55, battery=88)
    assert wait_for(lambda: sensors.counts["reading"] >= 3)
    assert Device.get(Device.name == "climate-1").last_seen is None  # nothing written per message
    assert feature.service.checkpoint() == 1
    device = Device.get(Device.name == "climate-1")
    assert device.last_seen == clock().replace(microsecond=0) and device.battery == 88
    row = DeviceHour.get(DeviceHour.device == device.id, DeviceHour.metric == "temperature")
    assert (row.n, row.low, row.high, row.last) == (3, 20.0, 24.0, 24.0)
    assert row.total / row.n == pytest.approx(22.0)


def test_flood_of_ten_thousand_messages_loses_no_alarm(live_box, z2m):
    _, feature = live_box
    sensors = feature.service.sensors
    payload = b'{"battery":100,"humidity":50.1,"linkquality":110,"temperature":21.5,"voltage":3015}'
    start = time.monotonic()
    for _ in range(10_000):
        z2m.raw("zigbee2mqtt/climate-1", payload, qos=0)
    z2m.leak("leak-b3", wet=True)  # the one message that matters, right behind the flood
    z2m.flush()
    assert wait_for(lambda: len(orders("dev_water_leak")) == 1, timeout=60)
    assert wait_for(lambda: sensors.counts["reading"] >= 10_001, timeout=30)
    assert time.monotonic() - start < 60
    feature.service.checkpoint()
    row = DeviceHour.get(DeviceHour.metric == "temperature")
    assert row.n == 10_000  # every reading counted, in one row


def chirpstack_uplink(device_name: str, decoded: dict | None) -> bytes:
    """A ChirpStack v4 uplink event as its MQTT integration publishes it (JSON encoding)."""
    event = {"deduplicationId": "3e2a6f1c-58f1-4b7e-9c43-1b0f0d1c2a10", "time": "2026-12-04T09:30:00.123456+00:00",
             "deviceInfo": {"tenantId": "52f14cd4-c6f1-4fbd-8f87-4025e1d49242", "tenantName": "ChirpStack",
                            "applicationId": "17c82e96-be03-4f38-aef3-f83d48582d97", "applicationName": "manholes",
                            "deviceProfileId": "14855bf7-d10d-4aee-b618-ebfcb64dc7ad",
                            "deviceProfileName": "tilt sensor", "deviceName": device_name,
                            "devEui": "0101010101010101", "tags": {}},
             "devAddr": "00189440", "adr": True, "dr": 5, "fCnt": 42, "fPort": 1, "confirmed": False,
             "data": "AQIDBA==", "rxInfo": [{"gatewayId": "0016c001ff10a235", "rssi": -97, "snr": 7.5}],
             "txInfo": {"frequency": 470300000, "modulation": {"lora": {"bandwidth": 125000, "spreadingFactor": 7}}}}
    if decoded is not None:
        event["object"] = decoded
    return json.dumps(event).encode()


def test_lorawan_manhole_through_chirpstack(live_box, z2m):
    _, feature = live_box
    sensors = feature.service.sensors
    topic = "application/17c82e96-be03-4f38-aef3-f83d48582d97/device/0101010101010101/event/up"
    z2m.raw(topic, chirpstack_uplink("manhole-7", None))  # no codec configured: nothing to read
    z2m.raw(topic, chirpstack_uplink("manhole-7", {"angle_z": 88, "battery": 80}))
    assert wait_for(lambda: sensors.counts["reading"] == 1 and sensors.counts["malformed"] == 1)
    assert orders() == []
    z2m.raw(topic, chirpstack_uplink("manhole-7", {"angle_z": 55, "battery": 80}))
    assert wait_for(lambda: len(orders("dev_manhole")) == 1)
    assert orders("dev_manhole")[0].assignee == "市政张"


def test_leak_to_work_order_to_a_text_through_the_modem(live_box, z2m):
    """End to end: a leak message → alarm → work order → SMS to the responsible person,
    through the simulated 4G dongle speaking AT on a pty."""
    rt, feature = live_box
    from appliance.firelane.setup import FireLaneFeature

    modem = rt.feature(FireLaneFeature).simulated_modem
    for _ in range(3):
        z2m.leak("leak-b3", wet=True)
    assert wait_for(lambda: feature.service.sensors.counts["reading"] >= 3)
    order = orders("dev_water_leak")[0]
    assert feature.texts.send_waiting() == 1  # one order, one text, however often the sensor repeats
    assert feature.texts.history[-1][2] == "sent"
    texts = [(m.number, m.text) for m in modem.sent]
    assert len(texts) == 1
    number, text = texts[0]
    assert number.endswith("13800138000") and order.number in text and "3号楼地下室" in text
    z2m.tilt("manhole-7", angle_z=60)  # no phone given for this one: the order only
    assert wait_for(lambda: len(orders("dev_manhole")) == 1)
    assert feature.texts.send_waiting() == 0


def test_silence_and_escalation(live_box, z2m, clock):
    rt, feature = live_box
    svc = feature.service
    z2m.leak("leak-b3", wet=True)
    assert wait_for(lambda: len(orders("dev_water_leak")) == 1)
    order = orders("dev_water_leak")[0]
    assert svc.escalate() == []  # not yet: 30 minutes by default
    clock.advance(minutes=31)
    assert svc.escalate() == [order.number]
    notes = [n.text for n in rt.services.workorders.timeline(order.id)]
    assert any(t.startswith("escalated") for t in notes)
    assert svc.escalate() == []  # once
    svc.silence("manhole-7", "2", "volunteer")
    z2m.tilt("manhole-7", angle_z=50)
    assert wait_for(lambda: svc.sensors.counts["reading"] >= 2)
    assert orders("dev_manhole") == []  # silenced: no order
    clock.advance(hours=2, minutes=1)
    z2m.tilt("manhole-7", angle_z=50)
    assert wait_for(lambda: len(orders("dev_manhole")) == 1)  # the silence is over


def test_accepted_orders_are_not_escalated(live_box, z2m, clock):
    rt, feature = live_box
    z2m.leak("leak-b3", wet=True)
    assert wait_for(lambda: len(orders("dev_water_leak")) == 1)
    order = orders("dev_water_leak")[0]
    rt.services.workorders.transition(order.id, "accepted", "volunteer")
    clock.advance(hours=1)
    assert feature.service.escalate() == []
