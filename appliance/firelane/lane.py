"""The fire lane's parts put together, and the one narrow interface the camera watches use.

Parts: settings (timers, duty, texts), zones (and camera pictures, parking counts), owners
(plate -> registered vehicle, cached), incidents, the ladder, deliveries. Staff pages use
the parts directly; a camera watch only reports what it saw through :class:`LaneEvents`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from appliance.db.base import now as db_now
from appliance.firelane.delivery import Deliveries
from appliance.firelane.incidents import Incidents
from appliance.firelane.ladder import Ladder
from appliance.firelane.notify import Notifier
from appliance.firelane.owners import OwnerLookup
from appliance.firelane.settings import FireSettings
from appliance.firelane.zones import ZoneStore


class LaneEvents(Protocol):
    """What a camera watch tells the fire lane (and the little it asks)."""

    def clock(self): ...

    def zone_specs(self, camera: str) -> list: ...

    def picture(self, camera: str, frame) -> None: ...

    def dwelt(self, zone, camera: str, track_id: int, label: str, entered_at, frame=None, box=None,
              plate=None, plate_crop=None): ...

    def still_there(self, zone, track_id: int, frame=None, box=None, plate=None, plate_crop=None) -> None: ...

    def left(self, zone, track_id: int): ...

    def parking_count(self, camera: str, zone: str, plates: list[str]) -> None: ...


class FireLane:
    def __init__(self, db, audit, notifier: Notifier, evidence_dir: Path, community: str,
                 clock=db_now, deliver_inline: bool = True, orders=None):
        self.db = db
        self.clock = clock
        self.notifier = notifier
        self.settings = FireSettings(db, audit, community)
        self.zones = ZoneStore(db, audit)
        self.owners = OwnerLookup(db)
        self.delivery = Deliveries(db, notifier, self.settings, clock, inline=deliver_inline)
        # orders: FireLaneOrders when the box keeps work orders, so an escalation lands in the queue
        self.ladder = Ladder(db, self.settings, self.delivery, clock, orders=orders)
        self.incidents = Incidents(db, audit, self.owners, self.ladder, self.delivery, evidence_dir, clock,
                                   orders=orders)

    def tick(self) -> None:
        """One step of the notice loop: climb the ladder, send what is due (when inline)."""
        self.ladder.climb()
        if self.delivery.inline:
            self.delivery.deliver_due()

    # --- LaneEvents -------------------------------------------------------------------
    def zone_specs(self, camera: str) -> list:
        return self.zones.specs(camera)

    def picture(self, camera: str, frame) -> None:
        self.zones.remember_snapshot(camera, frame)

    def dwelt(self, zone, camera, track_id, label, entered_at, frame=None, box=None, plate=None, plate_crop=None):
        return self.incidents.open(zone, camera, track_id, label, entered_at, frame=frame, box=box,
                                   plate=plate, plate_crop=plate_crop)

    def still_there(self, zone, track_id, frame=None, box=None, plate=None, plate_crop=None) -> None:
        self.incidents.seen(zone, track_id, frame=frame, box=box, plate=plate, plate_crop=plate_crop)

    def left(self, zone, track_id):
        return self.incidents.vehicle_left(zone, track_id)

    def parking_count(self, camera: str, zone: str, plates: list[str]) -> None:
        registered = sum(1 for p in plates if p and self.owners.lookup(p)[0] is not None)
        self.zones.occupancy[(camera, zone)] = {"registered": registered, "unknown": len(plates) - registered}
