"""One lane at the barrier: plate reads come in as the car approaches, the decision is taken
when the loop says the car is at the barrier.

Reads arrive from whatever reads plates (a camera watch voting over frames, or a person
typing at the intercom screen); the lane keeps the best one of the last ``read_window_s``
seconds, so the decision costs a dictionary lookup and a few queries when the loop closes,
not an inference. A car that was never read is still decided (an "unreadable" question),
and two cars within a second get one decision each: a read is used once.

Without a loop input the lane decides on each new read (a camera-only lane).
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Callable

from appliance.parking.service import CarDecision, ParkingService

logger = logging.getLogger(__name__)


class CarLane:
    def __init__(self, name: str, service: ParkingService, barrier=None, *, read_window_s: float = 10.0,
                 fire: Callable[[], bool] = lambda: False, clock: Callable[[], float] = time.monotonic,
                 on_decision: Callable[[CarDecision], None] | None = None):
        self.name = name
        self.service = service
        self.barrier = barrier
        self.read_window_s = read_window_s
        self.fire = fire
        self.clock = clock
        self.on_decision = on_decision
        self.decisions: list[CarDecision] = []  # the last ones (the page and tests look)
        self._best: tuple | None = None  # (time, plate, confidence, picture, trusted)
        self._lock = threading.Lock()
        if barrier is not None and barrier.has_presence:
            barrier.on_presence(self._presence)

    @property
    def waits_for_loop(self) -> bool:
        """A loop decides when the car is there; without one each read decides."""
        return self.barrier is not None and self.barrier.has_presence

    def plate_read(self, plate: str, confidence: float, picture: str = "", trusted: bool = True
                   ) -> CarDecision | None:
        """A read of an approaching car; decides at once when no loop is wired. ``trusted``:
        the read is sure enough to act on alone (see models.plates.vote); an untrusted read
        that names a registered car makes a one-tap question instead of opening."""
        now = self.clock()
        with self._lock:
            best = self._best
            if (best is None or now - best[0] > self.read_window_s or (trusted, confidence) > (best[4], best[2])):
                self._best = (now, plate, confidence, picture, trusted)
        if not self.waits_for_loop:
            return self.car_at_barrier()
        return None

    def _presence(self, present: bool) -> None:
        if present:
            self.car_at_barrier()

    def car_at_barrier(self) -> CarDecision:
        """Decide for the car now at the barrier with the best recent read, and act on it."""
        with self._lock:
            best, self._best = self._best, None
        if best is not None and self.clock() - best[0] > self.read_window_s:
            best = None
        plate, confidence, picture, trusted = best[1:] if best else ("", 0.0, "", False)
        decision = self.service.decide(self.name, plate, confidence, picture=picture, fire=self.fire(),
                                       trusted=trusted)
        if decision.raised:
            self.raise_arm(decision.reason)
        self._remember(decision)
        return decision

    def raise_arm(self, source: str) -> None:
        if self.barrier is not None:
            self.barrier.raise_arm(source=source)

    def _remember(self, decision: CarDecision) -> None:
        self.decisions = (self.decisions + [decision])[-20:]
        if self.on_decision is not None:
            try:
                self.on_decision(decision)
            except Exception:
                logger.exception("car decision listener failed")
