"""The gate: a lock relay, an exit button, a door contact, a fire-alarm input and an
optional buzzer and indicator LED, composed like gpiozero's TrafficLights.

Safety rules this module keeps:

* De-energised relay = locked. The relay is released when the Gate is built, on
  :meth:`Gate.close`, when any internal handler fails, and at interpreter exit
  (:meth:`Gate.release_on_exit`). A SIGKILL cannot be trapped by any process; for that
  case see :mod:`hardware.guard` and the start-up release.
* Fire alarm input active -> relay held energised (fire egress) until a person resets it
  *and* the input is back to normal. The input is watched by edge callback and, in case
  an edge is missed, by the supervisor loop (every ``poll_s``), so it reacts within 1 s.
* A grant opens the relay for ``pulse_s`` only; the supervisor loop re-locks even if the
  timer thread died.

Events go to ``on_event(kind, detail)``; the gate keeps the last ones in ``history`` so
tests and the admin panel can see what happened.
"""

from __future__ import annotations

import collections
import logging
import threading
import time
from typing import Callable

from gpiozero import CompositeDevice, DigitalInputDevice, DigitalOutputDevice, GPIOZeroError

from hardware.errors import HardwareError
from hardware.failsafe import FailSafeDevice

logger = logging.getLogger(__name__)

CONTACTS = ("nc", "no")


