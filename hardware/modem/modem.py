"""SMS and voice calls through a USB 4G dongle (AT commands over pyserial, PDU mode); the
call and text-to-speech half is :mod:`hardware.modem.voice`."""

from __future__ import annotations

import contextlib
import datetime
import logging
import random
import re
import threading
import time

import serial

from hardware.modem.at import AtChannel
from hardware.modem.errors import ModemCommandError, ModemError, ModemPortError, ModemTimeout
from hardware.modem.inbox import ReceivedSms, read_inbox
from hardware.modem.voice import VoiceCalls
from hardware.modem.pdu import (
    PduError,
    StatusReport,
    decode_status_report,
    encode_submit,
    normalize_number,
)

logger = logging.getLogger(__name__)

# +CCLK: "yy/MM/dd,hh:mm:ss±zz", zz in quarter hours (3GPP TS 27.007 §8.15).
_CCLK_RE = re.compile(r'\+CCLK:\s*"(\d\d)/(\d\d)/(\d\d),(\d\d):(\d\d):(\d\d)([+-]\d{1,2})?"')


def parse_cclk(line: str) -> datetime.datetime | None:
    """UTC time of a ``+CCLK:`` answer; None for another line, an impossible date, or a
    module's power-on default (before 2020: no network time received yet)."""
    m = _CCLK_RE.search(line)
    if not m:
        return None
    yy, mo, dd, hh, mi, ss = (int(g) for g in m.groups()[:6])
    quarters = int(m.group(7) or 0)
    try:
        # Some modules start at 1980-01-06 (the GPS epoch): "80" is 1980, not 2080.
        local = datetime.datetime((1900 if yy >= 70 else 2000) + yy, mo, dd, hh, mi, ss)
    except ValueError:
        return None
    if local.year < 2020:
        return None
    return (local - datetime.timedelta(minutes=15 * quarters)).replace(tzinfo=datetime.timezone.utc)

_CMGS_RE = re.compile(r"^\+CMGS:\s*(\d+)")
_CSQ_RE = re.compile(r"^\+CSQ:\s*(\d+),(\d+)")
_CREG_RE = re.compile(r"^\+C(?:E|G)?REG:\s*(?:\d+,)?(\d+)")

