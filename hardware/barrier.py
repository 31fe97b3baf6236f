"""The car barrier (道闸): the community's existing barrier controller, driven through its dry
contacts, composed like :class:`hardware.gate.Gate`.

Barrier controllers take a short contact closure on their "open" input (and, on most, on a
"close" input) and have their own ground loop that stops the arm from coming down on a car
and closes it behind one. The box therefore *asks* the controller; it never holds the motor.

Safety rules this module keeps:

* Relays released at start, on :meth:`Barrier.close`, when a handler or the supervisor
  fails, and at interpreter exit (:meth:`Barrier.release_on_exit`); a released relay
  commands nothing, so the controller keeps the arm where it is and its own logic rules.
* Never lower on a vehicle: while the presence input (the loop or an IR beam) sees a car,
  :meth:`lower` refuses and an automatic lower waits. Without a presence input the box
  never lowers the arm itself; the controller's own auto-close does.
* Fire alarm input active -> the "open" relay is held energised (arm up and kept up, the
  way controllers treat a held open contact) until a person resets it *and* the input is
  normal again; every lower is refused meanwhile.
* A "raise" is a pulse of ``pulse_s``; the supervisor loop ends it even if a timer died.

Events go to ``on_event(kind, detail)`` and into ``history`` (the last 200), as the gate does.
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


class Barrier(FailSafeDevice, CompositeDevice):
    """``raise_pin`` is required; ``lower_pin``, ``presence_pin`` and ``fire_pin`` may be None
    (not wired). ``presence_contact``: "no" = the loop detector's output closes when a car is
    over the loop (the usual wiring); ``fire_contact``: "nc" = closed in the normal state, so
    a cut wire reads as fire, as at the gate.

    ``lower_after_s``: with a lower relay and a presence input, the arm is lowered this long
    after the car has left the loop (unless another car arrived); 0 leaves closing to the
    controller.
    """

    device_name = "barrier"

    def __init__(self, raise_pin, lower_pin=None, presence_pin=None, fire_pin=None, *,
                 relay_active_low: bool = True, pulse_s: float = 0.5, lower_after_s: float = 2.0,
                 presence_contact: str = "no", fire_contact: str = "nc", bounce_s: float | None = 0.05,
                 poll_s: float = 0.1, on_event: Callable[[str, dict], None] | None = None, pin_factory=None,
                 clock: Callable[[], float] = time.monotonic, supervise: bool = True):
        if presence_contact not in CONTACTS or fire_contact not in CONTACTS:
            raise HardwareError(f"contact type must be one of {CONTACTS}")
        if pulse_s <= 0 or poll_s <= 0 or lower_after_s < 0:
            raise HardwareError("barrier timings must be positive")
        self._lock_ = threading.RLock()
        self._clock = clock
        self._on_event = on_event
        self.pulse_s = float(pulse_s)
        self.lower_after_s = float(lower_after_s)
        self.poll_s = float(poll_s)
        self._presence_nc = presence_contact == "nc"
        self._fire_nc = fire_contact == "nc"
        self.history: collections.deque = collections.deque(maxlen=200)
        self.raise_until: float | None = None
        self.lower_until: float | None = None
        self.lower_at: float | None = None  # when the arm should come down after the car left
        self.raised_for_car = False  # raised and waiting for that car to pass the loop
        self.fire_latched = False
        self.last_command_at: float | None = None  # perf_counter() of the last raise command
        self.vehicle_since: float | None = None
        self.heartbeat = clock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._exit_hook = None
        self._presence_handlers: list[Callable[[bool], None]] = []
        parts = {}
        try:
            # initial_value=False: the first thing each relay pin does is release.
            parts["up_relay"] = DigitalOutputDevice(raise_pin, active_high=not relay_active_low, initial_value=False,
                                                    pin_factory=pin_factory)
            if lower_pin is not None:
                parts["down_relay"] = DigitalOutputDevice(lower_pin, active_high=not relay_active_low,
                                                          initial_value=False, pin_factory=pin_factory)
            if presence_pin is not None:
                parts["presence"] = DigitalInputDevice(presence_pin, pull_up=True, bounce_time=bounce_s,
                                                       pin_factory=pin_factory)
            if fire_pin is not None:
                parts["fire_alarm"] = DigitalInputDevice(fire_pin, pull_up=True, pin_factory=pin_factory)
        except GPIOZeroError as exc:
            for part in parts.values():
                part.close()
            raise HardwareError(f"barrier pins could not be set up: {exc}") from exc
        order = [n for n in ("up_relay", "down_relay", "presence", "fire_alarm") if n in parts]
        super().__init__(_order=order, pin_factory=pin_factory, **parts)
        self._event("started", {"up": False})
        if "presence" in parts:
            parts["presence"].when_activated = self._guarded(self._presence_changed)
            parts["presence"].when_deactivated = self._guarded(self._presence_changed)
            if self.vehicle_present:
                self.vehicle_since = clock()
        if "fire_alarm" in parts:
            parts["fire_alarm"].when_activated = self._guarded(self._fire_changed)
            parts["fire_alarm"].when_deactivated = self._guarded(self._fire_changed)
            self._fire_changed()
        if supervise:
            self._thread = threading.Thread(target=self._supervise, name="barrier-supervisor", daemon=True)
            self._thread.start()

    # --- state --------------------------------------------------------------------------
    @property
    def up_energised(self) -> bool:
        return bool(self.up_relay.is_active)

    @property
    def down_energised(self) -> bool:
        return "down_relay" in self._named and bool(self.down_relay.is_active)

    @property
    def has_presence(self) -> bool:
        return "presence" in self._named

    @property
    def vehicle_present(self) -> bool | None:
        """True while a car is over the loop; None when no loop is wired."""
        if "presence" not in self._named:
            return None
        active = self.presence.is_active  # pulled-up input: active = pin low = contact closed
        return not active if self._presence_nc else bool(active)

    @property
    def fire_input(self) -> bool:
        if "fire_alarm" not in self._named:
            return False
        active = self.fire_alarm.is_active
        return not active if self._fire_nc else bool(active)

    def status(self) -> dict:
        with self._lock_:
            return {"up_relay": self.up_energised, "down_relay": self.down_energised,
                    "vehicle_present": self.vehicle_present, "fire_latched": self.fire_latched,
                    "fire_input": self.fire_input, "lower_pending": self.lower_at is not None,
                    "seconds_since_heartbeat": round(self._clock() - self.heartbeat, 2)}

    def on_presence(self, handler: Callable[[bool], None]) -> None:
        """Call ``handler(present)`` whenever the loop sees a car arrive (True) or leave (False)."""
        self._presence_handlers.append(handler)

    # --- commands -----------------------------------------------------------------------
    def raise_arm(self, source: str = "grant") -> float:
        """Pulse the controller's open contact; returns the perf_counter() of the command."""
        with self._lock_:
            if self.closed:
                raise HardwareError("the barrier is closed")
            try:
                if "down_relay" in self._named:
                    self.down_relay.off()  # never both contacts at once
                self.lower_until = None
                self.lower_at = None
                self.up_relay.on()
                self.last_command_at = time.perf_counter()
                if not self.fire_latched:
                    self.raise_until = self._clock() + self.pulse_s
                self.raised_for_car = True
            except Exception:
                self._fail_safe("raise failed")
                raise
            self._event("raised", {"source": source})
            return self.last_command_at

    def lower(self, source: str = "volunteer") -> bool:
        """Pulse the close contact; refused (False) with a car over the loop, during a fire
        alarm, when no lower relay is wired, or when no loop is wired to prove the lane is clear."""
        with self._lock_:
            if self.fire_latched:
                self._event("lower_refused", {"why": "fire", "source": source})
                return False
            if "down_relay" not in self._named or not self.has_presence:
                self._event("lower_refused", {"why": "not_wired", "source": source})
                return False
            if self.vehicle_present:
                self._event("lower_refused", {"why": "vehicle", "source": source})
                return False
            self.up_relay.off()
            self.raise_until = None
            self.down_relay.on()
            self.lower_until = self._clock() + self.pulse_s
            self.lower_at = None
            self.raised_for_car = False
            self._event("lowered", {"source": source})
            return True

    def reset_fire(self) -> bool:
        """Clear the fire hold; refused (False) while the input still signals fire."""
        with self._lock_:
            if self.fire_input:
                return False
            if self.fire_latched:
                self.fire_latched = False
                self.up_relay.off()
                self._event("fire_reset", {})
            return True

    # --- inputs ---------------------------------------------------------------------------
    def _presence_changed(self) -> None:
        with self._lock_:
            present = bool(self.vehicle_present)
            now = self._clock()
            if present:
                self.vehicle_since = now
                self.lower_at = None  # another car (or the same one backing up): keep the arm up
                self._event("vehicle_arrived", {})
            else:
                stayed = round(now - self.vehicle_since, 1) if self.vehicle_since is not None else None
                self.vehicle_since = None
                self._event("vehicle_left", {"stayed_s": stayed})
                if self.raised_for_car and self.lower_after_s > 0 and "down_relay" in self._named:
                    self.lower_at = now + self.lower_after_s
        for handler in list(self._presence_handlers):
            try:
                handler(present)
            except Exception:
                # The lane's decision failed (database locked, ...): the barrier itself is fine,
                # so its relays and a fire hold stay as they are; the volunteer still sees the car.
                logger.exception("barrier presence listener failed")

    def _fire_changed(self) -> None:
        with self._lock_:
            if self.fire_input and not self.fire_latched:
                self.fire_latched = True
                self.raise_until = None
                self.lower_at = None
                self.lower_until = None
                if "down_relay" in self._named:
                    self.down_relay.off()
                self.up_relay.on()
                self._event("fire_alarm", {})

    # --- supervisor -------------------------------------------------------------------------

    def tick(self) -> None:
        """One supervisor step (the loop calls it; tests may call it with a fake clock)."""
        with self._lock_:
            if self.closed:
                return
            now = self._clock()
            self._fire_changed()
            if self.raise_until is not None and now >= self.raise_until and not self.fire_latched:
                self.up_relay.off()
                self.raise_until = None
            if self.lower_until is not None and now >= self.lower_until:
                self.down_relay.off()
                self.lower_until = None
            if self.lower_at is not None and now >= self.lower_at:
                self.lower_at = None
                self.lower(source="auto")
            self.heartbeat = now

    # --- fail-safe ----------------------------------------------------------------------------
    def _fail_safe(self, why: str) -> None:
        try:
            self.fire_latched = False
            self.up_relay.off()
            if "down_relay" in self._named:
                self.down_relay.off()
            self.raise_until = self.lower_until = self.lower_at = None
            self.history.append((self._clock(), "fail_safe", {"why": why}))
        except Exception:  # the pin itself is gone; nothing more a process can do
            logger.exception("could not release the barrier relays")



    def close(self) -> None:
        if "_all" not in self.__dict__ or self.closed:
            return
        self._stop.set()
        with self._lock_:
            self._fail_safe("closed")
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=2)
        self._forget_exit_hook()
        super().close()

