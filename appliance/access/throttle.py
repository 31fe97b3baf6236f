"""Counting wrong guesses: a key (a kiosk, a phone number, a network address) that gets
``max_failures`` wrong tries inside ``window_s`` is locked for ``lockout_s``.

Shared by the gate's PIN pad and the residents' sign-in, which both guess at PINs.
"""

from __future__ import annotations

import collections
import logging
import threading
import time

logger = logging.getLogger(__name__)


class GuessThrottle:
    def __init__(self, max_failures: int, window_s: float, lockout_s: float, clock=time.monotonic):
        self.max_failures = max_failures
        self.window_s = window_s
        self.lockout_s = lockout_s
        self.clock = clock
        # Held across check, lookup and count by callers, so parallel guesses cannot slip
        # between "not locked yet" and "counted".
        self.lock = threading.RLock()
        self._failures: dict[str, collections.deque] = {}
        self._locked_until: dict[str, float] = {}

    def remaining(self, key: str) -> float:
        """Seconds ``key`` stays locked (0 when it is not)."""
        return max(0.0, self._locked_until.get(key, 0) - self.clock())

    def locked(self, key: str) -> bool:
        return self.remaining(key) > 0

    def failed(self, key: str) -> None:
        with self.lock:
            now = self.clock()
            recent = self._failures.setdefault(key, collections.deque())
            recent.append(now)
            while recent and recent[0] < now - self.window_s:
                recent.popleft()
            if len(recent) >= self.max_failures:
                self._locked_until[key] = now + self.lockout_s
                recent.clear()
                logger.warning("PIN entry locked for %s after repeated failures", key)

    def succeeded(self, key: str) -> None:
        with self.lock:
            self._failures.pop(key, None)