class Modem(VoiceCalls):
    """A 4G dongle on a serial port. Use as a context manager.

    ``serial_factory`` defaults to ``serial.Serial``; tests pass the path of a simulated
    modem's pty, so the same code runs against the dongle and the simulator.
    """

    def __init__(
        self,
        port: str,
        *,
        baudrate: int = 115200,
        default_country: str = "86",
        command_timeout: float = 5.0,
        sms_timeout: float = 60.0,
        serial_factory=serial.Serial,
        clock=time.monotonic,
        sleep=time.sleep,
        partial_sms_timeout: float = 86400.0,
    ):
        self.port = port
        self.baudrate = baudrate
        self.default_country = default_country
        self.command_timeout = command_timeout
        self.sms_timeout = sms_timeout
        self._serial_factory = serial_factory
        self._clock = clock
        self._sleep = sleep
        self._serial: serial.SerialBase | None = None
        self._at: AtChannel | None = None
        self._lock = threading.RLock()
        self._concat_ref = random.randrange(256)
        self._tts_supported: bool | None = None
        self.reports_enabled = False
        self._want_open = False
        self._opening = False
        self.reopens = 0
        self.last_error: str | None = None
        self.partial_sms_timeout = partial_sms_timeout  # how long parts of a long SMS wait for the rest
        self._partial_sms: dict = {}

    # -- lifecycle ---------------------------------------------------------
    def __enter__(self) -> "Modem":
        self.open()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def open(self) -> None:
        with self._lock:
            if self._serial is not None:
                return
            self._want_open = True
            try:
                self._serial = self._serial_factory(
                    self.port, baudrate=self.baudrate, timeout=0.05, write_timeout=2.0
                )
            except (serial.SerialException, OSError, ValueError) as exc:
                raise ModemPortError(f"cannot open modem port {self.port}: {exc}") from exc
            self._at = AtChannel(self._serial, clock=self._clock)
            self._opening = True
            try:
                self._initialise()
            except Exception:
                self._drop_port()
                raise
            finally:
                self._opening = False

    def close(self) -> None:
        with self._lock:
            self._want_open = False
            self._drop_port()

    def _drop_port(self) -> None:
        if self._serial is not None:
            try:
                self._serial.close()
            except (serial.SerialException, OSError):
                logger.warning("closing the modem port failed", exc_info=True)
        self._serial = None
        self._at = None

    @contextlib.contextmanager
    def _port_guard(self):
        # A dongle that fell off the USB bus comes back as a new device node (udev keeps the
        # symlink); drop the dead port so the next call opens the new one.
        try:
            yield
        except ModemPortError as exc:
            self.last_error = str(exc)
            logger.warning("modem port failed; will reopen on next use: %s", exc)
            self._drop_port()
            raise

    def _initialise(self) -> None:
        self._sync()
        self.command("ATE0")  # no echo: answers are then only what the modem says
        self.command("AT+CMEE=1")  # numeric +CME ERROR codes instead of a bare ERROR
        self.command("AT+CMGF=0")  # PDU mode
        lines = self.command("AT+CPIN?")
        if not any("READY" in line for line in lines):
            raise ModemError("SIM card not ready: " + (" ".join(lines) or "no answer"))
        try:
            # Delivery reports straight to us as +CDS, incoming SMS stored with a +CMTI notice.
            self.command("AT+CNMI=2,1,0,1,0")
            self.reports_enabled = True
        except ModemCommandError:
            self.reports_enabled = False
            logger.warning("modem refuses AT+CNMI; SMS delivery reports are unavailable")

    def _sync(self) -> None:
        # A dongle that just booted, or was left mid-prompt, needs a few tries before "AT" → OK.
        last: Exception | None = None
        for _ in range(3):
            try:
                self._channel().write(b"\x1b")
                self.command("AT", timeout=min(1.0, self.command_timeout))
                return
            except ModemPortError:
                raise
            except ModemError as exc:
                last = exc
        raise ModemTimeout(f"modem on {self.port} does not answer AT") from last

    def _channel(self) -> AtChannel:
        if self._at is None:
            if not self._want_open or self._opening:
                raise ModemError("modem is not open")
            self.reopens += 1
            self.open()
        return self._at

    def command(self, cmd: str, timeout: float | None = None, **kw) -> list[str]:
        with self._lock, self._port_guard():
            return self._channel().command(cmd, self.command_timeout if timeout is None else timeout, **kw)

    # -- status --------------------------------------------------------------
    def signal_quality(self) -> int | None:
        """RSSI as 0..31 from AT+CSQ, None when unknown (99)."""
        for line in self.command("AT+CSQ"):
            m = _CSQ_RE.match(line)
            if m:
                rssi = int(m.group(1))
                return None if rssi == 99 else rssi
        return None

    def registered(self) -> bool:
        """True when the SIM is on a network (home or roaming)."""
        for cmd in ("AT+CREG?", "AT+CEREG?"):
            try:
                lines = self.command(cmd)
            except ModemCommandError:
                continue
            for line in lines:
                m = _CREG_RE.match(line)
                if m and int(m.group(1)) in (1, 5):
                    return True
        return False

    def network_time(self) -> datetime.datetime | None:
        """The time the 4G network told the dongle (NITZ), read with AT+CCLK?, in UTC.

        None when the dongle has no network time yet: modules answer their power-on default
        (1980 or 2000) until the network sends it, so a year before 2020 means "not known".
        """
        try:
            # Let the network's time update the module's clock (harmless when already on).
            self.command("AT+CTZU=1")
        except ModemCommandError:
            pass
        for line in self.command("AT+CCLK?"):
            parsed = parse_cclk(line)
            if parsed is not None:
                return parsed
        return None

    def health(self) -> dict:
        """State for /healthz and selfcheck; a dropped port is reopened here if it is back."""
        if self._at is None and not self._want_open:
            return {"state": "closed", "registered": False, "signal": None, "last_error": self.last_error}
        try:
            return {
                "state": "ready",
                "registered": self.registered(),
                "signal": self.signal_quality(),
                "last_error": self.last_error,
            }
        except ModemError as exc:
            self.last_error = str(exc)
            return {"state": "error", "registered": False, "signal": None, "last_error": self.last_error}

    # -- SMS ------------------------------------------------------------------
    def send_sms(self, number: str, text: str, *, status_report: bool = False) -> list[int]:
        """Send ``text``; return the message reference of every part, in order.

        Raises CmsError/CmeError/ModemTimeout; a failure in part n carries ``refs_sent``
        with the parts already accepted, so a retry can tell a partial send.
        """
        dest = normalize_number(number, self.default_country)
        with self._lock, self._port_guard():
            self._concat_ref = (self._concat_ref + 1) % 256
            pdus = encode_submit(dest, text, reference=self._concat_ref, status_report=status_report)
            refs: list[int] = []
            for pdu in pdus:
                try:
                    lines = self._channel().send_with_prompt(
                        f"AT+CMGS={pdu.length}",
                        pdu.hex.encode("ascii"),
                        prompt_timeout=self.command_timeout,
                        timeout=self.sms_timeout,
                    )
                except ModemError as exc:
                    exc.refs_sent = list(refs)  # type: ignore[attr-defined]
                    self.last_error = str(exc)
                    logger.warning("SMS part %s/%s not sent: %s", pdu.part, pdu.parts, exc)
                    raise
                ref = next((int(m.group(1)) for line in lines if (m := _CMGS_RE.match(line))), None)
                if ref is None:
                    raise ModemError("modem accepted the SMS without a +CMGS reference")
                refs.append(ref)
            logger.info("SMS sent in %s part(s)", len(refs))
            return refs

    def delivery_reports(self, wait: float = 0.0) -> list[StatusReport]:
        """Delivery reports received so far (for messages sent with ``status_report=True``).

        Match ``report.ref`` with the refs ``send_sms`` returned; ``report.state`` is
        delivered, pending or failed.
        """
        reports: list[StatusReport] = []
        with self._lock, self._port_guard():
            at = self._channel()
            at.poll_urcs(wait)
            for urc in at.take_urcs():
                if urc.startswith("+CDS:") and "\n" in urc:
                    try:
                        reports.append(decode_status_report(urc.split("\n", 1)[1]))
                    except PduError:
                        logger.warning("unreadable delivery report ignored")
                else:
                    at.urcs.append(urc)
        return reports

    def received_sms(self) -> list[ReceivedSms]:
        """Messages waiting on the SIM, read and then deleted (see :mod:`hardware.modem.inbox`)."""
        with self._lock, self._port_guard():
            at = self._channel()
            at.poll_urcs(0.0)
            at.take_urcs(only=lambda u: u.startswith("+CMTI:"))  # the listing finds them all
            return read_inbox(self.command, self._partial_sms, self._clock(), self.partial_sms_timeout)
