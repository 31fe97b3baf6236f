"""Electricity and water meters on RS-485 (Modbus RTU) through a USB adapter, read with
pymodbus; and a simulated meter that answers Modbus RTU on a real pty.

Most cheap DIN-rail meters (DDSU666, SDM120, water meters with an RS-485 board) keep their
totals in holding or input registers as a 32-bit float or unsigned integer. The register,
its format and a scale are settings, so a new meter model is a settings change.
"""

from __future__ import annotations

import collections
import logging
import os
import pty
import select
import struct
import threading
import tty

from hardware.errors import HardwareError

logger = logging.getLogger(__name__)

FORMATS = ("float32", "uint32", "uint16")


def crc16(data: bytes) -> bytes:
    crc = 0xFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return struct.pack("<H", crc)


def decode(registers: list[int], fmt: str, scale: float = 1.0) -> float:
    if fmt == "uint16":
        raw = registers[0]
    else:
        packed = struct.pack(">HH", registers[0], registers[1])  # high word first, as most meters send
        raw = struct.unpack(">f" if fmt == "float32" else ">I", packed)[0]
    return float(raw) * scale


def encode(value: float, fmt: str) -> list[int]:
    if fmt == "uint16":
        return [int(value) & 0xFFFF]
    packed = struct.pack(">f", value) if fmt == "float32" else struct.pack(">I", int(value))
    return list(struct.unpack(">HH", packed))


def open_bus(port: str, baudrate: int = 9600, timeout: float = 1.0):
    """One pymodbus client per serial port: RS-485 is a shared line and the port can only be
    opened once, so every meter on it goes through the same client."""
    from pymodbus.client import ModbusSerialClient

    return ModbusSerialClient(port, baudrate=baudrate, timeout=timeout, retries=1)


class ModbusMeter:
    """One meter on a serial port. ``read()`` returns the scaled total or raises HardwareError
    (no answer, a Modbus exception, a closed port). Give ``client`` (from :func:`open_bus`)
    when several meters share the line; the meter then does not close it."""

    def __init__(self, port: str, device_id: int = 1, register: int = 0, fmt: str = "float32", scale: float = 1.0,
                 input_registers: bool = False, baudrate: int = 9600, timeout: float = 1.0, client=None):
        if fmt not in FORMATS:
            raise HardwareError(f"meter format must be one of {FORMATS}")
        self.port, self.device_id, self.register = port, device_id, register
        self.fmt, self.scale, self.input_registers = fmt, scale, input_registers
        self._owns_client = client is None
        self.client = client if client is not None else open_bus(port, baudrate, timeout)

    def read(self) -> float:
        from pymodbus.exceptions import ModbusException

        count = 1 if self.fmt == "uint16" else 2
        try:
            if not self.client.connected and not self.client.connect():
                raise HardwareError(f"meter port {self.port} cannot be opened")
            fn = self.client.read_input_registers if self.input_registers else self.client.read_holding_registers
            answer = fn(self.register, count=count, device_id=self.device_id)
        except ModbusException as exc:
            self.client.close()
            raise HardwareError(f"meter {self.device_id} on {self.port}: {exc}") from exc
        if answer.isError():
            raise HardwareError(f"meter {self.device_id} on {self.port} answered {answer}")
        return decode(list(answer.registers), self.fmt, self.scale)

    def close(self) -> None:
        if self._owns_client:
            self.client.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class SimulatedModbusBus:
    """Meters answering Modbus RTU (functions 3 and 4) on a pty; ``port`` is the path to give
    :class:`ModbusMeter`. ``registers[(device_id, address)] = value`` (16-bit words);
    ``set_total(device_id, register, value, fmt)`` writes a 32-bit total. ``silent`` device
    ids do not answer (a cut cable). ``history`` keeps the requests it saw."""

    def __init__(self):
        self.registers: dict[tuple[int, int], int] = {}
        self.silent: set[int] = set()
        self.history: collections.deque = collections.deque(maxlen=1000)
        self._master, slave = pty.openpty()
        tty.setraw(slave)
        self.port = os.ttyname(slave)
        self._slave = slave
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="modbus-sim", daemon=True)
        self._thread.start()

    def set_total(self, device_id: int, register: int, value: float, fmt: str = "float32") -> None:
        for i, word in enumerate(encode(value, fmt)):
            self.registers[(device_id, register + i)] = word

    def _serve(self) -> None:
        buffer = b""
        while not self._stop.is_set():
            ready, _, _ = select.select([self._master], [], [], 0.1)
            if not ready:
                buffer = b""  # a pause longer than a frame: start afresh, as RTU does
                continue
            try:
                buffer += os.read(self._master, 256)
            except OSError:
                return
            while len(buffer) >= 8:
                frame, buffer = buffer[:8], buffer[8:]
                self._answer(frame)

    def _answer(self, frame: bytes) -> None:
        if crc16(frame[:6]) != frame[6:]:
            self.history.append(("bad crc", frame.hex()))
            return
        device_id, function, address, count = struct.unpack(">BBHH", frame[:6])
        self.history.append((device_id, function, address, count))
        if device_id in self.silent:
            return
        if function not in (3, 4):
            reply = struct.pack(">BBB", device_id, function | 0x80, 1)
        elif any((device_id, address + i) not in self.registers for i in range(count)):
            reply = struct.pack(">BBB", device_id, function | 0x80, 2)  # illegal data address
        else:
            words = [self.registers[(device_id, address + i)] for i in range(count)]
            reply = struct.pack(f">BBB{count}H", device_id, function, 2 * count, *words)
        os.write(self._master, reply + crc16(reply))

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        for fd in (self._master, self._slave):
            try:
                os.close(fd)
            except OSError:
                pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
