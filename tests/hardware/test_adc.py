"""gpiozero's MCP3008 through the simulated pin factory's hardware SPI: the chip answers the
datasheet's bit protocol, clamps share a chip, closing frees the bus."""

from __future__ import annotations

import pytest
from gpiozero import MCP3008

from hardware.adc import CurrentClamp, SimulatedCTClamp, SimulatedPiFactory
from hardware.errors import HardwareError


def test_the_chip_answers_gpiozero_with_the_voltage_on_each_channel():
    factory = SimulatedPiFactory()
    chip = factory.spi_chip(0, 0)
    chip.connect(0, lambda: 1.0)
    chip.connect(7, lambda: 3.3)
    with MCP3008(channel=0, pin_factory=factory) as a, MCP3008(channel=7, pin_factory=factory) as b, \
            MCP3008(channel=5, pin_factory=factory) as c:
        assert a.raw_value == round(1.0 / 3.3 * 1023) and b.raw_value == 1023 and c.raw_value == 0
    assert [ch for ch, _ in chip.history] == [0, 7, 5]
    assert factory.pin(8).info.name  # the select pin exists in the factory, reserved while open


def test_a_clamp_reads_rms_amps_and_keeps_its_verdict_between_thresholds():
    factory = SimulatedPiFactory()
    sim = SimulatedCTClamp(amps=2.0)
    factory.spi_chip(0, 1).connect(4, sim)
    clamp = CurrentClamp("c", 4, device=1, on_amps=0.5, off_amps=0.2, pin_factory=factory)
    try:
        assert clamp.amps() == pytest.approx(2.0, rel=0.03)
        assert clamp.drawing() is True
        sim.amps = 0.3
        assert clamp.drawing() is True  # between the thresholds: unchanged
        sim.amps = 0.0
        assert clamp.drawing() is False
        assert [h["drawing"] for h in clamp.history] == [True, True, False] and sim.history == [2.0, 0.3, 0.0]
    finally:
        clamp.close()
    again = CurrentClamp("c", 4, device=1, pin_factory=factory)  # closed: the bus is free again
    again.close()


def test_impossible_clamps_are_refused():
    factory = SimulatedPiFactory()
    with pytest.raises(HardwareError):
        CurrentClamp("c", 8, pin_factory=factory)
    with pytest.raises(HardwareError):
        CurrentClamp("c", 1, on_amps=0.1, off_amps=0.5, pin_factory=factory)
