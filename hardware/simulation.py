"""Simulated gate wiring on gpiozero's MockFactory.

* :class:`WiredPin` — a mock input whose level is set by the (simulated) circuit, not only
  by its pull resistor: a normally-closed fire contact reads low even though the pin is
  pulled up, exactly as on a wired box.
* :class:`FilePin` / :func:`file_pin_factory` — a mock pin that also writes its level to a
  file per pin (like sysfs ``value``), so another process can see what the pin did after
  this one died. Used by the crash-safety test and :mod:`hardware.guard`.
* :class:`GateSimulator` — press the exit button, open the door, trip the fire alarm; the
  admin "hardware" panel uses it in simulation mode.

The mock pins keep gpiozero's ``states`` history, so tests assert what happened.
"""

from __future__ import annotations

import os
from pathlib import Path

from gpiozero.pins.mock import MockFactory, MockPin

from hardware.errors import HardwareError


class WiredPin(MockPin):
    def __init__(self, factory, info, level: bool | None = None):
        super().__init__(factory, info)
        self.wired_level = level

    def _set_pull(self, value):
        super()._set_pull(value)
        if self.wired_level is not None and self._function == "input":
            self._change_state(self.wired_level)

    def set_level(self, high: bool) -> None:
        self.wired_level = high
        if self._function == "input":
            (self.drive_high if high else self.drive_low)()


class FilePin(WiredPin):
    """A mock pin that mirrors every level change into ``<state_dir>/<pin name>``."""

    def __init__(self, factory, info, level: bool | None = None):
        self._path = Path(factory.state_dir) / info.name
        super().__init__(factory, info, level)
        self._write(self._state)

    def _change_state(self, value):
        changed = super()._change_state(value)
        if changed:
            self._write(value)
        return changed

    def _write(self, value) -> None:
        tmp = self._path.with_suffix(".tmp")
        tmp.write_text(f"{int(bool(value))} {os.getpid()}\n")
        os.replace(tmp, self._path)  # another process never reads half a file


class FileFactory(MockFactory):
    def __init__(self, state_dir):
        super().__init__(pin_class=FilePin)
        self.state_dir = str(state_dir)
        Path(state_dir).mkdir(parents=True, exist_ok=True)


def file_pin_factory(state_dir) -> FileFactory:
    return FileFactory(state_dir)


def read_pin_file(state_dir, pin_name: str) -> tuple[bool, int]:
    """(level, pid of the process that last wrote it) as left in the state folder."""
    level, pid = (Path(state_dir) / pin_name).read_text().split()
    return level == "1", int(pid)


def _pin_name(pin) -> str:
    return pin if isinstance(pin, str) else f"GPIO{int(pin)}"


def wire_contacts(factory, *, door_pin=None, fire_pin=None, exit_pin=None) -> None:
    """Before the Gate is built: model a shut door and a quiet fire panel on normally
    closed contacts (pins read low) and a released exit button (pulled high)."""
    if not isinstance(factory, MockFactory):
        raise HardwareError("contacts can only be simulated on a mock pin factory")
    cls = factory.pin_class if issubclass(factory.pin_class, WiredPin) else WiredPin
    for pin, level in ((door_pin, False), (fire_pin, False), (exit_pin, True)):
        if pin is not None:
            made = factory.pin(_pin_name(pin), pin_class=cls)
            made.wired_level = level


class GateSimulator:
    """Drive the simulated inputs of a Gate built on a MockFactory."""

    def __init__(self, gate, factory, *, door_contact: str = "nc", fire_contact: str = "nc"):
        if not isinstance(factory, MockFactory):
            raise HardwareError("the gate simulator needs a mock pin factory")
        self.gate = gate
        self._door_nc = door_contact == "nc"
        self._fire_nc = fire_contact == "nc"

    def _pin(self, part: str):
        if part not in self.gate._named:
            raise HardwareError(f"this gate has no {part}")
        return getattr(self.gate, part).pin

    def _set(self, part: str, high: bool) -> None:
        pin = self._pin(part)
        if isinstance(pin, WiredPin):
            pin.set_level(high)
        else:
            (pin.drive_high if high else pin.drive_low)()

    def press_exit(self) -> None:
        self._set("exit_button", False)
        self._set("exit_button", True)

    def set_door(self, open_: bool) -> None:
        # NC reed: closed (low) while the door is shut.
        self._set("door", open_ if self._door_nc else not open_)

    def set_fire(self, alarm: bool) -> None:
        self._set("fire_alarm", alarm if self._fire_nc else not alarm)


def send_wiegand(reader, bits: str) -> None:
    """Pulse a WiegandReader's mock D0/D1 lines as a card reader does for ``bits``."""
    for bit in bits:
        pin = (reader.d1 if bit == "1" else reader.d0).pin
        pin.drive_low()
        pin.drive_high()


def wire_barrier(factory, *, presence_pin=None, fire_pin=None) -> None:
    """Before the Barrier is built: an empty lane on a normally-open loop output (pulled
    high) and a quiet fire panel on a normally-closed contact (low)."""
    if not isinstance(factory, MockFactory):
        raise HardwareError("contacts can only be simulated on a mock pin factory")
    cls = factory.pin_class if issubclass(factory.pin_class, WiredPin) else WiredPin
    for pin, level in ((presence_pin, True), (fire_pin, False)):
        if pin is not None:
            factory.pin(_pin_name(pin), pin_class=cls).wired_level = level


class BarrierSimulator:
    """Drive a Barrier's simulated loop and fire inputs (a car arrives, leaves; fire)."""

    def __init__(self, barrier, *, presence_contact: str = "no", fire_contact: str = "nc"):
        self.barrier = barrier
        self._presence_nc = presence_contact == "nc"
        self._fire_nc = fire_contact == "nc"

    def _set(self, part: str, high: bool) -> None:
        if part not in self.barrier._named:
            raise HardwareError(f"this barrier has no {part}")
        pin = getattr(self.barrier, part).pin
        if isinstance(pin, WiredPin):
            pin.set_level(high)
        else:
            (pin.drive_high if high else pin.drive_low)()

    def set_vehicle(self, present: bool) -> None:
        # NO loop output: closed (low) while a car is over the loop.
        self._set("presence", present if self._presence_nc else not present)

    def set_fire(self, alarm: bool) -> None:
        self._set("fire_alarm", alarm if self._fire_nc else not alarm)
