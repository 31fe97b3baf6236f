"""An escalated fire-lane incident becomes a work order (DESIGN.md "Work orders"). By the time
the ladder escalates, the owner and the volunteer on duty have been told and the car is still
in the lane: from here someone with a name must act, and the queue (with its due time and
overdue red) is where the office looks. One order per incident (its UUID is the dedupe key).
When the car leaves or staff close the incident, the order is marked fixed with a note, so the
queue never keeps a car that is gone; a person still closes it, as for every order.

The order is opened after the escalation's own transaction: a work-order problem (a category
staff switched off) must never undo the escalation or stop the ladder."""

from __future__ import annotations

import logging

from appliance.db.models import FireIncident
from appliance.errors import LinliError
from appliance.i18n import N_, gettext

logger = logging.getLogger(__name__)

CATEGORY = "fire_lane_blocked"
DUE_HOURS = 1  # a blocked fire lane cannot wait for the next working day
ESCALATED = N_("A vehicle (%(plate)s) has blocked fire lane %(zone)s (camera %(camera)s) for %(minutes)s "
               "minutes. The owner and the volunteer on duty were told and it is still there.")
LEFT = N_("The vehicle left the fire lane.")
CLOSED_BY_HAND = N_("Closed on the fire-lane page by %(actor)s.")


class FireLaneOrders:
    def __init__(self, workorders):
        self.workorders = workorders

    def register(self) -> None:
        self.workorders.register_category(CATEGORY, "消防通道占用", "Fire lane blocked", DUE_HOURS, group="firelane")

    @staticmethod
    def key(inc: FireIncident) -> str:
        return f"firelane:{inc.uuid}"

    def escalated(self, inc: FireIncident, at) -> None:
        minutes = max(1, int((at - inc.entered_at).total_seconds() // 60))
        text = gettext(ESCALATED, plate=inc.plate or gettext("plate not read"), zone=inc.zone.name,
                       camera=inc.camera, minutes=minutes)
        try:
            order = self.workorders.open(source="firelane", category=CATEGORY, description=text, actor="system",
                                         place={"spot": inc.zone.name[:100], "device": inc.camera[:100]},
                                         dedupe_key=self.key(inc))
        except LinliError as exc:
            logger.warning("fire-lane incident %s escalated without a work order: %s", inc.id, exc)
            return
        logger.info("fire-lane incident %s -> work order %s", inc.id, order.number)

    def cleared(self, inc: FireIncident, actor: str = "system") -> None:
        order = self.workorders.open_with_key(self.key(inc))
        if order is None:
            return  # never escalated, or a person already dealt with the order
        note = gettext(LEFT) if actor == "system" else gettext(CLOSED_BY_HAND, actor=actor)
        try:
            self.workorders.transition(order.id, "fixed", actor, note=note)
        except LinliError as exc:
            logger.warning("work order %s left open after the fire lane cleared: %s", order.number, exc)
