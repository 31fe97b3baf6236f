"""A 4G dongle simulated on a real pseudo-terminal.

The appliance's ``Modem`` opens ``SimulatedModem.port`` with pyserial exactly as it opens
/dev/ttyUSB2 on the box, so the whole AT dialogue (echo, prompt, Ctrl-Z, errors) is
exercised. Everything sent is decoded and kept in ``sent``/``parts``/``calls``.
"""

from __future__ import annotations

import datetime
import logging
import os
import select
import threading
import tty
from dataclasses import dataclass, field

from hardware.modem.errors import PduError
from hardware.modem.pdu import DecodedSubmit, decode_submit, encode_status_report
from hardware.modem.simulated_inbox import SimInbox

# Status octets a network sends back (3GPP TS 23.040 9.2.3.15).
DELIVERY_STATUS = {"delivered": 0x00, "pending": 0x20, "failed": 0x46}

logger = logging.getLogger(__name__)


@dataclass
class SentSms:
    """One message as the recipient's phone would show it, after reassembly."""

    number: str
    text: str
    parts: int
    refs: list[int]


@dataclass
class SimCall:
    number: str
    state: str = "dialing"  # dialing, alerting, active, ended
    outcome: str = ""  # answered, busy, no answer, no network
    spoken: list[str] = field(default_factory=list)
    polls: int = 0


