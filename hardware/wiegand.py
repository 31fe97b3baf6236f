"""A Wiegand card reader on two GPIO inputs (D0, D1), for gates whose reader is not USB.

Wiegand: both lines idle high; the reader pulls D0 low for a 0 bit and D1 low for a 1 bit
(~50 µs pulses, ~1-2 ms apart); a frame ends when no bit comes for a while (``frame_gap_s``).
Reader lines are 5 V: wire them through a level shifter or divider to the Pi's 3.3 V pins.

Frames understood (the two that almost every reader speaks):
* 26 bits (H10301): even parity over bits 1-12, 8-bit facility code, 16-bit card number,
  odd parity over bits 13-24. The card is the 24 bits as an 8-digit decimal.
* 34 bits: even parity over bits 1-16, 32 bits of card, odd parity over bits 17-32. The
  card is the 32 bits as a 10-digit decimal.
These are the "8-digit" and "10-digit" output formats USB card readers offer, so a card
enrolled at a USB reader set to the same format matches at a Wiegand reader. Frames of
another length or with bad parity are dropped with a log line, never an access attempt:
long Wiegand cables pick up noise, and noise is not somebody at the gate.

The reader is a context manager; ``history`` keeps every decoded frame, like MockPin.states.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

from gpiozero import DigitalInputDevice, GPIOZeroError

from hardware.errors import HardwareError

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Frame:
    bits: str
    card: str | None  # None: not a frame this reader understands
    why: str = ""


def parity_ok(bits: str, even: bool) -> bool:
    ones = bits.count("1")
    return ones % 2 == 0 if even else ones % 2 == 1


def decode(bits: str) -> Frame:
    if len(bits) == 26:
        if not (parity_ok(bits[:13], even=True) and parity_ok(bits[13:], even=False)):
            return Frame(bits, None, "bad parity")
        return Frame(bits, f"{int(bits[1:25], 2):08d}")
    if len(bits) == 34:
        if not (parity_ok(bits[:17], even=True) and parity_ok(bits[17:], even=False)):
            return Frame(bits, None, "bad parity")
        return Frame(bits, f"{int(bits[1:33], 2):010d}")
    return Frame(bits, None, f"{len(bits)} bits")


def encode26(value: int) -> str:
    """The 26-bit frame a reader sends for a 24-bit card value (simulation and tests)."""
    body = f"{value & 0xFFFFFF:024b}"
    first = "0" if body[:12].count("1") % 2 == 0 else "1"
    last = "1" if body[12:].count("1") % 2 == 0 else "0"
    return first + body + last


class WiegandReader:
    def __init__(self, d0_pin, d1_pin, on_card, *, frame_gap_s: float = 0.025, pin_factory=None):
        """``on_card(card_digits)`` is called from the reader's thread for each good frame."""
        self.on_card = on_card
        self.frame_gap_s = frame_gap_s
        self.history: list[Frame] = []
        self._bits: list[str] = []
        self._last_bit = 0.0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._arrived = threading.Event()
        try:
            self.d0 = DigitalInputDevice(d0_pin, pull_up=True, pin_factory=pin_factory)
            self.d1 = DigitalInputDevice(d1_pin, pull_up=True, pin_factory=pin_factory)
        except GPIOZeroError as exc:
            self._close_lines()
            raise HardwareError(f"Wiegand reader pins {d0_pin}/{d1_pin}: {exc}") from exc
        # Active = line pulled low by the reader (pull-up inverts the sense).
        self.d0.when_activated = lambda: self._bit("0")
        self.d1.when_activated = lambda: self._bit("1")
        self._thread = threading.Thread(target=self._run, name="wiegand", daemon=True)
        self._thread.start()

    def _bit(self, bit: str) -> None:
        with self._lock:
            self._bits.append(bit)
            self._last_bit = time.monotonic()
        self._arrived.set()

    def _run(self) -> None:
        # Asleep until a bit arrives (no polling on an idle gate), then watch for the gap.
        while True:
            self._arrived.wait()
            if self._stop.is_set():
                return
            self._arrived.clear()
            while not self._stop.wait(self.frame_gap_s / 2):
                try:
                    if self.poll() is not None or not self._bits:
                        break
                except Exception:  # a failing callback must not stop the reader
                    logger.exception("Wiegand frame handling failed")
                    break

    def poll(self) -> Frame | None:
        """Hand over a frame once its gap has passed; returns it (for tests and the thread)."""
        with self._lock:
            if not self._bits or time.monotonic() - self._last_bit < self.frame_gap_s:
                return None
            bits, self._bits = "".join(self._bits), []
        frame = decode(bits)
        self.history.append(frame)
        if frame.card is None:
            logger.warning("Wiegand frame dropped (%s)", frame.why)
        else:
            self.on_card(frame.card)
        return frame

    def _close_lines(self) -> None:
        for name in ("d0", "d1"):
            device = getattr(self, name, None)
            if device is not None:
                device.close()

    def close(self) -> None:
        self._stop.set()
        self._arrived.set()
        if self._thread.is_alive():
            self._thread.join(timeout=1)
        self._close_lines()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
