"""A street-lamp circuit (路灯回路): a relay channel that switches the circuit's contactor,
optionally a PWM pin into a 0–10 V dimming driver, optionally a current switch that says
whether the circuit draws current. Composed like :class:`hardware.gate.Gate`.

Safety rules this module keeps:

* The relay is released at start, on :meth:`LampCircuit.close` and at interpreter exit
  (:meth:`LampCircuit.release_on_exit`). A released relay means the contactor drops and
  the lamps go dark: a dark street for a few seconds is safer than a relay the box no
  longer controls, and the schedule restores the lamps within a second of the next start.
* The dimming output is 0 whenever the relay is released, so the driver never sees a
  level without the mains behind it.

Every switch goes into ``history`` (the last 200) so tests and the staff page can say what
happened and why.
"""

from __future__ import annotations

import atexit
import contextlib
import collections
import logging
import threading
import time
from typing import Callable

from gpiozero import CompositeDevice, DigitalInputDevice, DigitalOutputDevice, GPIOZeroError, PWMOutputDevice

from hardware.errors import HardwareError

logger = logging.getLogger(__name__)


class LampCircuit(CompositeDevice):
    """``relay_pin`` is required; ``dim_pin`` (PWM) and ``current_pin`` (a current switch's
    dry contact to ground, closed while current flows) may be None (not fitted). ``clamp``
    (a :class:`hardware.adc.CurrentClamp`, a CT clamp on an ADC) says the same from the
    measured current; the circuit closes it."""

    def __init__(self, name: str, relay_pin, dim_pin=None, current_pin=None, *, relay_active_low: bool = True,
                 pwm_frequency: int = 1000, bounce_s: float | None = 0.05, pin_factory=None,
                 clock: Callable[[], float] = time.time, clamp=None):
        self.name = name
        self.clamp = clamp
        self._clock = clock
        self._lock_ = threading.RLock()
        self._exit_hook = None
        self.history: collections.deque = collections.deque(maxlen=200)
        parts = {}
        try:
            parts["relay"] = DigitalOutputDevice(relay_pin, active_high=not relay_active_low, initial_value=False,
                                                 pin_factory=pin_factory)
            if dim_pin is not None:
                with _pwm_capable(pin_factory):
                    parts["dimmer"] = PWMOutputDevice(dim_pin, initial_value=0, frequency=pwm_frequency,
                                                      pin_factory=pin_factory)
            if current_pin is not None:
                parts["current"] = DigitalInputDevice(current_pin, pull_up=True, bounce_time=bounce_s,
                                                      pin_factory=pin_factory)
        except (GPIOZeroError, ValueError) as exc:
            for part in parts.values():
                part.close()
            if clamp is not None:
                clamp.close()
            raise HardwareError(f"lamp {name}: pins could not be set up: {exc}") from exc
        order = [n for n in ("relay", "dimmer", "current") if n in parts]
        super().__init__(_order=order, pin_factory=pin_factory, **parts)
        self._record("released", "start")

    # --- state --------------------------------------------------------------------------
    @property
    def is_on(self) -> bool:
        return bool(self.relay.is_active)

    @property
    def dimmable(self) -> bool:
        return "dimmer" in self._named

    @property
    def level(self) -> float:
        """0..1: the dimming output, 1.0 for an undimmable circuit that is on, 0 when off."""
        if not self.is_on:
            return 0.0
        return float(self.dimmer.value) if self.dimmable else 1.0

    @property
    def has_current_sense(self) -> bool:
        return "current" in self._named or self.clamp is not None

    @property
    def drawing_current(self) -> bool | None:
        """True while the current switch (or the clamp) sees current; None when neither is
        fitted, or the clamp cannot be read (no verdict is better than a false fault)."""
        if self.clamp is not None:
            try:
                return self.clamp.drawing()
            except HardwareError as exc:
                logger.warning("lamp %s: %s", self.name, exc)
                return None
        if "current" not in self._named:
            return None
        return bool(self.current.is_active)

    @property
    def last_current(self) -> bool | None:
        """The last verdict without measuring again (for pages: reading must not sample)."""
        if self.clamp is not None:
            return self.clamp.history[-1]["drawing"] if self.clamp.history else None
        return self.drawing_current

    @property
    def amps(self) -> float | None:
        """The clamp's last measured current (A), None without a clamp or a reading."""
        return self.clamp.last_amps if self.clamp is not None else None

    def status(self) -> dict:
        return {"on": self.is_on, "level": round(self.level, 3), "current": self.drawing_current, "amps": self.amps}

    # --- commands -----------------------------------------------------------------------
    def switch(self, on: bool, level: float = 1.0, reason: str = "") -> bool:
        """Set the circuit; returns True when anything changed. ``level`` is ignored on an
        undimmable circuit (and clamped to 0.05..1, so "on" is never dark)."""
        with self._lock_:
            if self.closed:
                raise HardwareError(f"lamp {self.name} is closed")
            level = min(1.0, max(0.05, float(level)))
            before = (self.is_on, round(self.level, 3))
            if on:
                if self.dimmable:
                    self.dimmer.value = level
                self.relay.on()
            else:
                self.relay.off()
                if self.dimmable:
                    self.dimmer.value = 0
            after = (self.is_on, round(self.level, 3))
            if after != before:
                self._record("on" if on else "off", reason)
                return True
            return False

    def release(self, reason: str = "release") -> None:
        """Drop the relay (fail safe); never raises."""
        with self._lock_:
            try:
                if not self.closed:
                    self.relay.off()
                    if self.dimmable:
                        self.dimmer.value = 0
                    self._record("released", reason)
            except Exception:
                logger.exception("lamp %s: could not release the relay", self.name)

    def release_on_exit(self) -> None:
        """Release the relay at interpreter exit too (a crash that still runs atexit)."""
        if self._exit_hook is None:
            self._exit_hook = lambda: self.release("exit")
            atexit.register(self._exit_hook)

    def close(self) -> None:
        if "_lock_" not in self.__dict__ or "_named" not in self.__dict__:
            return  # __init__ failed before the parts existed; they were closed there
        with self._lock_:
            if not self.closed:
                self.release("close")
            if self._exit_hook is not None:
                atexit.unregister(self._exit_hook)
                self._exit_hook = None
            super().close()
            if self.clamp is not None:
                self.clamp.close()

    def _record(self, what: str, reason: str) -> None:
        self.history.append({"at": self._clock(), "what": what, "level": round(self.level, 3), "reason": reason})
        logger.info("lamp %s: %s (%s)", self.name, what, reason or "-")



@contextlib.contextmanager
def _pwm_capable(pin_factory):
    """gpiozero's MockFactory makes plain pins unless told otherwise; the simulated dimming
    output must be a PWM pin like the real one (lgpio does PWM on every GPIO)."""
    from gpiozero.pins.mock import MockFactory, MockPWMPin

    if not isinstance(pin_factory, MockFactory):
        yield
        return
    before = pin_factory.pin_class
    pin_factory.pin_class = MockPWMPin
    try:
        yield
    finally:
        pin_factory.pin_class = before
