"""Lamp current through a current transformer (CT clamp) on an MCP3008 ADC.

A split-core clamp with a built-in burden (e.g. SCT-013-030: 1 V at 30 A) around a lamp
circuit's live wire gives an AC voltage; biased to half the ADC's reference it swings around
mid-scale. :class:`CurrentClamp` reads a burst of samples through gpiozero's
:class:`~gpiozero.MCP3008` (hardware SPI through the pin factory: lgpio's SPI on a Pi) and
takes the RMS of their swing. A lamp circuit is "drawing" above ``on_amps`` and "not drawing"
below ``off_amps``; in between it keeps its last verdict, so a flickering reading on the
threshold does not flip a fault on and off.

Off a Pi the pin factory is :class:`SimulatedPiFactory`: gpiozero's MockFactory whose
hardware SPI ports carry simulated chips (:class:`SimulatedMCP3008` answering the chip's
bit protocol, with a :class:`SimulatedCTClamp` on a channel), the way gpiozero's own tests
mock the SPI device under its hardware interface. gpiozero's software (bit-banged) SPI is not
used: in 2.0.1 its bus asks for the global default factory instead of the one it is given.
Everything keeps a history, so tests can say what was read and set.
"""

from __future__ import annotations

import collections
import math
import threading
import time
from typing import Callable

from gpiozero import GPIOZeroError, MCP3008
from gpiozero.mixins import SharedMixin
from gpiozero.pins.local import LocalPiHardwareSPI
from gpiozero.pins.mock import MockFactory
from gpiozero.pins.pi import spi_port_device
from gpiozero.pins.spi import SPI

from hardware.errors import HardwareError

VREF = 3.3
BITS = 10


class CurrentClamp:
    """One CT clamp on one channel of the MCP3008 on SPI0 (``device`` 0 = CE0/GPIO8,
    1 = CE1/GPIO7)."""

    def __init__(self, name: str, channel: int, *, device: int = 0, amps_per_volt: float = 30.0,
                 on_amps: float = 0.3, off_amps: float = 0.1, samples: int = 200, pin_factory=None,
                 clock: Callable[[], float] = time.time):
        if not 0 <= int(channel) <= 7:
            raise HardwareError(f"lamp {name}: the MCP3008 has channels 0 to 7, not {channel}")
        if not 0 <= off_amps <= on_amps:
            raise HardwareError(f"lamp {name}: off_amps must not be above on_amps")
        self.name = name
        self.channel = int(channel)
        self.amps_per_volt = float(amps_per_volt)
        self.on_amps = float(on_amps)
        self.off_amps = float(off_amps)
        self.samples = int(samples)
        self._clock = clock
        self._drawing = False
        self._lock = threading.Lock()
        self.history: collections.deque = collections.deque(maxlen=200)  # {"at", "amps", "drawing"}
        try:
            # gpiozero opens analog inputs shared: several circuits' clamps on one chip.
            self.adc = MCP3008(channel=self.channel, port=0, device=int(device), pin_factory=pin_factory)
        except (GPIOZeroError, OSError, ValueError) as exc:
            raise HardwareError(f"lamp {name}: current clamp could not be set up: {exc}") from exc

    def amps(self) -> float:
        """RMS current now, from one burst of samples (about one mains cycle on a Pi)."""
        with self._lock:
            try:
                values = [self.adc.value for _ in range(self.samples)]
            except (GPIOZeroError, OSError) as exc:
                raise HardwareError(f"lamp {self.name}: current clamp not readable: {exc}") from exc
        mean = sum(values) / len(values)
        rms = math.sqrt(sum((v - mean) ** 2 for v in values) / len(values))
        return round(rms * VREF * self.amps_per_volt, 3)

    def drawing(self) -> bool:
        amps = self.amps()
        if amps >= self.on_amps:
            self._drawing = True
        elif amps <= self.off_amps:
            self._drawing = False
        self.history.append({"at": self._clock(), "amps": amps, "drawing": self._drawing})
        return self._drawing

    @property
    def last_amps(self) -> float | None:
        return self.history[-1]["amps"] if self.history else None

    def close(self) -> None:
        self.adc.close()


# --- simulation ---------------------------------------------------------------------------------

