"""Sensor readings that are signs of life for the care feature (独居老人): an elder's door
contact opening or closing, her water meter's readings (the care feature keeps them for its
12-hour water rule and counts water that ran as a sign of life), and her SOS button.

The devices feature does not know who lives where: every door and meter reading is offered
to ``observe`` under the device's name, and the care feature ignores names no care plan
mentions. Only changes are offered: a door sensor's hourly heartbeat repeats its state and
says nothing about the person inside, and a meter polled every few minutes is kept when its
total moved or once an hour, enough for a 12-hour window without a row per poll.
"""

from __future__ import annotations

import datetime
import logging
import threading
from typing import Callable

from appliance.errors import LinliError

logger = logging.getLogger(__name__)

DOOR_GAP = datetime.timedelta(minutes=5)  # opening and closing again is one sign, not two
WATER_EVERY = datetime.timedelta(hours=1)


class CareSigns:
    def __init__(self, observe: Callable, door_gap: datetime.timedelta = DOOR_GAP,
                 water_every: datetime.timedelta = WATER_EVERY):
        self.observe = observe  # care's observe(source_id, kind, value=None, at=None)
        self.door_gap = door_gap
        self.water_every = water_every
        self._door_at: dict[str, datetime.datetime] = {}
        self._water: dict[str, tuple[datetime.datetime, float]] = {}
        self._sos_threads: dict[str, threading.Thread] = {}
        self._lock = threading.Lock()
        self.offered: list[tuple[str, str, float | None, datetime.datetime]] = []  # last 200, for the page and tests

    def reading(self, device, before: dict, values: dict, at: datetime.datetime) -> None:
        """Called by the sensor service for every accepted reading, with the device's values
        before it."""
        if device.kind == "door" and "contact" in values:
            # Unknown before (first message after the box started without a checkpoint): a
            # heartbeat cannot be told from a door moving, and a false sign of life would
            # delay an alert, so it does not count.
            if before.get("contact") is None or before.get("contact") == values["contact"]:
                return
            with self._lock:
                last = self._door_at.get(device.name)
                if last is not None and at - last < self.door_gap:
                    return
                self._door_at[device.name] = at
            self._offer(device.name, "door", None, at)
        elif device.kind == "sos" and values.get("action"):
            self._sos(device.name, at)
        elif device.kind == "meter" and isinstance(values.get("total"), (int, float)):
            total = float(values["total"])
            with self._lock:
                kept = self._water.get(device.name)
                if kept is not None and kept[1] == total and at - kept[0] < self.water_every:
                    return
                self._water[device.name] = (at, total)
            self._offer(device.name, "water", total, at)

    def _sos(self, name: str, at: datetime.datetime) -> None:
        """Care climbs its ladder at once on an SOS (texts through the modem, seconds each):
        on its own thread, so the MQTT thread keeps reading the other sensors. One at a time
        per button: a held button repeats its message."""
        with self._lock:
            running = self._sos_threads.get(name)
            if running is not None and running.is_alive():
                return
            thread = threading.Thread(target=self._offer, args=(name, "sos", None, at), name=f"care-sos-{name}",
                                      daemon=True)
            self._sos_threads[name] = thread
        thread.start()

    def _offer(self, name: str, kind: str, value, at: datetime.datetime) -> None:
        try:
            self.observe(name, kind, value=value, at=at)
        except LinliError as exc:
            logger.warning("care did not take the %s reading of %s: %s", kind, name, exc)
            return
        except Exception:
            if kind != "sos":
                raise  # the sensor service logs it
            logger.exception("care could not raise the SOS of %s", name)
            return
        self.offered.append((name, kind, value, at))
        del self.offered[:-200]
