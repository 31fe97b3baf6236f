"""The escalation ladder: SMS (or a call) to the owner at once when the plate names one ->
after T2 the volunteer on duty (dashboard badge + SMS) -> after T3 an escalation entry in the
outbox for property management / the platform. An unknown or unreadable plate goes to the
volunteer at once.

The ladder climbs from the notice thread (once a second, and when woken), never from a
camera's frame loop: climbing is a query over open incidents, not per-frame work.
"""

from __future__ import annotations

import threading

from appliance.db.models import FireIncident, FireNotice
from appliance.firelane import events
from appliance.i18n import gettext as _


class Ladder:
    def __init__(self, db, settings, deliveries, clock, orders=None):
        self.db = db
        self.orders = orders
        self.settings = settings
        self.deliveries = deliveries
        self.clock = clock
        self._lock = threading.Lock()

    def first_step(self, inc: FireIncident, at) -> None:
        """Right after an incident opens: its owner when known and reachable, else the volunteer."""
        owner = inc.owner if inc.owner_id else None
        if owner is not None and owner.phone:
            inc.stage, inc.owner_notified_at = "owner", at
            inc.save()
            self.deliveries.send(inc, "sms_owner", owner.name, owner.phone, self.settings.owner_text(inc))
        else:
            self.to_volunteer(inc, at)

    def climb(self) -> None:
        """Move open incidents whose timers ran out one step up."""
        with self._lock:
            at = self.clock()
            t2, t3 = self.settings.timers()
            for inc in FireIncident.select().where(FireIncident.status == "open").order_by(FireIncident.opened_at):
                age = (at - inc.opened_at).total_seconds()
                if inc.stage == "owner" and age >= t2:
                    self.to_volunteer(inc, at)
                if inc.stage == "volunteer" and age >= t3:
                    self._escalate(inc, at)

    def to_volunteer(self, inc: FireIncident, at) -> None:
        with self.db.atomic():
            inc.stage, inc.volunteer_notified_at = "volunteer", at
            inc.save()
            FireNotice.create(incident=inc, at=at, channel="dashboard",
                              recipient=_("volunteer on duty"), status="sent")
            events.publish(inc, "update")
        name, phone = self.settings.duty()
        if phone:
            self.deliveries.send(inc, "sms_volunteer", name, phone, self.settings.volunteer_text(inc))

    def _escalate(self, inc: FireIncident, at) -> None:
        with self.db.atomic():
            inc.stage, inc.escalated_at = "escalated", at
            inc.save()
            events.escalate(inc)
            events.publish(inc, "update")
            FireNotice.create(incident=inc, at=at, channel="outbox",
                              recipient=_("property management / platform"), status="sent")
        if self.orders is not None:
            self.orders.escalated(inc, at)
