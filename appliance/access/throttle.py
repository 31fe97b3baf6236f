"""Slowing down PIN guessing without locking out the people who know their PIN.

A key (a kiosk, a phone number, a network address) may get ``free_failures`` wrong tries
in a row with no wait. After that each further try has to wait after the last wrong one:
2 s, 4 s ... up to ``pause_max_s`` (a few seconds), for as long as the streak goes on.
A right PIN ends the streak; so does ``window_s`` without a wrong try.

So a resident who knows their PIN is never refused for longer than ``pause_max_s``
(a child playing with the pad or a guesser before them costs them seconds, not minutes),
while one key gets at most about ``86400 / pause_max_s`` guesses a day (README.md,
"What a PIN guesser gets").

Shared by the gate's PIN pad and the residents' sign-in, which both guess at PINs.
"""

from __future__ import annotations

import logging
import threading
import time

logger = logging.getLogger(__name__)


class GuessThrottle:
    def __init__(self, free_failures: int, window_s: float, pause_max_s: float, clock=time.monotonic):
        self.free_failures = free_failures
        self.window_s = window_s
        self.pause_max_s = pause_max_s
        self.clock = clock
        # Held across check, lookup and count by callers, so parallel guesses cannot slip
        # between "not paused yet" and "counted".
        self.lock = threading.RLock()
        self._streaks: dict[str, tuple[int, float]] = {}  # key -> (wrong tries in a row, time of the last)

    def pause(self, streak: int) -> float:
        """Seconds a try must wait after the last of ``streak`` wrong ones."""
        if streak < self.free_failures:
            return 0.0
        return float(min(self.pause_max_s, 2 ** min(streak - self.free_failures + 1, 16)))

    def _streak(self, key: str, now: float) -> tuple[int, float]:
        streak, last = self._streaks.get(key, (0, 0.0))
        if streak and now - last > self.window_s:
            return 0, 0.0
        return streak, last

    def remaining(self, key: str) -> float:
        """Seconds ``key`` must still wait before its next try (0 when it need not)."""
        now = self.clock()
        streak, last = self._streak(key, now)
        return max(0.0, last + self.pause(streak) - now)

    def locked(self, key: str) -> bool:
        return self.remaining(key) > 0

    def failed(self, key: str) -> None:
        with self.lock:
            now = self.clock()
            streak, _last = self._streak(key, now)
            streak += 1
            self._streaks[key] = (streak, now)
            if streak == self.free_failures or (streak > self.free_failures and streak % 100 == 0):
                logger.warning("%s wrong PINs in a row at %s; each try now waits up to %s s",
                               streak, key, self.pause_max_s)
            if len(self._streaks) > 10000:
                self._forget_old(now)

    def succeeded(self, key: str) -> None:
        with self.lock:
            self._streaks.pop(key, None)

    def _forget_old(self, now: float) -> None:
        for key in [k for k, (_s, last) in self._streaks.items() if now - last > self.window_s]:
            del self._streaks[key]