class Gate(FailSafeDevice, CompositeDevice):
    """Pins are BCM numbers (ints) or gpiozero pin names; ``None`` means not fitted.

    ``door_contact``/``fire_contact``: "nc" = the contact is closed (pin pulled to ground)
    in the normal state, so a cut wire reads as door open / fire; "no" = the opposite.
    """

    device_name = "gate"

    def __init__(self, relay_pin, exit_pin=None, door_pin=None, fire_pin=None, buzzer_pin=None, led_pin=None, *,
                 relay_active_low: bool = True, pulse_s: float = 5.0, held_open_s: float = 30.0,
                 forced_grace_s: float = 3.0, door_contact: str = "nc", fire_contact: str = "nc",
                 bounce_s: float | None = 0.05, poll_s: float = 0.2,
                 on_event: Callable[[str, dict], None] | None = None, pin_factory=None,
                 clock: Callable[[], float] = time.monotonic, supervise: bool = True):
        if door_contact not in CONTACTS or fire_contact not in CONTACTS:
            raise HardwareError(f"contact type must be one of {CONTACTS}")
        if pulse_s <= 0 or held_open_s <= 0 or poll_s <= 0:
            raise HardwareError("gate timings must be positive")
        # gpiozero devices refuse new attributes after construction: set every one now.
        self._lock_ = threading.RLock()
        self._clock = clock
        self._on_event = on_event
        self.pulse_s = float(pulse_s)
        self.held_open_s = float(held_open_s)
        self.forced_grace_s = float(forced_grace_s)
        self.poll_s = float(poll_s)
        self._door_nc = door_contact == "nc"
        self._fire_nc = fire_contact == "nc"
        self.history: collections.deque = collections.deque(maxlen=200)
        self.relock_at: float | None = None
        self.last_grant_at: float | None = None
        self.last_command_at: float | None = None  # perf_counter() of the last relay energise
        self.fire_latched = False
        self.door_opened_at: float | None = None
        self.forced_alarm = False
        self.held_alarm = False
        self.heartbeat = clock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._exit_hook = None
        parts = {}
        try:
            # initial_value=False: the first thing the pin does is release the relay.
            parts["lock"] = DigitalOutputDevice(relay_pin, active_high=not relay_active_low, initial_value=False,
                                                pin_factory=pin_factory)
            if exit_pin is not None:
                # A plain input, not gpiozero's Button: the gate never uses "held", and Button's
                # hold thread makes every close wait up to 0.1 s.
                parts["exit_button"] = DigitalInputDevice(exit_pin, pull_up=True, bounce_time=bounce_s,
                                                          pin_factory=pin_factory)
            if door_pin is not None:
                parts["door"] = DigitalInputDevice(door_pin, pull_up=True, bounce_time=bounce_s,
                                                   pin_factory=pin_factory)
            if fire_pin is not None:
                parts["fire_alarm"] = DigitalInputDevice(fire_pin, pull_up=True, pin_factory=pin_factory)
            if buzzer_pin is not None:
                parts["buzzer"] = DigitalOutputDevice(buzzer_pin, initial_value=False, pin_factory=pin_factory)
            if led_pin is not None:
                parts["led"] = DigitalOutputDevice(led_pin, initial_value=False, pin_factory=pin_factory)
        except GPIOZeroError as exc:
            for part in parts.values():
                part.close()
            raise HardwareError(f"gate pins could not be set up: {exc}") from exc
        order = [n for n in ("lock", "exit_button", "door", "fire_alarm", "buzzer", "led") if n in parts]
        super().__init__(_order=order, pin_factory=pin_factory, **parts)
        self._event("started", {"relay_energised": False})
        if "exit_button" in parts:
            parts["exit_button"].when_activated = self._guarded(self._exit_pressed)
        if "door" in parts:
            parts["door"].when_activated = self._guarded(self._door_changed)
            parts["door"].when_deactivated = self._guarded(self._door_changed)
        if "fire_alarm" in parts:
            parts["fire_alarm"].when_activated = self._guarded(self._fire_changed)
            parts["fire_alarm"].when_deactivated = self._guarded(self._fire_changed)
            self._fire_changed()  # a fire already signalled at start holds the gate open at once
        if "door" in parts and self.door_open:
            self.door_opened_at = clock()
        if supervise:
            self._thread = threading.Thread(target=self._supervise, name="gate-supervisor", daemon=True)
            self._thread.start()

    # --- state ------------------------------------------------------------------------
    @property
    def relay_energised(self) -> bool:
        return bool(self.lock.is_active)

    @property
    def door_open(self) -> bool | None:
        if "door" not in self._named:
            return None
        active = self.door.is_active  # pulled-up input: active = pin low = contact closed
        return not active if self._door_nc else bool(active)

    @property
    def fire_input(self) -> bool:
        if "fire_alarm" not in self._named:
            return False
        active = self.fire_alarm.is_active
        return not active if self._fire_nc else bool(active)

    def status(self) -> dict:
        with self._lock_:
            return {
                "relay_energised": self.relay_energised, "door_open": self.door_open,
                "fire_latched": self.fire_latched, "fire_input": self.fire_input,
                "forced_open": self.forced_alarm, "held_open": self.held_alarm,
                "buzzer": bool(self.buzzer.is_active) if "buzzer" in self._named else None,
                "led": bool(self.led.is_active) if "led" in self._named else None,
                "seconds_since_heartbeat": round(self._clock() - self.heartbeat, 2),
            }

    # --- commands ---------------------------------------------------------------------
    def open(self, pulse_s: float | None = None, source: str = "grant") -> float:
        """Energise the relay for a pulse; returns the perf_counter() of the relay command."""
        with self._lock_:
            if self.closed:
                raise HardwareError("the gate is closed")
            try:
                self.lock.on()
                self.last_command_at = time.perf_counter()
                now = self._clock()
                self.last_grant_at = now
                if not self.fire_latched:
                    self.relock_at = now + (pulse_s or self.pulse_s)
                self._indicator()
            except Exception:
                self._fail_safe("open failed")
                raise
            self._event("opened", {"source": source, "pulse_s": pulse_s or self.pulse_s})
            return self.last_command_at

    def lock_now(self) -> None:
        """Release the relay now (unless a fire alarm holds the gate open)."""
        with self._lock_:
            if self.fire_latched:
                return
            self._release("locked")

    def reset_fire(self) -> bool:
        """Clear the fire hold; refused (False) while the input still signals fire."""
        with self._lock_:
            if self.fire_input:
                return False
            if self.fire_latched:
                self.fire_latched = False
                self._event("fire_reset", {})
                self._release("locked")
            return True

    # --- input handlers -----------------------------------------------------------------
    def _exit_pressed(self) -> None:
        self._event("exit_button", {})
        self.open(source="exit_button")

    def _door_changed(self) -> None:
        with self._lock_:
            now = self._clock()
            if self.door_open:
                if self.door_opened_at is None:
                    self.door_opened_at = now
                    granted_recently = (self.relay_energised or (
                        self.last_grant_at is not None and now - self.last_grant_at <= self.pulse_s + self.forced_grace_s))
                    self._event("door_opened", {})
                    if not granted_recently and not self.fire_latched:
                        self.forced_alarm = True
                        self._event("forced_open", {})
                        self._buzz(True)
            else:
                if self.door_opened_at is not None:
                    self._event("door_closed", {"open_s": round(now - self.door_opened_at, 1)})
                self.door_opened_at = None
                self.forced_alarm = self.held_alarm = False
                self._buzz(False)

    def _fire_changed(self) -> None:
        with self._lock_:
            if self.fire_input and not self.fire_latched:
                self.fire_latched = True
                self.relock_at = None
                self.lock.on()
                self._indicator()
                self._event("fire_alarm", {})

    # --- supervisor ---------------------------------------------------------------------

    def tick(self) -> None:
        """One supervisor step (the loop calls it; tests may call it with a fake clock)."""
        with self._lock_:
            if self.closed:
                return
            now = self._clock()
            self._fire_changed()
            if self.relock_at is not None and now >= self.relock_at and not self.fire_latched:
                self._release("locked")
            if (self.door_opened_at is not None and not self.held_alarm and not self.fire_latched
                    and now - self.door_opened_at >= self.held_open_s):
                self.held_alarm = True
                self._event("held_open", {"open_s": round(now - self.door_opened_at, 1)})
                self._buzz(True)
            self.heartbeat = now

    # --- fail-safe ----------------------------------------------------------------------
    def _release(self, kind: str) -> None:
        was = self.relay_energised
        self.lock.off()
        self.relock_at = None
        self._indicator()
        if was:
            self._event(kind, {})

    def _fail_safe(self, why: str) -> None:
        try:
            self.fire_latched = False
            self.lock.off()
            self.relock_at = None
            self.history.append((self._clock(), "fail_safe", {"why": why}))
        except Exception:  # the pin itself is gone; nothing more a process can do
            logger.exception("could not release the gate relay")



    def close(self) -> None:
        if "_all" not in self.__dict__ or self.closed:  # construction failed, or closed already
            return
        self._stop.set()
        with self._lock_:
            try:
                self.lock.off()
            except Exception:
                logger.exception("could not release the gate relay on close")
            self.relock_at = None
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=2)
        self._forget_exit_hook()
        super().close()

    # --- helpers ------------------------------------------------------------------------
    def _indicator(self) -> None:
        if "led" in self._named:
            self.led.value = self.relay_energised

    def _buzz(self, on: bool) -> None:
        if "buzzer" in self._named:
            self.buzzer.value = on


    def events(self) -> list[str]:
        return [kind for _t, kind, _d in self.history]
