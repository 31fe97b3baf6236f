"""The AT command dialogue over a serial port: commands, final result codes, the SMS prompt.

Unsolicited result codes (RING, +CMTI, +QTTS, ...) can arrive between and inside
responses; they are set aside in ``urcs`` so they never end up as a command's answer.
"""

from __future__ import annotations

import collections
import logging
import time

import serial

from hardware.modem.errors import ModemPortError, ModemTimeout, parse_error_line

logger = logging.getLogger(__name__)

FINAL_OK = ("OK",)
# Final result codes of a dial command besides OK/ERROR.
CALL_FINALS = ("NO CARRIER", "BUSY", "NO ANSWER", "NO DIALTONE")
URC_PREFIXES = (
    "RING", "+CRING:", "+CLIP:", "+CMTI:", "+CDSI:", "+CDS:", "+CMT:", "+QTTS:", "+QIND:",
    "NO CARRIER", "BUSY", "NO ANSWER", "+CREG:", "+CEREG:", "+CGREG:", "+CUSD:", "+QIURC:",
    "RDY", "+CFUN:", "+CPIN:", "+QUSIM:",
)
# These URCs carry their PDU on the following line.
TWO_LINE_URCS = ("+CDS:", "+CMT:")
CTRL_Z = b"\x1a"
ESC = b"\x1b"


