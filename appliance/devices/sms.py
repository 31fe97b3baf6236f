"""A text message to the responsible person when an alarm opens a new work order, through
the box's 4G modem (the fire lane's notifier: one modem, one owner, thread-safe).

Sending can take seconds (a call rings, the network is slow), and alarms are raised in the
MQTT network thread, so messages go through a queue and one worker thread. A failed text is
tried again later, backing off like the fire lane's notices (no signal in a basement plant
room is usually gone a few minutes later), at most ``MAX_ATTEMPTS`` times; every attempt is
kept in ``history``, the order itself is already written."""

from __future__ import annotations

import collections
import logging
import queue
import threading
import time
from typing import Callable

from appliance.errors import LinliError
from appliance.i18n import N_, _locale, gettext, set_locale

logger = logging.getLogger(__name__)

MSG = N_("Linli %(number)s: %(text)s Please see to it.")
# Seconds before the 2nd, 3rd and 4th attempt at a text that failed.
RETRY_DELAYS_S = (30.0, 120.0, 600.0)
MAX_ATTEMPTS = len(RETRY_DELAYS_S) + 1
MAX_WAITING_RETRIES = 200


class AlarmTexts:
    def __init__(self, notifier, language: str = "zh_CN", monotonic: Callable[[], float] = time.monotonic,
                 delays: tuple[float, ...] = RETRY_DELAYS_S):
        self.notifier = notifier
        self.language = language
        self.monotonic = monotonic
        self.delays = delays
        # (number, text, "sent" / the error / "given up", attempt)
        self.history: collections.deque = collections.deque(maxlen=200)
        self._retries: list[tuple[float, int, str, str]] = []  # (due, attempt just failed, number, text)
        self._retry_lock = threading.Lock()
        self._queue: queue.Queue = queue.Queue(maxsize=500)
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()

    def order_opened(self, order, device) -> None:
        phone = (device.settings or {}).get("responsible_phone")
        if not phone:
            return
        token = set_locale(self.language)
        try:
            text = gettext(MSG, number=order.number, text=order.description)
        finally:
            _locale.reset(token)
        try:
            self._queue.put_nowait((phone, text))
        except queue.Full:
            logger.warning("alarm text queue full; %s not texted", order.number)

    def send_to(self, phone: str, order) -> None:
        """Queue the order's text for another number (escalation)."""
        token = set_locale(self.language)
        try:
            text = gettext(MSG, number=order.number, text=order.description)
        finally:
            _locale.reset(token)
        try:
            self._queue.put_nowait((phone, text))
        except queue.Full:
            logger.warning("alarm text queue full; %s not texted", order.number)

    def send_waiting(self) -> int:
        """Send what is queued now and the retries that are due (the worker's body; tests call
        it directly). Returns the number of attempts made."""
        n = self.retry_due()
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                return n
            if item is None:
                continue
            self._send(*item)
            n += 1

    def retry_due(self) -> int:
        now = self.monotonic()
        with self._retry_lock:
            due = [r for r in self._retries if r[0] <= now]
            self._retries = [r for r in self._retries if r[0] > now]
        for _, attempt, phone, text in due:
            self._send(phone, text, attempt + 1)
        return len(due)

    def waiting_retries(self) -> int:
        with self._retry_lock:
            return len(self._retries)

    def _send(self, phone: str, text: str, attempt: int = 1) -> None:
        try:
            self.notifier.send(phone, text)
            self.history.append((phone, text, "sent", attempt))
        except LinliError as exc:
            self.history.append((phone, text, str(exc)[:200], attempt))
            if attempt >= MAX_ATTEMPTS or attempt > len(self.delays):
                self.history.append((phone, text, "given up", attempt))
                logger.error("alarm text not sent after %s attempts: %s", attempt, exc)
                return
            logger.warning("alarm text not sent (attempt %s of %s), trying again in %.0f s: %s",
                           attempt, MAX_ATTEMPTS, self.delays[attempt - 1], exc)
            with self._retry_lock:
                if len(self._retries) >= MAX_WAITING_RETRIES:
                    logger.warning("too many alarm texts waiting for a retry; this one is dropped")
                    return
                self._retries.append((self.monotonic() + self.delays[attempt - 1], attempt, phone, text))

    def start(self) -> None:
        def work():
            while not self._stop.is_set():
                try:
                    self.retry_due()
                except Exception:
                    logger.exception("alarm text retry failed")
                try:
                    item = self._queue.get(timeout=1.0)
                except queue.Empty:
                    continue
                if item is None:  # close() wakes the worker instead of letting it sleep out the second
                    continue
                try:
                    self._send(*item)
                except Exception:
                    logger.exception("alarm text worker failed")

        self._thread = threading.Thread(target=work, name="devices-texts", daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._stop.set()
        try:
            self._queue.put_nowait(None)
        except queue.Full:
            pass  # a full queue wakes the worker by itself
        if self._thread is not None:
            self._thread.join(5.0)
