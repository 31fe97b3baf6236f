"""Lamp current measured by a CT clamp on an MCP3008 (gpiozero's MCP3008 through the pin
factory's hardware SPI, a simulated chip and clamp behind it): a lamp that should be on but
draws nothing, or is off but draws, opens one work order for the circuit's responsible person."""

from __future__ import annotations

import pytest

from appliance.config import load_config
from appliance.db.models import WorkOrder
from hardware.adc import SimulatedCTClamp
from tests.devices.conftest import EVENING, NOON, build, write_box

CLAMPED = """
[[devices.lamps]]
name = "plaza-3"
place = "中心广场"
relay_pin = 16
watts = 200
responsible = "电工老王"
clamp_channel = 2
clamp_on_amps = 0.5
clamp_off_amps = 0.2

[[devices.lamps]]
name = "path-4"
place = "健身步道"
relay_pin = 20
watts = 100
responsible = "电工老王"
clamp_channel = 3
"""


@pytest.fixture
def clamp_box(linli_home, clock):
    write_box(linli_home)
    with open(linli_home / "config.toml", "a", encoding="utf-8") as fh:
        fh.write(CLAMPED)
    rt, feature = build(linli_home, clock)
    chip = rt.pin_factory.spi_chip(0, 0)
    clamps = {}
    for name, channel, amps in (("plaza-3", 2, 0.9), ("path-4", 3, 0.45)):
        circuit = feature.service.lamps.circuits[name]
        clamp = clamps[name] = SimulatedCTClamp()
        # A healthy lamp draws while its relay is on; tests take over with ``amps``.
        clamp.load = (lambda c=circuit, a=amps: a if c.is_on else 0.0)
        chip.connect(channel, clamp)
    yield rt, feature, chip, clamps
    rt.close()


def lamp_orders():
    """Orders about the clamped circuits (the fixture's east-1 has a current switch of its own)."""
    return [o for o in WorkOrder.select() if o.category.code == "dev_lamp_fault" and o.device in ("plaza-3", "path-4")]


def test_healthy_lamps_read_their_current_through_the_adc(clamp_box, clock):
    _, feature, chip, _ = clamp_box
    lamps = feature.service.lamps
    clock.at = EVENING
    lamps.tick()
    state = lamps.state("plaza-3")
    assert state["on"] and state["current"] is True and state["amps"] == pytest.approx(0.9, abs=0.05)
    assert lamps.state("path-4")["amps"] == pytest.approx(0.45, abs=0.05)
    assert chip.reads[2] >= 200 and chip.reads[3] >= 200  # a burst of samples per circuit per tick
    for _ in range(5):
        clock.advance(seconds=11)
        lamps.tick()
    assert lamp_orders() == []


def test_a_lamp_on_without_current_opens_one_order_and_the_repair_clears_it(clamp_box, clock):
    _, feature, _, clamps = clamp_box
    lamps = feature.service.lamps
    clock.at = EVENING
    lamps.tick()
    clamps["plaza-3"].load = None
    clamps["plaza-3"].amps = 0.02  # the lamp head blew: the relay is on, nothing flows
    lamps.tick()
    assert lamp_orders() == []  # not before fault_after_s
    for _ in range(5):
        clock.advance(seconds=11)
        lamps.tick()
    (order,) = lamp_orders()
    assert order.assignee == "电工老王" and order.device == "plaza-3" and order.spot == "中心广场"
    assert lamps.circuits["plaza-3"].clamp.history[-1]["amps"] < 0.1
    clamps["plaza-3"].amps = 0.35  # between the thresholds: the verdict holds, no flapping
    clock.advance(seconds=1)
    lamps.tick()
    assert lamps.desk.active("plaza-3") and lamps.state("plaza-3")["current"] is False
    clamps["plaza-3"].amps = 0.95  # a new lamp head
    clock.advance(seconds=1)
    lamps.tick()
    assert lamps.desk.active("plaza-3") == [] and len(lamp_orders()) == 1
    assert lamps.desk.active("path-4") == []


def test_a_lamp_off_but_drawing_current_opens_an_order(clamp_box, clock):
    _, feature, _, clamps = clamp_box
    lamps = feature.service.lamps
    clock.at = NOON
    lamps.tick()
    assert not lamps.circuits["path-4"].is_on
    clamps["path-4"].load = None
    clamps["path-4"].amps = 0.8  # the contactor welded shut: burning at noon
    for _ in range(3):
        lamps.tick()
        clock.advance(seconds=11)
    lamps.tick()
    (order,) = lamp_orders()
    assert order.device == "path-4"
    assert [a for a in lamps.desk.active("path-4")] and lamps.desk.active("plaza-3") == []


def test_bad_clamp_settings_are_named(linli_home):
    write_box(linli_home)
    with open(linli_home / "config.toml", "a", encoding="utf-8") as fh:
        fh.write('[[devices.lamps]]\nname = "x1"\nrelay_pin = 10\nclamp_channel = 9\n'
                 '[[devices.lamps]]\nname = "x2"\nrelay_pin = 21\nclamp_channel = 1\nclamp_on_amps = 0.1\n'
                 'clamp_off_amps = 0.5\n'
                 '[[devices.lamps]]\nname = "x3"\nrelay_pin = 22\nclamp_channel = 1\nclamp_amps_per_volt = "many"\n')
    problems = load_config(linli_home).problems
    for start in ("devices.lamps[2].relay_pin", "devices.lamps[2].clamp_channel", "devices.lamps[3].clamp_off_amps",
                  "devices.lamps[4].clamp_channel", "devices.lamps[4].clamp_amps_per_volt"):
        assert any(p.startswith(start) for p in problems), (start, problems)
