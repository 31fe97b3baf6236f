"""Which board this is, and the pin factory gpiozero should use on it.

gpiozero picks its own default factory from the environment; Linli picks explicitly so that a
development machine never tries real GPIO: lgpio on a Raspberry Pi (Debian's python3-lgpio),
gpiozero's MockFactory everywhere else (simulated pins with history).
"""

from __future__ import annotations

from pathlib import Path

MODEL_FILE = Path("/proc/device-tree/model")


def board_model() -> str:
    """The device tree's model string ("Raspberry Pi 4 Model B Rev 1.4"), "" off a board."""
    try:
        return MODEL_FILE.read_text(errors="ignore").strip("\x00\n ")
    except OSError:
        return ""


def is_raspberry_pi() -> bool:
    return "raspberry pi" in board_model().lower()


def on_pi(backend: str) -> bool:
    """Whether the configured backend ("auto", "pi" or "mock") means real GPIO here."""
    return backend == "pi" or (backend == "auto" and is_raspberry_pi())


def make_pin_factory(backend: str = "auto"):
    """Real GPIO (lgpio) on a Raspberry Pi, gpiozero's MockFactory everywhere else (with
    simulated chips on its hardware SPI ports: :class:`hardware.adc.SimulatedPiFactory`)."""
    if on_pi(backend):
        from gpiozero.pins.lgpio import LGPIOFactory

        return LGPIOFactory()
    from hardware.adc import SimulatedPiFactory

    return SimulatedPiFactory()