class SimulatedModem(SimInbox):
    """Speaks the AT dialogue of a Quectel-like dongle on a pty.

    Knobs a test may turn at any time: ``network`` (False: SMS fail with +CMS ERROR: 331,
    calls get NO CARRIER), ``sim_ready``, ``tts_supported``, ``call_answer``
    ("answer", "busy", "no answer", "hang up while speaking"), ``silent`` (never answers),
    and ``fail_next(prefix, line)`` to answer the next matching command with ``line``.
    """

    def __init__(
        self,
        *,
        network: bool = True,
        sim_ready: bool = True,
        tts_supported: bool = True,
        call_answer: str = "answer",
        rings_before_answer: int = 1,
        delivery: str = "delivered",
        tts_state_query: bool = True,
    ):
        self.network = network
        self.sim_ready = sim_ready
        self.tts_supported = tts_supported
        self.call_answer = call_answer
        self.rings_before_answer = rings_before_answer
        self.tts_state_query = tts_state_query  # False: only a "+QTTS: 0" URC says playback ended
        self.delivery = delivery  # what the network reports for messages asking for a report
        self.silent = False
        # What AT+CCLK? answers: the network's time (NITZ) as an aware datetime, or None for
        # a module that has not heard it (it then answers its 2000-01-01 power-on default).
        self.network_time: datetime.datetime | None = None
        self.network_tz_quarters = 32  # China Standard Time, UTC+8
        self._reports = False
        self.commands: list[str] = []
        self.parts: list[DecodedSubmit] = []
        self.sent: list[SentSms] = []
        self.calls: list[SimCall] = []
        self.inbox: dict[int, list] = {}  # SIM storage index -> [PDU hex, read?] of received messages
        self.deleted: list[int] = []  # indexes the box deleted after reading them
        self._next_index = 0
        self._next_concat = 0
        self._failures: list[list] = []
        self._pending: dict[tuple[str, int, int], dict[int, tuple[str, int]]] = {}
        self._echo = True
        self._cmgf = 0
        self._next_mr = 0
        self._tts_playing_polls = 0
        self._call: SimCall | None = None
        self._line = bytearray()
        self._pdu: bytearray | None = None
        self._pdu_length = 0
        self._master = self._slave = -1
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.port = ""

    # -- lifecycle -------------------------------------------------------------
    def __enter__(self) -> "SimulatedModem":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def start(self) -> None:
        self._master, self._slave = os.openpty()
        # Raw before anyone opens the port: no echo or CR/LF translation by the tty layer.
        tty.setraw(self._slave)
        self.port = os.ttyname(self._slave)
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="simulated-modem", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2.0)
            self._thread = None
        for fd in (self._master, self._slave):
            if fd >= 0:
                try:
                    os.close(fd)
                except OSError:
                    pass
        self._master = self._slave = -1

    def inject(self, line: str) -> None:
        """Send an unsolicited line now, as the network would (RING, +CMTI: "SM",3 ...)."""
        self._reply(line)

    def fail_next(self, prefix: str, line: str, *, after: int = 0) -> None:
        """Answer a coming command starting with ``prefix`` with ``line`` (e.g. "+CMS ERROR: 500").

        ``after`` lets that many matching commands through first (fail part 2 of a long SMS).
        """
        self._failures.append([prefix.upper(), line, after])

    # -- I/O loop ----------------------------------------------------------------
    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                ready, _, _ = select.select([self._master], [], [], 0.05)
                if not ready:
                    continue
                data = os.read(self._master, 4096)
            except OSError:
                return
            if not self.silent:
                try:
                    self._feed(data)
                except Exception:  # a simulator bug must show in the test log, not hang it
                    logger.exception("simulated modem failed")

    def _write(self, text: str) -> None:
        try:
            os.write(self._master, text.encode("ascii"))
        except OSError:
            pass

    def _reply(self, *lines: str) -> None:
        self._write("".join(f"\r\n{line}\r\n" for line in lines))

    def _feed(self, data: bytes) -> None:
        for byte in data:
            ch = bytes((byte,))
            if self._pdu is not None:
                if ch == b"\x1a":
                    pdu, self._pdu = self._pdu.decode("ascii", "replace"), None
                    self._handle_pdu(pdu)
                elif ch == b"\x1b":
                    self._pdu = None  # cancelled: a real module answers nothing
                else:
                    if self._echo:
                        self._write(ch.decode("ascii", "replace"))
                    self._pdu.extend(ch)
                continue
            if ch in (b"\r", b"\n"):
                line = self._line.decode("ascii", "replace").strip()
                self._line.clear()
                if line:
                    if self._echo:
                        self._write(line + "\r")
                    self._handle(line)
            elif ch == b"\x1b":
                self._line.clear()
            else:
                self._line.extend(ch)

    # -- commands ----------------------------------------------------------------
    def _injected(self, cmd: str) -> str | None:
        for i, failure in enumerate(self._failures):
            prefix, line, after = failure
            if cmd.upper().startswith(prefix):
                if after > 0:
                    failure[2] -= 1
                    return None
                del self._failures[i]
                return line
        return None

    def _handle(self, cmd: str) -> None:
        self.commands.append(cmd)
        up = cmd.upper()
        if up.startswith("AT+CMGS="):
            self._start_cmgs(cmd)
            return
        injected = self._injected(cmd)
        if injected is not None:
            self._reply(injected)
            return
        if up in ("AT", "ATZ"):
            self._reply("OK")
        elif up in ("ATE0", "ATE1"):
            self._echo = up == "ATE1"
            self._reply("OK")
        elif up.startswith("AT+CMEE="):
            self._reply("OK")
        elif up.startswith("AT+CNMI="):
            fields = up.split("=", 1)[1].split(",")
            self._reports = len(fields) > 3 and fields[3] == "1"
            self._reply("OK")
        elif up.startswith("AT+CMGF="):
            value = up.split("=", 1)[1]
            if value not in ("0", "1"):
                self._reply("ERROR")
                return
            self._cmgf = int(value)
            self._reply("OK")
        elif up == "AT+CMGF?":
            self._reply(f"+CMGF: {self._cmgf}", "OK")
        elif up == "AT+CPIN?":
            self._reply("+CPIN: READY", "OK") if self.sim_ready else self._reply("+CME ERROR: 10")
        elif up == "AT+CSQ":
            self._reply("+CSQ: 23,99" if self.network else "+CSQ: 99,99", "OK")
        elif up in ("AT+CREG?", "AT+CEREG?"):
            self._reply(f"{up[2:-1]}: 0,{1 if self.network else 2}", "OK")
        elif up.startswith("AT+CTZU="):
            self._reply("OK")
        elif up == "AT+CCLK?":
            self._reply(self._cclk(), "OK")
        elif up.startswith("ATD"):
            self._dial(cmd[3:].rstrip(";"))
        elif up == "AT+CLCC":
            self._clcc()
        elif up in ("ATH", "AT+CHUP"):
            if self._call is not None:
                self._call.state = "ended"
                self._call = None
            self._reply("OK")
        elif up.startswith("AT+QTTS"):
            self._qtts(cmd)
        elif up.startswith(("AT+CMGL", "AT+CMGR=", "AT+CMGD=")):
            self._storage(up)
        else:
            self._reply("ERROR")

    def _cclk(self) -> str:
        if self.network_time is None:
            return '+CCLK: "00/01/01,00:00:12+00"'
        q = self.network_tz_quarters
        local = self.network_time.astimezone(datetime.timezone.utc) + datetime.timedelta(minutes=15 * q)
        return f'+CCLK: "{local:%y/%m/%d,%H:%M:%S}{q:+03d}"'

    def _start_cmgs(self, cmd: str) -> None:
        if self._cmgf != 0:
            self._reply("+CMS ERROR: 302")
            return
        try:
            self._pdu_length = int(cmd.split("=", 1)[1])
        except ValueError:
            self._reply("+CMS ERROR: 304")
            return
        self._pdu = bytearray()
        self._write("\r\n> ")

    def _handle_pdu(self, pdu_hex: str) -> None:
        injected = self._injected("AT+CMGS=")
        if injected is not None:
            self._reply(injected)
            return
        if not self.network:
            self._reply("+CMS ERROR: 331")
            return
        try:
            decoded = decode_submit(pdu_hex)
        except (PduError, ValueError):
            self._reply("+CMS ERROR: 304")
            return
        smsc_octets = 1 + decoded.raw[0]
        if len(decoded.raw) - smsc_octets != self._pdu_length:
            # Real modems reject a PDU whose length differs from the one given to AT+CMGS.
            self._reply("+CMS ERROR: 304")
            return
        self._next_mr = (self._next_mr + 1) % 256
        mr = self._next_mr
        self.parts.append(decoded)
        self._reassemble(decoded, mr)
        self._reply(f"+CMGS: {mr}", "OK")
        if decoded.status_report and self._reports and self.delivery in DELIVERY_STATUS:
            report = encode_status_report(mr, decoded.number, DELIVERY_STATUS[self.delivery])
            self._reply(f"+CDS: {len(report) // 2 - 1}\r\n{report}")

    def _reassemble(self, part: DecodedSubmit, mr: int) -> None:
        if part.parts <= 1 or part.concat_ref is None:
            self.sent.append(SentSms(part.number, part.text, 1, [mr]))
            return
        key = (part.number, part.concat_ref, part.parts)
        got = self._pending.setdefault(key, {})
        got[part.part] = (part.text, mr)
        if len(got) == part.parts:
            del self._pending[key]
            ordered = [got[i] for i in sorted(got)]
            self.sent.append(SentSms(part.number, "".join(t for t, _ in ordered), part.parts, [m for _, m in ordered]))

    # -- calls ---------------------------------------------------------------
    def _dial(self, number: str) -> None:
        call = SimCall(number)
        self.calls.append(call)
        if not self.network:
            call.state, call.outcome = "ended", "no network"
            self._reply("NO CARRIER")
            return
        self._call = call
        self._reply("OK")

    def _clcc(self) -> None:
        call = self._call
        if call is None:
            self._reply("OK")
            return
        call.polls += 1
        if call.state in ("dialing", "alerting") and call.polls > self.rings_before_answer:
            if self.call_answer == "busy":
                call.state, call.outcome, self._call = "ended", "busy", None
                self._reply("OK", "BUSY")
                return
            if self.call_answer in ("answer", "hang up while speaking"):
                call.state, call.outcome = "active", "answered"
            else:
                call.state, call.outcome = "alerting", "no answer"
        stat = {"dialing": 2, "alerting": 3, "active": 0}[call.state]
        self._reply(f'+CLCC: 1,0,{stat},0,0,"{call.number}",145', "OK")

    def _qtts(self, cmd: str) -> None:
        if not self.tts_supported:
            self._reply("ERROR")
            return
        up = cmd.upper()
        if up == "AT+QTTS=?":
            self._reply("+QTTS: (0-2),<text>", "OK")
        elif up == "AT+QTTS?" and not self.tts_state_query:
            self._reply("ERROR")
        elif up == "AT+QTTS?":
            playing = 1 if self._tts_playing_polls > 0 else 0
            self._tts_playing_polls = max(0, self._tts_playing_polls - 1)
            self._reply(f"+QTTS: {playing}", "OK")
        elif up.startswith("AT+QTTS=1,"):
            hex_text = cmd.split(",", 1)[1].strip().strip('"')
            try:
                text = bytes.fromhex(hex_text).decode("utf-16-be")
            except ValueError:
                self._reply("+CME ERROR: 4")
                return
            if self._call is not None and self._call.state == "active":
                self._call.spoken.append(text)
            self._tts_playing_polls = 1
            self._reply("OK")
            if self.call_answer == "hang up while speaking" and self._call is not None:
                self._call.state, self._call.outcome, self._call = "ended", "hung up", None
                self._reply("NO CARRIER")
            elif not self.tts_state_query:
                self._reply("+QTTS: 0")
        elif up == "AT+QTTS=0":
            self._tts_playing_polls = 0
            self._reply("OK")
        else:
            self._reply("ERROR")

