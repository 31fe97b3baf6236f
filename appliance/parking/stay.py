"""Cars that stay too long: a delivery van or taxi let in for a short stay ("grace") that is
still inside after ``grace_minutes``, and a visitor or unknown car (on a pass, or let in by a
volunteer) still inside after ``long_stay_hours``. Residents' own cars are never flagged.

"Still inside" means no exit read of the same plate since it came in, so the flags are only
as good as the exit's plate reads (an exit camera, or plates typed at the exit); the page
says so when no exit camera is configured. A car whose plate was never read cannot be
followed and is not flagged. One tap on a flag opens a work order (one per car entry:
the dedupe key is the entry's uuid), through the work-orders service.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass

from appliance.db.models.parking import CarEvent
from appliance.errors import NotFound

logger = logging.getLogger(__name__)

CATEGORY = "parking_long_stay"
LOOK_BACK = datetime.timedelta(days=30)  # older entries with no exit are data, not a car to chase
GUEST_REASONS = ("visitor", "volunteer")
MAX_FLAGS = 200


@dataclass
class StayFlag:
    event: CarEvent
    kind: str  # grace (over the delivery/taxi minutes) / long (over the long-stay hours)
    minutes: int  # inside for so long

    @property
    def plate(self) -> str:
        return self.event.plate


class StayWatch:
    def __init__(self, settings, workorders=None, clock=datetime.datetime.now):
        self.settings = settings
        self.workorders = workorders
        self.clock = clock

    def flags(self) -> list[StayFlag]:
        at = self.clock()
        out = []
        limits = [("long", GUEST_REASONS, datetime.timedelta(hours=self.settings.long_stay_hours))]
        if self.settings.grace_minutes > 0:
            limits.append(("grace", ("grace",), datetime.timedelta(minutes=self.settings.grace_minutes)))
        for kind, reasons, limit in limits:
            entered = (CarEvent.select().where((CarEvent.lane == "entry") & (CarEvent.decision == "raised")
                                               & CarEvent.reason.in_(reasons) & (CarEvent.plate != "")
                                               & (CarEvent.at <= at - limit) & (CarEvent.at >= at - LOOK_BACK))
                       .order_by(CarEvent.at).limit(MAX_FLAGS))
            for e in entered:
                if not self._left_since(e):
                    out.append(StayFlag(e, kind, int((at - e.at).total_seconds() // 60)))
        return sorted(out, key=lambda f: f.event.at)[:MAX_FLAGS]

    @staticmethod
    def _left_since(e: CarEvent) -> bool:
        return CarEvent.select().where((CarEvent.lane == "exit") & (CarEvent.plate == e.plate)
                                       & (CarEvent.id > e.id)).exists()

    def open_work_order(self, event_id, actor: str):
        """One work order per flagged entry; a second tap returns the same order."""
        if self.workorders is None:
            raise NotFound("Work orders are not available on this box.")
        flag = next((f for f in self.flags() if str(f.event.id) == str(event_id)), None)
        if flag is None:
            raise NotFound("This car is no longer flagged.")
        hours, minutes = divmod(flag.minutes, 60)
        text = (f"车辆 {flag.plate} 于 {flag.event.at:%Y-%m-%d %H:%M} 驶入，已停 {hours} 小时 {minutes} 分钟，"
                f"{'超过送货/出租时限' if flag.kind == 'grace' else '访客或陌生车辆长时间停放'}，请核实。")
        order = self.workorders.open(source="staff", category=CATEGORY, description=text, actor=actor,
                                     dedupe_key=f"parking-stay:{flag.event.uuid}")
        logger.info("long-stay car work order %s", order.number)
        return order
