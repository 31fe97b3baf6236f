"""Phoning someone and speaking a text into the call (Quectel AT+QTTS), with the SMS
fallback. Mixed into :class:`hardware.modem.modem.Modem`; uses its ``command``, ``_channel``,
``_lock``, ``_port_guard``, ``send_sms``, ``_clock`` and ``_sleep``."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

from hardware.modem.at import CALL_FINALS
from hardware.modem.errors import ModemCommandError, ModemError
from hardware.modem.pdu import normalize_number, ucs2_hex

logger = logging.getLogger(__name__)

_CLCC_RE = re.compile(r"^\+CLCC:\s*(\d+),(\d+),(\d+),(\d+),(\d+)")
# +CLCC <stat>: 0 active, 1 held, 2 dialing, 3 alerting, 4 incoming, 5 waiting.
_CALL_ACTIVE, _CALL_DIALING, _CALL_ALERTING = 0, 2, 3



def _is_call_urc(urc: str) -> bool:
    """What the voice-call code reads: call ends and text-to-speech state, nothing else."""
    return urc in CALL_FINALS or urc.replace(" ", "").startswith("+QTTS:")


@dataclass
class CallResult:
    """What happened when we tried to phone someone."""

    answered: bool = False
    spoken: bool = False
    tts_supported: bool = True
    fallback: bool = False  # True when the notice went (or must go) by SMS instead
    sms_refs: list[int] = field(default_factory=list)
    reason: str = ""


class VoiceCalls:
    _tts_supported: bool | None  # set by Modem.__init__; asked once

    def supports_tts(self) -> bool:
        """Whether the module can speak text into a call (Quectel AT+QTTS)."""
        if self._tts_supported is None:
            try:
                self.command("AT+QTTS=?", timeout=2.0)
                self._tts_supported = True
            except ModemCommandError:
                self._tts_supported = False
        return self._tts_supported

    def call_and_speak(
        self,
        number: str,
        text: str,
        *,
        repeat: int = 2,
        answer_timeout: float = 40.0,
        sms_fallback: bool = True,
        poll_interval: float = 0.5,
    ) -> CallResult:
        """Phone ``number`` and speak ``text`` when answered.

        Where the module cannot speak, or nobody answers, the result says ``fallback`` and,
        with ``sms_fallback``, the same text has been sent by SMS (its refs in ``sms_refs``).
        """
        dest = normalize_number(number, self.default_country)
        result = CallResult()
        with self._lock, self._port_guard():
            if not self.supports_tts():
                result.tts_supported = False
                result.reason = "module cannot speak text into a call"
            else:
                self._place_call(dest, text, result, repeat, answer_timeout, poll_interval)
            if not result.spoken:
                result.fallback = True
                if sms_fallback:
                    result.sms_refs = self.send_sms(dest, text)
        return result

    def _place_call(self, dest, text, result, repeat, answer_timeout, poll_interval) -> None:
        at = self._channel()
        at.take_urcs(_is_call_urc)  # stale call ends; delivery reports stay
        answer = self.command(f"ATD{dest};", timeout=10.0, finals=CALL_FINALS)
        if answer and answer[-1] in CALL_FINALS:
            result.reason = answer[-1].lower()
            return
        try:
            if not self._wait_answered(answer_timeout, poll_interval, result):
                return
            result.answered = True
            for _ in range(max(1, repeat)):
                self.command(f'AT+QTTS=1,"{ucs2_hex(text)}"', timeout=5.0)
                if not self._wait_tts_done(len(text) * 0.4 + 10.0, poll_interval):
                    result.reason = "call ended while speaking"
                    return
            result.spoken = True
            result.reason = "spoken"
        finally:
            self._hang_up()

    def _wait_answered(self, timeout: float, poll_interval: float, result: CallResult) -> bool:
        deadline = self._clock() + timeout
        while self._clock() < deadline:
            ended = [u for u in self._channel().take_urcs(_is_call_urc) if u in CALL_FINALS]
            if ended:
                result.reason = ended[0].lower()
                return False
            states = [int(m.group(3)) for line in self.command("AT+CLCC") if (m := _CLCC_RE.match(line))]
            if _CALL_ACTIVE in states:
                return True
            if not states:
                # The network's reason (BUSY, NO ANSWER) may trail the empty call list.
                self._channel().poll_urcs(0.3)
                ended = [u for u in self._channel().take_urcs(_is_call_urc) if u in CALL_FINALS]
                result.reason = ended[0].lower() if ended else "call ended before it was answered"
                return False
            self._sleep(poll_interval)
        result.reason = "no answer"
        return False

    def _wait_tts_done(self, timeout: float, poll_interval: float) -> bool:
        """Wait until playback finished; False when the call dropped first.

        Modules differ: some answer AT+QTTS? with the play state, others only send a
        "+QTTS: 0" URC when done, so both are accepted.
        """
        deadline = self._clock() + timeout
        can_query = True
        while self._clock() < deadline:
            at = self._channel()
            urcs = at.take_urcs(_is_call_urc)
            if any(u in CALL_FINALS for u in urcs):
                return False
            if any(u.replace(" ", "") == "+QTTS:0" for u in urcs):
                return True
            if can_query:
                try:
                    lines = self.command("AT+QTTS?")
                except ModemCommandError:
                    can_query = False
                    lines = []
                if any(line.replace(" ", "") == "+QTTS:0" for line in lines):
                    return True
            self._sleep(poll_interval)
            if not can_query:
                at.poll_urcs(0.0)
        return False

    def _hang_up(self) -> None:
        try:
            self.command("ATH", timeout=5.0)
        except ModemError:
            logger.warning("hang-up failed", exc_info=True)