class AtChannel:
    """Line-level AT dialogue on an open pyserial port (timeout should be short, e.g. 0.05 s)."""

    def __init__(self, port: serial.SerialBase, *, clock=time.monotonic):
        self._port = port
        self._clock = clock
        self._buf = bytearray()
        self.urcs: collections.deque[str] = collections.deque(maxlen=200)

    # -- reading ---------------------------------------------------------
    def _fill(self) -> None:
        try:
            waiting = self._port.in_waiting
            data = self._port.read(waiting or 1)
        except (serial.SerialException, OSError) as exc:
            raise ModemPortError(f"serial read failed: {exc}") from exc
        self._buf.extend(data)

    def _take_line(self, want_prompt: bool) -> str | None:
        while self._buf[:1] in (b"\r", b"\n"):
            del self._buf[0]
        if want_prompt and self._buf.startswith(b">"):
            # The prompt is "> " with no line end; a line starting with ">" never occurs otherwise.
            del self._buf[:2 if self._buf.startswith(b"> ") else 1]
            return ">"
        ends = [i for i in (self._buf.find(b"\r"), self._buf.find(b"\n")) if i >= 0]
        if not ends:
            return None
        idx = min(ends)
        if self._buf[idx:idx + 1] == b"\r" and idx == len(self._buf) - 1:
            return None  # maybe the first half of "\r\n" still in transit
        line = bytes(self._buf[:idx])
        skip = 2 if self._buf[idx:idx + 2] == b"\r\n" else 1
        del self._buf[: idx + skip]
        return line.decode("ascii", errors="replace").strip()

    def read_line(self, deadline: float, *, want_prompt: bool = False) -> str:
        while True:
            line = self._take_line(want_prompt)
            if line:
                return line
            if self._clock() >= deadline:
                raise ModemTimeout("no answer from the modem")
            self._fill()

    def poll_urcs(self, duration: float = 0.0) -> None:
        """Read whatever arrives for ``duration`` seconds into ``urcs`` (with 0: what is
        already waiting at the port, e.g. a +CDS that came after the last command)."""
        deadline = self._clock() + duration
        self._fill_nonblocking()
        while True:
            line = self._take_line(False)
            if line:
                self._stash_urc(line)
                continue
            if self._clock() >= deadline:
                return
            self._fill()

    def _stash_urc(self, line: str) -> None:
        if line.startswith(TWO_LINE_URCS):
            try:
                line = line + "\n" + self.read_line(self._clock() + 1.0)
            except ModemTimeout:
                logger.warning("URC %s arrived without its PDU", line.split(":", 1)[0])
        self.urcs.append(line)

    def take_urcs(self, only=None) -> list[str]:
        """Remove and return the URCs seen so far; with ``only`` (a predicate) just those it
        accepts, leaving the rest (a delivery report during a call) for their reader."""
        seen = [u for u in self.urcs if only is None or only(u)]
        rest = [u for u in self.urcs if only is not None and not only(u)]
        self.urcs.clear()
        self.urcs.extend(rest)
        return seen

    def _fill_nonblocking(self) -> None:
        try:
            waiting = self._port.in_waiting
            if waiting:
                self._buf.extend(self._port.read(waiting))
        except (serial.SerialException, OSError) as exc:
            raise ModemPortError(f"serial read failed: {exc}") from exc

    # -- writing ---------------------------------------------------------
    def write(self, data: bytes) -> None:
        try:
            self._port.write(data)
            self._port.flush()
        except (serial.SerialException, OSError) as exc:
            raise ModemPortError(f"serial write failed: {exc}") from exc

    def discard_input(self) -> None:
        """Drop stale bytes (late answers of a timed-out command), keeping URCs."""
        self._fill_nonblocking()
        deadline = self._clock() + 0.1
        while True:
            line = self._take_line(False)
            if line is None:
                # A line still in transit may be a URC (+QTTS: 0, +CDS): let it complete.
                if self._buf.strip(b"\r\n") and self._clock() < deadline:
                    self._fill()
                    continue
                break
            if line.startswith(URC_PREFIXES):
                self._stash_urc(line)
        self._buf.clear()

    # -- commands --------------------------------------------------------
    def command(self, cmd: str, timeout: float = 5.0, *, finals: tuple[str, ...] = ()) -> list[str]:
        """Send ``cmd`` and return its information lines; raise on ERROR/+CME/+CMS or timeout.

        ``finals`` are extra final result codes (e.g. BUSY for ATD); when one arrives it is
        returned as the last element of the list.
        """
        self.discard_input()
        self.write(cmd.encode("ascii") + b"\r")
        return self.collect(cmd, timeout, finals=finals)

    def collect(self, cmd: str, timeout: float, *, finals: tuple[str, ...] = ()) -> list[str]:
        label = describe(cmd)
        deadline = self._clock() + timeout
        lines: list[str] = []
        while True:
            try:
                line = self.read_line(deadline)
            except ModemTimeout:
                raise ModemTimeout(f"{label}: no final result within {timeout:.1f} s") from None
            if line == cmd:  # echo, before ATE0 took effect
                continue
            if line in FINAL_OK:
                return lines
            if line in finals:
                lines.append(line)
                return lines
            error = parse_error_line(label, line)
            if error is not None:
                # "+QTTS: 0" before "ERROR" to AT+QTTS? was a URC after all: keep it.
                self.urcs.extend(x for x in lines if x.startswith(URC_PREFIXES))
                raise error
            if line.startswith(URC_PREFIXES) and not _is_answer_to(cmd, line):
                self._stash_urc(line)
                continue
            lines.append(line)

    def send_with_prompt(self, cmd: str, payload: bytes, *, prompt_timeout: float, timeout: float) -> list[str]:
        """Commands like AT+CMGS: wait for "> ", send the payload and Ctrl-Z, collect the answer."""
        self.discard_input()
        self.write(cmd.encode("ascii") + b"\r")
        deadline = self._clock() + prompt_timeout
        while True:
            try:
                line = self.read_line(deadline, want_prompt=True)
            except ModemTimeout:
                self.write(ESC)  # leave the input mode so the next command is not swallowed
                raise ModemTimeout(f"{cmd}: no '> ' prompt within {prompt_timeout:.1f} s") from None
            if line == ">":
                break
            if line == cmd:
                continue
            error = parse_error_line(cmd, line)
            if error is not None:
                raise error
            self._stash_urc(line)
        self.write(payload + CTRL_Z)
        return self.collect(cmd, timeout)


def _is_answer_to(cmd: str, line: str) -> bool:
    """``+CREG: 0,1`` answers ``AT+CREG?`` but is a URC at any other time."""
    if not cmd.upper().startswith("AT+"):
        return False
    name = cmd[2:].split("=", 1)[0].split("?", 1)[0].upper()
    return line.upper().startswith(name + ":")


def describe(cmd: str) -> str:
    """The command as it may appear in errors and logs: no phone numbers, no notice text."""
    up = cmd.upper()
    if up.startswith("ATD"):
        return "ATD<number>"
    if up.startswith("AT+QTTS=1,") or up.startswith("AT+QTTS=2,"):
        return cmd[:10] + "<text>"
    return cmd
