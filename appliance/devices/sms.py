"""A text message to the responsible person when an alarm opens a new work order, through
the box's 4G modem (the fire lane's notifier: one modem, one owner, thread-safe).

Sending can take seconds (a call rings, the network is slow), and alarms are raised in the
MQTT network thread, so messages go through a queue and one worker thread; a failure is
logged and kept in ``history``, the order itself is already written."""

from __future__ import annotations

import collections
import logging
import queue
import threading

from appliance.errors import LinliError
from appliance.i18n import N_, _locale, gettext, set_locale

logger = logging.getLogger(__name__)

MSG = N_("Linli %(number)s: %(text)s Please see to it.")


class AlarmTexts:
    def __init__(self, notifier, language: str = "zh_CN"):
        self.notifier = notifier
        self.language = language
        self.history: collections.deque = collections.deque(maxlen=200)  # (number, text, "sent"/error)
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
        """Send what is queued now (the worker's body; tests call it directly)."""
        n = 0
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                return n
            self._send(*item)
            n += 1

    def _send(self, phone: str, text: str) -> None:
        try:
            self.notifier.send(phone, text)
            self.history.append((phone, text, "sent"))
        except LinliError as exc:
            self.history.append((phone, text, str(exc)[:200]))
            logger.warning("alarm text not sent: %s", exc)

    def start(self) -> None:
        def work():
            while not self._stop.is_set():
                try:
                    item = self._queue.get(timeout=1.0)
                except queue.Empty:
                    continue
                try:
                    self._send(*item)
                except Exception:
                    logger.exception("alarm text worker failed")

        self._thread = threading.Thread(target=work, name="devices-texts", daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5.0)
