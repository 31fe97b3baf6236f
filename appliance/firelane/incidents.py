"""Fire-lane incidents: open on dwell, keep the best evidence and plate read, close on leave.

One incident per stay: the same track, or the same plate in the same zone, never opens a
second one while the first is open; nothing is sent twice. Evidence (first and latest
picture, the plate crop) is kept under the data folder, named by the incident's UUID.
"""

from __future__ import annotations

import datetime
import logging
from pathlib import Path

import cv2

from appliance.db.models import FireIncident, FireNotice, FireZone
from appliance.errors import NotFound
from appliance.firelane import events
from appliance.firelane.watchlist import report_watch_hit

logger = logging.getLogger(__name__)


EVIDENCE_NAMES = ("first", "latest", "plate")
# While a car stays, its "latest" snapshot and last_seen_at are refreshed at most this often.
# Per processed frame they were an 84 KB JPEG and a row write each time: about 700 MB a day on
# the card for one car left in the lane (bench_idle_writes on the demo). A volunteer looking at
# the incident sees a picture at most a minute old; a better plate read is saved at once.
REFRESH_EVERY_S = 60


class Incidents:
    def __init__(self, db, audit, owners, ladder, deliveries, evidence_dir: Path, clock, orders=None):
        self.orders = orders
        self.db = db
        self.audit = audit
        self.owners = owners
        self.ladder = ladder
        self.deliveries = deliveries
        self.evidence_dir = Path(evidence_dir)
        self.clock = clock

    # --- reading ----------------------------------------------------------------------
    def get(self, incident_id) -> FireIncident:
        i = FireIncident.get_or_none(FireIncident.id == incident_id)
        if i is None:
            raise NotFound("No such incident.")
        return i

    def open_now(self) -> list[FireIncident]:
        return list(FireIncident.select().where(FireIncident.status == "open")
                    .order_by(FireIncident.opened_at))

    def recent(self, limit: int = 50) -> list[FireIncident]:
        return list(FireIncident.select().order_by(FireIncident.id.desc()).limit(limit))

    def notices(self, incident_id) -> list[FireNotice]:
        return list(FireNotice.select().where(FireNotice.incident == self.get(incident_id))
                    .order_by(FireNotice.id))

    def badge_count(self) -> int:
        """Open incidents nobody has acknowledged yet: the nav badge and the overview card.
        Counted from the moment a car is found, not only once the volunteer stage is reached."""
        return (FireIncident.select()
                .where(FireIncident.status == "open", FireIncident.acknowledged_at.is_null())
                .count())

    def evidence_path(self, incident_id, name: str) -> Path:
        inc = self.get(incident_id)
        filename = (inc.evidence or {}).get(name) if name in EVIDENCE_NAMES else None
        if not filename:
            raise NotFound("No such picture.")
        return self.evidence_dir / str(inc.uuid) / filename

    # --- what the cameras report --------------------------------------------------------
    def _find_open(self, zone: FireZone, track_id: int, plate: str):
        q = FireIncident.select().where(FireIncident.status == "open", FireIncident.zone == zone)
        same_track = q.where(FireIncident.track_id == track_id).first()
        if same_track or not plate:
            return same_track
        return q.where(FireIncident.plate == plate).first()

    def open(self, zone: FireZone, camera: str, track_id: int, label: str,
             entered_at: datetime.datetime, frame=None, box=None, plate=None,
             plate_crop=None) -> FireIncident | None:
        """Called when a vehicle has dwelt past the zone's threshold. None if already open."""
        text = plate.text if plate is not None and plate.valid else ""
        if self._find_open(zone, track_id, text):
            return None
        at = self.clock()
        vehicle, owner, decision = self.owners.decide(plate)
        with self.db.atomic():
            inc = FireIncident.create(
                zone=zone, camera=camera, track_id=track_id, label=label,
                plate=vehicle.plate if vehicle else text,
                plate_confidence=plate.confidence if plate else 0.0,
                plate_reads=plate.reads if plate else 0,
                vehicle=vehicle, owner=owner, entered_at=entered_at, opened_at=at, last_seen_at=at)
            inc.evidence = self._save_evidence(inc, frame, box, plate_crop, first=True)
            if vehicle is None and decision.candidates:
                # Shown to the volunteer with the plate crop: which registered cars it may be.
                inc.evidence["candidates"] = list(decision.candidates[:5])
            inc.save()
            events.publish(inc, "new")
            report_watch_hit(inc)
            self.audit.record("system", "open", "firelane.incident", inc.id,
                              {"zone": zone.name, "plate": inc.plate})
        logger.info("fire-lane incident %s opened in zone %s", inc.id, zone.name)
        self.ladder.first_step(inc, at)
        return inc

    def seen(self, zone: FireZone, track_id: int, frame=None, box=None, plate=None,
             plate_crop=None) -> None:
        """The vehicle is still there: refresh the latest snapshot and a better plate read."""
        inc = self._find_open(zone, track_id, "")
        if inc is None:
            return
        now = self.clock()
        better = plate is not None and plate.valid and plate.confidence > inc.plate_confidence \
            and inc.vehicle_id is None
        if not better and (now - inc.last_seen_at).total_seconds() < REFRESH_EVERY_S:
            return
        inc.last_seen_at = now
        if frame is not None:
            inc.evidence = {**inc.evidence, **self._save_evidence(inc, frame, box, None)}
        if better:
            changed = plate.text != inc.plate
            inc.plate, inc.plate_confidence, inc.plate_reads = plate.text, plate.confidence, plate.reads
            if plate_crop is not None:
                inc.evidence = {**inc.evidence, **self._save_evidence(inc, None, None, plate_crop)}
            _v, _o, decision = self.owners.decide(plate)
            inc.evidence = {**inc.evidence, "candidates": list(decision.candidates[:5])}
        with self.db.atomic():
            inc.save()
            if better and changed:
                events.publish(inc, "update")

    def vehicle_left(self, zone: FireZone, track_id: int) -> FireIncident | None:
        inc = self._find_open(zone, track_id, "")
        if inc is None:
            return None
        at = self.clock()
        with self.db.atomic():
            inc.status, inc.closed_at, inc.last_seen_at = "closed", at, at
            inc.save()
            self.deliveries.cancel_queued(inc)
            events.publish(inc, "end")
            self.audit.record("system", "close", "firelane.incident", inc.id,
                              {"duration_s": int(inc.duration_s)})
        logger.info("fire-lane incident %s closed after %.0f s", inc.id, inc.duration_s)
        if self.orders is not None:
            self.orders.cleared(inc)
        return inc

    # --- what staff do ----------------------------------------------------------------
    def acknowledge(self, incident_id, actor: str) -> FireIncident:
        inc = self.get(incident_id)
        inc.acknowledged_by, inc.acknowledged_at = actor, self.clock()
        with self.db.atomic():
            inc.save()
            events.publish(inc, "update")
            self.audit.record(actor, "acknowledge", "firelane.incident", inc.id)
        return inc

    def close_by_hand(self, incident_id, actor: str) -> FireIncident:
        inc = self.get(incident_id)
        if inc.status == "open":
            inc.status, inc.closed_at = "closed", self.clock()
            with self.db.atomic():
                inc.save()
                self.deliveries.cancel_queued(inc)
                events.publish(inc, "end")
                self.audit.record(actor, "close", "firelane.incident", inc.id)
            if self.orders is not None:
                self.orders.cleared(inc, actor)
        return inc

    def _save_evidence(self, inc, frame, box, plate_crop, first: bool = False) -> dict:
        folder = self.evidence_dir / str(inc.uuid)
        folder.mkdir(parents=True, exist_ok=True)
        saved = {}
        if frame is not None:
            pic = frame.copy()
            if box is not None:
                cv2.rectangle(pic, tuple(map(int, box[:2])), tuple(map(int, box[2:])), (0, 0, 255), 2)
            names = ("first.jpg", "latest.jpg") if first else ("latest.jpg",)
            for name in names:
                cv2.imwrite(str(folder / name), pic, [cv2.IMWRITE_JPEG_QUALITY, 85])
                saved[name.split(".")[0]] = name
        if plate_crop is not None and plate_crop.size:
            cv2.imwrite(str(folder / "plate.jpg"), plate_crop)
            saved["plate"] = "plate.jpg"
        return saved
