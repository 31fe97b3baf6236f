"""Meters on RS-485: pymodbus reads a simulated meter answering Modbus RTU on a real pty; a
reading is kept like a sensor's, a meter that stops answering becomes one work order."""

from __future__ import annotations

import pytest

from appliance.config import load_config
from appliance.db.models import Device, DeviceHour, WorkOrder
from hardware.meter import SimulatedModbusBus
from tests.devices.conftest import build

METERS = """
[[devices.meters]]
name = "meter-b3"
place = "3号楼配电箱"
responsible = "电工老王"
port = "{port}"
device_id = 3
register = 16384
format = "float32"
unit = "kWh"
interval_min = 15

[[devices.meters]]
name = "water-1"
place = "水泵房"
responsible = "李工"
port = "{port}"
device_id = 7
register = 0
format = "uint32"
scale = 0.001
unit = "m3"
interval_min = 60
"""


@pytest.fixture
def bus():
    sim = SimulatedModbusBus()
    yield sim
    sim.close()


@pytest.fixture
def meter_box(linli_home, clock, bus):
    (linli_home / "config.toml").write_text('[devices]\nmqtt_host = ""\n' + METERS.format(port=bus.port),
                                            encoding="utf-8")
    rt, feature = build(linli_home, clock)
    yield rt, feature
    rt.close()


def test_meters_are_read_over_modbus_rtu(meter_box, bus, clock):
    _, feature = meter_box
    bus.set_total(3, 16384, 1234.5)
    bus.set_total(7, 0, 56789, fmt="uint32")  # 56.789 m³ in litres
    got = feature.meters.poll_once(force=True)
    assert got == {"meter-b3": 1234.5, "water-1": pytest.approx(56.789)}
    assert (3, 3, 16384, 2) in bus.history  # function 3, two registers, at the meter's address
    clock.advance(minutes=15)
    bus.set_total(3, 16384, 1236.0)
    feature.meters.poll_once(force=True)
    feature.service.checkpoint()
    device = Device.get(Device.name == "meter-b3")
    row = DeviceHour.get(DeviceHour.device == device.id, DeviceHour.metric == "total")
    assert (row.low, row.high, row.n) == (1234.5, 1236.0, 2)  # 1.5 kWh used in that hour


@pytest.mark.slow  # waits on CLI processes or device timeouts (see tests/conftest.py SLOW_MODULES)
def test_a_meter_that_stops_answering_opens_one_order(meter_box, bus, clock):
    _, feature = meter_box
    bus.set_total(3, 16384, 100.0)
    bus.set_total(7, 0, 1000, fmt="uint32")
    feature.meters.poll_once(force=True)
    bus.silent.add(3)  # the RS-485 cable to meter 3 is cut
    for _ in range(4):
        clock.advance(minutes=15)
        assert "meter-b3" not in feature.meters.poll_once(force=True)
    assert "meter 3" in feature.meters.failures["meter-b3"]  # the page and the log say which meter
    clock.advance(minutes=1)
    quiet = feature.service.sensors.check_silent()
    assert "meter-b3" in quiet
    orders = list(WorkOrder.select())
    assert [(o.device, o.assignee, o.category.code) for o in orders] == [("meter-b3", "电工老王", "dev_silent")]


def test_bad_meter_settings_are_named(linli_home):
    (linli_home / "config.toml").write_text(
        '[[devices.meters]]\nname = "m"\nport = "COM3"\ndevice_id = 300\nformat = "double"\n', encoding="utf-8")
    problems = load_config(linli_home).problems
    for key in ("port", "device_id", "format"):
        assert any(p.startswith(f"devices.meters[0].{key}") for p in problems), problems


PULSE = """
[devices]
mqtt_host = ""

[[devices.meters]]
name = "pump-kwh"
place = "水泵房"
responsible = "电工老王"
pulse_pin = 16
pulses_per_unit = 100
interval_min = 15
"""


def pulse(rt, n: int) -> None:
    pin = rt.pin_factory.pin(16)
    for _ in range(n):
        pin.drive_low()  # the meter's open collector closes to ground: one impulse
        pin.drive_high()


def test_pulse_meter_counts_and_continues_after_a_restart(linli_home, clock):
    import time

    (linli_home / "config.toml").write_text(PULSE, encoding="utf-8")
    rt, feature = build(linli_home, clock)
    try:
        feature.meters.open_all()
        for _ in range(25):
            pulse(rt, 1)
            time.sleep(0.006)  # slower than the 5 ms debounce, as a meter's 80 ms impulses are
        got = feature.meters.poll_once(force=True)
        assert got["pump-kwh"] == pytest.approx(0.25)
        feature.service.checkpoint()
    finally:
        rt.close()
    rt, feature = build(linli_home, clock)  # power cut: the count starts again from what was written
    try:
        feature.meters.open_all()
        for _ in range(10):
            pulse(rt, 1)
            time.sleep(0.006)
        assert feature.meters.poll_once(force=True)["pump-kwh"] == pytest.approx(0.35)
    finally:
        rt.close()
