"""Calls on the simulated dongle that ring out without the test sitting through the rings.

A call nobody answers ends when the modem's answer timeout passes, so every "no answer" test
waited the whole timeout in real time (16 s of the fast set for the care alerts alone). Here
the modem's own polling loop (its ``clock``/``sleep``, constructor arguments of
``hardware.modem.Modem``) skips its sleeps, while every AT command still goes over the pty
and waits for the dongle's real reply: the dongle answers after the same number of polls,
only the pauses between polls are gone.
"""

from __future__ import annotations

import time


class SkippedWaits:
    def __init__(self) -> None:
        self.skipped = 0.0

    def now(self) -> float:
        return time.monotonic() + self.skipped

    def sleep(self, seconds: float) -> None:
        self.skipped += seconds
        time.sleep(0.001)  # let the dongle's thread run


def ring_without_waiting(notifier, answer_timeout_s: float = 3.0) -> SkippedWaits:
    """Give the fire lane's ModemNotifier a modem whose poll pauses are skipped."""
    waits = SkippedWaits()
    open_modem = notifier._open_modem

    def fast(modem):
        modem._clock, modem._sleep = waits.now, waits.sleep
        return modem

    notifier._open_modem = lambda: fast(open_modem())
    if notifier._modem is not None:
        fast(notifier._modem)
    notifier.answer_timeout_s = answer_timeout_s
    return waits
