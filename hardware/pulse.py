"""A pulse counter on a GPIO input: water and electricity meters with a pulse output (an
open collector or reed contact to ground, e.g. 1000 impulses per kWh or 1 per 10 litres).

Counted in gpiozero's callback thread; ``count`` only grows. ``history`` keeps the times of
the last 200 pulses. Closed with the box like every device."""

from __future__ import annotations

import collections
import threading
import time

from gpiozero import DigitalInputDevice, GPIOZeroError

from hardware.errors import HardwareError


class PulseCounter:
    def __init__(self, pin, *, bounce_s: float | None = 0.005, pin_factory=None):
        self._lock = threading.Lock()
        self.count = 0
        self.history: collections.deque = collections.deque(maxlen=200)
        try:
            self.input = DigitalInputDevice(pin, pull_up=True, bounce_time=bounce_s, pin_factory=pin_factory)
        except GPIOZeroError as exc:
            raise HardwareError(f"pulse input on GPIO {pin} could not be set up: {exc}") from exc
        self.input.when_activated = self._pulse

    def _pulse(self) -> None:
        with self._lock:
            self.count += 1
            self.history.append(time.monotonic())

    def close(self) -> None:
        self.input.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class PulseMeter:
    """A meter's total from its pulses: ``baseline`` (the last total the box wrote down) plus
    pulses since start divided by ``per_unit``."""

    def __init__(self, counter: PulseCounter, per_unit: float, baseline: float = 0.0):
        if per_unit <= 0:
            raise HardwareError("pulses per unit must be positive")
        self.counter, self.per_unit, self.baseline = counter, float(per_unit), float(baseline)

    def read(self) -> float:
        return self.baseline + self.counter.count / self.per_unit

    def close(self) -> None:
        self.counter.close()
