"""Lamp current clamps: CPU time of one lamp tick's current check for 8 circuits with a CT
clamp each (a burst of 200 MCP3008 samples per circuit through gpiozero's hardware-SPI path
of the pin factory). Off a Pi the chip is simulated, so this measures gpiozero's and our
Python per sample, which is what the Pi pays on top of the SPI transfers themselves.
The lamps tick once a second; the figure is also given as a share of that second."""

from __future__ import annotations

import os
import time

from bench._results import record

CIRCUITS = 8
ROUNDS = 50


def main() -> None:
    try:
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    except (AttributeError, OSError):
        pass
    from hardware.adc import CurrentClamp, SimulatedCTClamp, SimulatedPiFactory

    factory = SimulatedPiFactory()
    chip = factory.spi_chip(0, 0)
    clamps = []
    for channel in range(CIRCUITS):
        chip.connect(channel, SimulatedCTClamp(amps=0.9))
        clamps.append(CurrentClamp(f"lamp-{channel}", channel, pin_factory=factory))
    try:
        for c in clamps:
            c.drawing()  # warm up
        start = time.process_time()
        for _ in range(ROUNDS):
            for c in clamps:
                c.drawing()
        per_tick = (time.process_time() - start) / ROUNDS * 1000
    finally:
        for c in clamps:
            c.close()
    record("devices_clamp_check_8_circuits", per_tick, "ms CPU", peer="share of the 1 s lamp tick (%)",
           peer_value=per_tick / 10, goal="-")


if __name__ == "__main__":
    main()