class SimulatedCTClamp:
    """A clamp around a simulated lamp circuit: ``amps`` (RMS) of 50 Hz current, turned into
    the biased voltage the ADC sees, one sample per read. ``load`` (a callable) may give the
    current instead, e.g. following the relay. ``history`` keeps every current set."""

    def __init__(self, amps: float = 0.0, amps_per_volt: float = 30.0, samples_per_cycle: float = 97.3):
        self.amps_per_volt = amps_per_volt
        self.load: Callable[[], float] | None = None
        self.history: list[float] = []
        self._step = 2 * math.pi / samples_per_cycle  # not a whole number: samples walk the whole wave
        self._phase = 0.0
        self._amps = 0.0
        self.amps = amps

    @property
    def amps(self) -> float:
        return float(self.load()) if self.load is not None else self._amps

    @amps.setter
    def amps(self, value: float) -> None:
        self._amps = float(value)
        self.history.append(self._amps)

    def voltage(self) -> float:
        self._phase = (self._phase + self._step) % (2 * math.pi)
        peak = self.amps * math.sqrt(2) / self.amps_per_volt
        return VREF / 2 + peak * math.sin(self._phase)


class SimulatedMCP3008:
    """The chip's side of the SPI exchange: a start bit, single/differential, three channel
    bits, then a null bit and ten result bits (MSB first), as in the datasheet's figure 6-1.
    Channels carry callables returning volts; unconnected channels read 0 V."""

    def __init__(self):
        self.channels: dict[int, Callable[[], float]] = {}
        self.reads: collections.Counter = collections.Counter()  # channel -> samples read
        self.history: collections.deque = collections.deque(maxlen=1000)  # (channel, raw)

    def connect(self, channel: int, source) -> None:
        self.channels[channel] = source.voltage if hasattr(source, "voltage") else source

    def exchange(self, words: list[int]) -> list[int]:
        bits = [(w >> (7 - i)) & 1 for w in words for i in range(8)]
        out = [0] * len(bits)
        try:
            start = bits.index(1)
        except ValueError:
            return [0] * len(words)
        if start + 4 + 1 + BITS + 1 > len(bits):
            return [0] * len(words)
        single = bits[start + 1]
        channel = bits[start + 2] << 2 | bits[start + 3] << 1 | bits[start + 4]
        if single:
            source = self.channels.get(channel)
            volts = source() if source is not None else 0.0
        else:
            volts = 0.0  # differential pairs are not wired on the lamp board
        raw = max(0, min(2 ** BITS - 1, int(round(volts / VREF * (2 ** BITS - 1)))))
        self.reads[channel] += 1
        self.history.append((channel, raw))
        first = start + 6  # after the sampling clock comes the null bit, then B9
        for i in range(BITS):
            out[first + 1 + i] = (raw >> (BITS - 1 - i)) & 1
        return [sum(out[j * 8 + i] << (7 - i) for i in range(8)) for j in range(len(words))]


class _SimulatedSpiDev:
    """What spidev's ``SpiDev`` offers gpiozero's hardware SPI, backed by a simulated chip."""

    def __init__(self, chip: SimulatedMCP3008):
        self.chip = chip
        self.mode = 0
        self.lsbfirst = False
        self.cshigh = False
        self.bits_per_word = 8
        self.max_speed_hz = 500000

    def xfer2(self, data):
        return self.chip.exchange(list(data))

    def close(self) -> None:
        pass


class SimulatedHardwareSPI(LocalPiHardwareSPI):
    """gpiozero's hardware SPI interface with the simulated chip of the factory's port and
    device in place of /dev/spidevP.D; pins are reserved in the factory as on a Pi."""

    def __init__(self, clock_pin, mosi_pin, miso_pin, select_pin, pin_factory):
        self._port, self._device = spi_port_device(clock_pin, mosi_pin, miso_pin, select_pin)
        self._bus = None
        SPI.__init__(self, pin_factory=pin_factory)
        self.pin_factory.reserve_pins(self, *{p for p in (clock_pin, mosi_pin, miso_pin, select_pin) if p is not None})
        self._bus = _SimulatedSpiDev(pin_factory.spi_chip(self._port, self._device))


class SimulatedHardwareSPIShared(SharedMixin, SimulatedHardwareSPI):
    @classmethod
    def _shared_key(cls, clock_pin, mosi_pin, miso_pin, select_pin, pin_factory):
        return (clock_pin, select_pin)


class SimulatedPiFactory(MockFactory):
    """MockFactory plus simulated chips on the hardware SPI ports (an MCP3008 on each)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._chips: dict[tuple[int, int], SimulatedMCP3008] = {}

    def spi_chip(self, port: int = 0, device: int = 0) -> SimulatedMCP3008:
        return self._chips.setdefault((port, device), SimulatedMCP3008())

    def _get_spi_class(self, shared, hardware):
        if not hardware:
            return super()._get_spi_class(shared, hardware)
        return SimulatedHardwareSPIShared if shared else SimulatedHardwareSPI
