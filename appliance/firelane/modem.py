"""The fire-lane notifier over the 4G modem driver (hardware.modem).

The modem is opened on first use and reopened after it failed, so a dongle plugged in late
or reset by the USB bus is picked up without restarting the box. Off the Raspberry Pi the
runtime passes a factory that starts a simulated dongle on a pty, so the same AT dialogue
runs everywhere.
"""
from __future__ import annotations

import logging
import threading

from appliance.firelane.notify import Delivery, NotifyError
from appliance.i18n import gettext as _
from hardware.modem import Modem, ModemError, ModemPortError, ModemTimeout

logger = logging.getLogger(__name__)


class ModemNotifier:
    """Notifier protocol over ``hardware.modem.Modem``; thread-safe, opens lazily.

    ``open_modem()`` returns an opened Modem (or raises ModemError); ``close_modem`` is
    called with it on close. ``answer_timeout_s`` bounds how long a call rings.
    """

    def __init__(self, open_modem, *, answer_timeout_s: float = 40.0, description: str = "modem"):
        self._open_modem = open_modem
        self.answer_timeout_s = answer_timeout_s
        self.description = description
        self._modem: Modem | None = None
        self._lock = threading.Lock()
        self.last_error = ""

    def _get(self) -> Modem:
        if self._modem is None:
            self._modem = self._open_modem()
        return self._modem

    def send(self, number: str, text: str, *, voice: bool = False) -> Delivery:
        with self._lock:
            try:
                modem = self._get()
                if voice:
                    result = modem.call_and_speak(number, text, answer_timeout=self.answer_timeout_s,
                                                  sms_fallback=True)
                    if result.spoken:
                        return Delivery("call", "", "answered, spoken")
                    return Delivery("sms", ",".join(map(str, result.sms_refs)),
                                    f"call: {result.reason}")
                refs = modem.send_sms(number, text, status_report=True)
                return Delivery("sms", ",".join(map(str, refs)))
            except ModemError as exc:
                self.last_error = str(exc)
                self._drop_if_dead(exc)
                raise NotifyError(str(exc)) from exc

    def reports(self) -> list[tuple[int, str, str]]:
        """Delivery reports that arrived since the last call: (reference, number, state)."""
        if self._modem is None:
            return []
        return self._when_free(0.5, lambda modem: [(r.ref, r.number, r.state) for r in modem.delivery_reports()],
                               [], open_port=False)

    def received(self) -> list[tuple[str, str]]:
        """Text messages people sent to the box since the last call: (sender, text). While a
        message is being sent they wait on the SIM for the next call."""
        return self._when_free(0.5, lambda modem: [(m.sender, m.text) for m in modem.received_sms()], [])

    def network_time(self, wait_s: float = 5.0):
        """The 4G network's time (NITZ) through this notifier's own session and under its
        lock, so the clock and a call or SMS never talk on the AT port at once. None when the
        port stays busy longer than ``wait_s`` (a call ringing) or the modem fails: the clock
        then tries its next source and asks again at its next check."""
        return self._when_free(wait_s, lambda modem: modem.network_time(), None)

    def _when_free(self, wait_s: float, ask, otherwise, open_port: bool = True):
        """``ask(modem)`` under the port's lock; ``otherwise`` when the port stays busy or the
        modem fails (these are background reads: the caller simply asks again later)."""
        if not self._lock.acquire(timeout=wait_s):
            return otherwise
        try:
            modem = self._get() if open_port else self._modem
            if modem is None:
                return otherwise
            return ask(modem)
        except ModemError as exc:
            self.last_error = str(exc)
            self._drop_if_dead(exc)
            return otherwise
        finally:
            self._lock.release()

    def _drop_if_dead(self, exc: ModemError) -> None:
        if isinstance(exc, (ModemPortError, ModemTimeout)) and self._modem is not None:
            # Open afresh next time: the dongle may come back on another device node.
            try:
                self._modem.close()
            except ModemError:
                logger.debug("closing a failed modem", exc_info=True)
            self._modem = None

    def health(self) -> tuple[bool, str]:
        if not self._lock.acquire(timeout=0.5):
            return True, _("Sending a notice right now."), self.description
        try:
            if self._modem is None:
                try:
                    self._get()
                except ModemError as exc:
                    self.last_error = str(exc)
                    return False, _("The SMS modem does not answer. Check that it is plugged in and has a SIM "
                                    "card."), f"{self.description}: {exc}"
            h = self._modem.health()
        finally:
            self._lock.release()
        ok = h.get("state") == "ready" and h.get("registered")
        signal = h.get("signal")
        technical = f"{self.description}: {h.get('state')}, registered={bool(h.get('registered'))}"
        if signal is not None:
            technical += f", signal {signal}/31"
        if h.get("last_error"):
            technical += f", last error: {h['last_error']}"
        if ok:
            line = _("Ready; mobile signal %(bars)s of 5.", bars=_signal_bars(signal)) if signal is not None \
                else _("Ready.")
        elif h.get("state") == "ready":
            line = _("No mobile network. Check the SIM card and the antenna.")
        else:
            line = _("The SMS modem does not answer. Check that it is plugged in and has a SIM card.")
        return bool(ok), line, technical

    def close(self) -> None:
        with self._lock:
            if self._modem is not None:
                try:
                    self._modem.close()
                except ModemError:
                    logger.warning("closing the modem failed", exc_info=True)
                self._modem = None


def _signal_bars(signal) -> int:
    """The modem's 0..31 (99 = unknown) as the 0..5 bars a phone shows."""
    if signal is None or signal >= 99:
        return 0
    return min(5, max(0, round(signal / 31 * 5)))
