"""Meters on RS-485: each ``[[devices.meters]]`` read every ``interval_min`` by its own
thread (a meter that does not answer costs its timeout there, never the lamps' tick). A
reading goes the way a sensor's does (last value, hourly figures); a meter that stops
answering is found by the same silence check and becomes one work order."""

from __future__ import annotations

import logging
import threading
import time
from typing import Callable

from hardware.errors import HardwareError

logger = logging.getLogger(__name__)


class MeterPoller:
    def __init__(self, sensors, open_meter: Callable, monotonic: Callable[[], float] = time.monotonic):
        self.sensors = sensors
        self.open_meter = open_meter  # (device, buses) -> object with read() and close()
        self.buses: dict[str, object] = {}  # port -> the one client on that line
        self.monotonic = monotonic
        self.meters: dict[str, object] = {}
        self.due: dict[str, float] = {}
        self.failures: dict[str, str] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def devices(self):
        return [d for d in self.sensors.devices.values() if d.kind == "meter"]

    def open_all(self) -> None:
        for device in self.devices():
            if device.name not in self.meters:
                try:
                    self.meters[device.name] = self.open_meter(device, self.buses)
                except HardwareError as exc:
                    self.failures[device.name] = str(exc)[:200]
                    logger.error("meter %s: %s", device.name, exc)

    def poll_once(self, force: bool = False) -> dict[str, float]:
        """Read every meter that is due; returns name -> value of those that answered."""
        got = {}
        now = self.monotonic()
        for device in self.devices():
            if not force and self.due.get(device.name, 0.0) > now:
                continue
            self.due[device.name] = now + device.interval_s
            try:
                meter = self.meters.get(device.name)
                if meter is None:
                    meter = self.meters[device.name] = self.open_meter(device, self.buses)
                value = meter.read()
            except HardwareError as exc:
                self.failures[device.name] = str(exc)[:200]
                logger.warning("meter %s: %s", device.name, exc)
                continue
            self.failures.pop(device.name, None)
            self.sensors.record(device, {"total": value})
            got[device.name] = value
        return got

    def start(self) -> None:
        if not self.devices():
            return

        def loop():
            while not self._stop.wait(1.0):
                try:
                    self.poll_once()
                except Exception:
                    logger.exception("meter loop failed")

        self._thread = threading.Thread(target=loop, name="devices-meters", daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5.0)
        for meter in self.meters.values():
            try:
                meter.close()
            except Exception:
                logger.exception("closing a meter failed")
        self.meters.clear()
        for bus in self.buses.values():
            bus.close()
        self.buses.clear()


def open_meter(device, buses: dict, pin_factory=None, baseline: float = 0.0):
    """A pulse meter on a GPIO (continuing from ``baseline``, the last total written down)
    or a Modbus meter on its line."""
    s = device.settings
    if s.get("pulse_pin"):
        from hardware.pulse import PulseCounter, PulseMeter

        return PulseMeter(PulseCounter(s["pulse_pin"], pin_factory=pin_factory), s.get("pulses_per_unit", 1000),
                          baseline)
    return open_modbus(device, buses)


def open_modbus(device, buses: dict):
    from hardware.meter import ModbusMeter, open_bus

    s = device.settings
    client = buses.get(s["port"])
    if client is None:
        client = buses[s["port"]] = open_bus(s["port"])
    return ModbusMeter(s["port"], s.get("device_id", 1), s.get("register", 0), s.get("format", "float32"),
                       s.get("scale", 1.0), input_registers=s.get("input", False), client=client)
