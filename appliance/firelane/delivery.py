"""Sending notices: every attempt is a FireNotice row of the incident.

A failed attempt schedules the next one (a queued row due later, backing off); retries stop
when the vehicle has left or after MAX_ATTEMPTS. Notices are sent inline (tests, CLI) or,
with ``inline=False``, by the runtime's notice thread through :meth:`deliver_due`, so a
40-second voice call never holds up a camera.
"""

from __future__ import annotations

import datetime
import logging
import threading

from appliance.db.models import FireIncident, FireNotice
from appliance.firelane import events
from appliance.firelane.notify import Delivery, Notifier, NotifyError
from appliance.firelane.reports import apply_reports

logger = logging.getLogger(__name__)

# Seconds before the 2nd, 3rd and 4th attempt at a notice that failed.
RETRY_DELAYS_S = (60, 300, 900)
MAX_ATTEMPTS = len(RETRY_DELAYS_S) + 1


class Deliveries:
    def __init__(self, db, notifier: Notifier, settings, clock, inline: bool = True):
        self.db = db
        self.notifier = notifier
        self.settings = settings
        self.clock = clock
        self.inline = inline
        self.wake = threading.Event()  # set when a notice is queued for the notice thread
        self._lock = threading.Lock()

    def send(self, inc: FireIncident, channel: str, recipient: str, number: str, text: str) -> FireNotice:
        notice = FireNotice.create(incident=inc, at=self.clock(), channel=channel,
                                   recipient=recipient, number=number, text=text, status="queued")
        if self.inline:
            with self._lock:
                self._deliver(notice)
        else:
            self.wake.set()
        return notice

    def deliver_due(self) -> int:
        """Send the queued notices whose time has come; returns how many were tried."""
        tried = 0
        with self._lock:
            due = list(FireNotice.select().where(FireNotice.status == "queued",
                                                 FireNotice.at <= self.clock())
                       .order_by(FireNotice.at, FireNotice.id))
            for notice in due:
                if notice.incident.status != "open":
                    notice.status, notice.error = "cancelled", "vehicle left"
                    notice.save()
                    continue
                self._deliver(notice)
                tried += 1
        return tried

    def apply_reports(self) -> int:
        """Network delivery reports the modem received since the last call."""
        return apply_reports(self.db, self.clock, self.notifier.reports())

    def cancel_queued(self, inc: FireIncident) -> None:
        (FireNotice.update(status="cancelled", error="vehicle left")
         .where(FireNotice.incident == inc, FireNotice.status == "queued").execute())

    def state(self, inc: FireIncident) -> dict:
        return events.delivery_state(inc)

    def _deliver(self, notice: FireNotice) -> None:
        inc = notice.incident
        voice = notice.channel == "sms_owner" and self.settings.owner_call()
        try:
            delivery: Delivery = self.notifier.send(notice.number, notice.text, voice=voice)
        except NotifyError as exc:
            attempt = self._attempts(notice)
            with self.db.atomic():
                notice.status, notice.error = "failed", str(exc)[:200]
                notice.save()
                if attempt < MAX_ATTEMPTS:
                    FireNotice.create(
                        incident=inc, channel=notice.channel, recipient=notice.recipient,
                        number=notice.number, text=notice.text, status="queued",
                        at=self.clock() + datetime.timedelta(seconds=RETRY_DELAYS_S[attempt - 1]))
                events.publish(inc, "update")
            logger.warning("fire-lane notice %s for incident %s failed (attempt %s of %s): %s",
                           notice.channel, inc.id, attempt, MAX_ATTEMPTS, exc)
            return
        with self.db.atomic():
            notice.status = "sent"
            if delivery.channel == "call":
                notice.channel = notice.channel.replace("sms_", "call_")
            notice.error, notice.ref = delivery.detail[:200], delivery.ref if delivery.channel == "sms" else ""
            notice.save()
            events.publish(inc, "update")

    @staticmethod
    def _attempts(notice: FireNotice) -> int:
        """Which attempt this notice is (1 for the first) at the same message."""
        return (FireNotice.select()
                .where(FireNotice.incident == notice.incident_id, FireNotice.number == notice.number,
                       FireNotice.channel.in_((notice.channel, notice.channel.replace("sms_", "call_"))),
                       FireNotice.id <= notice.id)
                .count())
