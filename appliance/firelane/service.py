"""Fire-lane incidents: open on dwell, find the owner by plate, climb the ladder, close on leave.

Ladder: SMS to the owner at once (when the plate matches a registered vehicle whose owner has
a phone) -> after T2 the volunteer on duty (dashboard badge + SMS) -> after T3 an escalation
entry in the outbox for property management / the platform. An unknown or unreadable plate
goes to the volunteer at once. One incident per stay: the same track, or the same plate in
the same zone, never opens a second one while the first is open; nothing is sent twice.

Delivery: every attempt at a notice is a FireNotice row of the incident. A failed attempt
schedules the next one (a queued row due later, backing off); retries stop when the vehicle
has left or after MAX_ATTEMPTS. Notices are sent inline (tests, CLI) or, with
``deliver_inline=False``, by whoever calls ``deliver_due()`` (the runtime's notice thread),
so a 40-second voice call never holds up a camera.

Events: like Frigate's, each incident sends new / update / end events into the sync outbox
("firelane.event"); an escalation also goes out as its own "firelane.escalation" entry.
"""
from __future__ import annotations

import datetime
import logging
import threading
from pathlib import Path

import cv2

from appliance.db.base import now as db_now
from appliance.db.models import FireIncident, FireNotice, FireSetting, FireZone, Vehicle
from appliance.db.models.firelane import ZONE_KINDS
from appliance.firelane.watchlist import report_watch_hit
from appliance.errors import NotFound, ValidationError
from appliance.firelane import messages
from appliance.firelane.notify import Delivery, Notifier, NotifyError
from appliance.i18n import gettext as _
from appliance.sync import outbox
from models.plates.match import match_plate
from models.plates.validate import validate_plate
from models.vehicles.zones import Zone

logger = logging.getLogger(__name__)

DEFAULTS = {"t2_s": "600", "t3_s": "1800", "duty_name": "", "duty_phone": "",
            "owner_sms": "", "volunteer_sms": "", "owner_call": "1"}
VEHICLE_LABELS = ("car", "truck", "bus", "motorcycle")
# Seconds before the 2nd, 3rd and 4th attempt at a notice that failed.
RETRY_DELAYS_S = (60, 300, 900)
MAX_ATTEMPTS = len(RETRY_DELAYS_S) + 1


class FireLaneService:
    def __init__(self, db, audit, notifier: Notifier, evidence_dir: Path, community: str,
                 clock=db_now, deliver_inline: bool = True):
        self.db = db
        self.deliver_inline = deliver_inline
        # tick() and deliver_due() run from every camera's thread and the notice thread.
        self._ladder_lock = threading.Lock()
        self._deliver_lock = threading.Lock()
        self.wake = threading.Event()  # set when a notice is queued for the notice thread
        self.audit = audit
        self.notifier = notifier
        self.evidence_dir = Path(evidence_dir)
        self.community = community
        self.clock = clock
        self.occupancy: dict[tuple[str, str], dict] = {}
        self._snapshots: dict[str, tuple[bytes, int, int]] = {}

    # --- camera snapshots (for drawing zones) --------------------------------------------
    def remember_snapshot(self, camera: str, frame) -> None:
        ok, jpeg = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, 80])
        if ok:
            self._snapshots[camera] = (jpeg.tobytes(), frame.shape[1], frame.shape[0])

    def snapshot(self, camera: str) -> tuple[bytes, int, int] | None:
        """(JPEG, width, height) of the camera's latest frame, None before its first frame."""
        return self._snapshots.get(camera)

    def cameras(self) -> list[str]:
        return sorted(set(self._snapshots) | {z.camera for z in FireZone.select(FireZone.camera)})

    # --- settings ---------------------------------------------------------------------
    def settings(self) -> dict:
        values = dict(DEFAULTS)
        values.update({s.key: s.value for s in FireSetting.select()})
        return values

    def timers(self) -> tuple[float, float]:
        s = self.settings()
        return float(s["t2_s"]), float(s["t3_s"])

    def save_settings(self, data: dict, actor: str) -> dict:
        clean = {}
        try:
            t2 = int(float(data.get("t2_min", 10)) * 60)
            t3 = int(float(data.get("t3_min", 30)) * 60)
        except (TypeError, ValueError) as exc:
            raise ValidationError("Enter the minutes as a number.", field="t2_min") from exc
        if not 0 < t2 < t3:
            raise ValidationError("The escalation time must be later than the volunteer time.",
                                  field="t3_min")
        clean["t2_s"], clean["t3_s"] = str(t2), str(t3)
        clean["duty_name"] = str(data.get("duty_name", "")).strip()[:50]
        phone = "".join(ch for ch in str(data.get("duty_phone", "")) if ch.isdigit() or ch == "+")
        clean["duty_phone"] = phone[:20]
        clean["owner_call"] = "1" if data.get("owner_call") in ("1", "on", True) else "0"
        for key in messages.TEMPLATE_KEYS:
            text = str(data.get(key, "")).strip()
            clean[key] = messages.check_template(text) if text else ""
        with self.db.atomic():
            for key, value in clean.items():
                FireSetting.insert(key=key, value=value).on_conflict_replace().execute()
            self.audit.record(actor, "update", "firelane.settings", "",
                              {k: v for k, v in clean.items() if k != "duty_phone"})
        return self.settings()

    def template(self, key: str) -> str:
        return self.settings().get(key) or messages.default_template(key)

    # --- zones ------------------------------------------------------------------------
    def zones(self, camera: str | None = None) -> list[FireZone]:
        q = FireZone.select().order_by(FireZone.camera, FireZone.name)
        if camera is not None:
            q = q.where(FireZone.camera == camera)
        return list(q)

    def zone(self, zone_id) -> FireZone:
        z = FireZone.get_or_none(FireZone.id == zone_id)
        if z is None:
            raise NotFound("No such zone.")
        return z

    def save_zone(self, data: dict, actor: str, zone_id=None) -> FireZone:
        name = str(data.get("name", "")).strip()
        camera = str(data.get("camera", "")).strip()
        if not name or len(name) > 50:
            raise ValidationError("Give the zone a name (at most 50 characters).", field="name")
        if not camera:
            raise ValidationError("Choose a camera.", field="camera")
        kind = data.get("kind", "fire_lane")
        if kind not in ZONE_KINDS:
            raise ValidationError("Unknown zone kind.", field="kind")
        polygon = parse_polygon(data.get("polygon", ""))
        objects = [o for o in (data.get("objects") or VEHICLE_LABELS) if o in VEHICLE_LABELS]
        if not objects:
            raise ValidationError("Choose at least one kind of vehicle.", field="objects")
        try:
            inertia = int(data.get("inertia", 3))
            dwell_s = float(data.get("dwell_s", 60))
        except (TypeError, ValueError) as exc:
            raise ValidationError("Enter numbers for inertia and dwell time.", field="dwell_s") from exc
        if not 1 <= inertia <= 50 or not 0 <= dwell_s <= 24 * 3600:
            raise ValidationError("Inertia is 1 to 50 frames and dwell time 0 to 24 hours.",
                                  field="dwell_s")
        clash = FireZone.select().where(FireZone.camera == camera, FireZone.name == name)
        if zone_id:
            clash = clash.where(FireZone.id != zone_id)
        if clash.exists():
            raise ValidationError("This camera already has a zone with this name.", field="name")
        with self.db.atomic():
            z = self.zone(zone_id) if zone_id else FireZone()
            z.camera, z.name, z.kind, z.polygon, z.objects = camera, name, kind, polygon, objects
            z.inertia, z.dwell_s = inertia, dwell_s
            z.save()
            self.audit.record(actor, "update" if zone_id else "create", "firelane.zone", z.id,
                              {"name": name, "camera": camera, "kind": kind})
        return z

    def delete_zone(self, zone_id, actor: str) -> None:
        z = self.zone(zone_id)
        with self.db.atomic():
            if z.incidents.count():
                z.active = False  # incidents keep their evidence; the zone stops watching
                z.save()
            else:
                z.delete_instance()
            self.audit.record(actor, "delete", "firelane.zone", zone_id, {"name": z.name})

    def zone_specs(self, camera: str) -> list[tuple[FireZone, Zone]]:
        return [(z, Zone(z.name, tuple(tuple(p) for p in z.polygon), frozenset(z.objects),
                         z.inertia, z.dwell_s))
                for z in self.zones(camera) if z.active]

    # --- incidents --------------------------------------------------------------------
    def incident(self, incident_id) -> FireIncident:
        i = FireIncident.get_or_none(FireIncident.id == incident_id)
        if i is None:
            raise NotFound("No such incident.")
        return i

    def open_incidents(self) -> list[FireIncident]:
        return list(FireIncident.select().where(FireIncident.status == "open")
                    .order_by(FireIncident.opened_at))

    def recent_incidents(self, limit: int = 50) -> list[FireIncident]:
        return list(FireIncident.select().order_by(FireIncident.id.desc()).limit(limit))

    def notices(self, incident_id) -> list[FireNotice]:
        return list(FireNotice.select().where(FireNotice.incident == self.incident(incident_id))
                    .order_by(FireNotice.id))

    def badge_count(self) -> int:
        """Open incidents that need a person: the dashboard badge."""
        return (FireIncident.select()
                .where(FireIncident.status == "open",
                       FireIncident.stage.in_(("volunteer", "escalated")),
                       FireIncident.acknowledged_at.is_null())
                .count())

    def _find_open(self, zone: FireZone, track_id: int, plate: str):
        q = FireIncident.select().where(FireIncident.status == "open", FireIncident.zone == zone)
        same_track = q.where(FireIncident.track_id == track_id).first()
        if same_track or not plate:
            return same_track
        return q.where(FireIncident.plate == plate).first()

    def owner_for(self, plate: str):
        """(vehicle, resident) for a read plate, by fuzzy match to registered plates."""
        if not plate:
            return None, None
        plates = {v.plate: v for v in Vehicle.select()}
        m = match_plate(plate, plates)
        if m is None:
            return None, None
        vehicle = plates[m.plate]
        resident = vehicle.resident
        if resident.move_out is not None and resident.move_out <= datetime.date.today():
            return vehicle, None
        return vehicle, resident

    def open_incident(self, zone: FireZone, camera: str, track_id: int, label: str,
                      entered_at: datetime.datetime, frame=None, box=None, plate=None,
                      plate_crop=None) -> FireIncident | None:
        """Called when a vehicle has dwelt past the zone's threshold. None if already open."""
        text = plate.text if plate is not None and plate.valid else ""
        if self._find_open(zone, track_id, text):
            return None
        at = self.clock()
        vehicle, owner = self.owner_for(text)
        with self.db.atomic():
            inc = FireIncident.create(
                zone=zone, camera=camera, track_id=track_id, label=label,
                plate=vehicle.plate if vehicle else text,
                plate_confidence=plate.confidence if plate else 0.0,
                plate_reads=plate.reads if plate else 0,
                vehicle=vehicle, owner=owner, entered_at=entered_at, opened_at=at, last_seen_at=at)
            inc.evidence = self._save_evidence(inc, frame, box, plate_crop, first=True)
            inc.save()
            self.publish(inc, "new")
            report_watch_hit(inc)
            self.audit.record("system", "open", "firelane.incident", inc.id,
                              {"zone": zone.name, "plate": inc.plate})
        logger.info("fire-lane incident %s opened in zone %s", inc.id, zone.name)
        if owner is not None and owner.phone:
            inc.stage, inc.owner_notified_at = "owner", at
            inc.save()
            self._send(inc, "sms_owner", owner.name, owner.phone, self._owner_text(inc))
        else:
            self._to_volunteer(inc, at)
        return inc

    def seen(self, zone: FireZone, track_id: int, frame=None, box=None, plate=None,
             plate_crop=None) -> None:
        """The vehicle is still there: refresh the latest snapshot and a better plate read."""
        inc = self._find_open(zone, track_id, "")
        if inc is None:
            return
        inc.last_seen_at = self.clock()
        if frame is not None:
            inc.evidence = {**inc.evidence, **self._save_evidence(inc, frame, box, None)}
        better = plate is not None and plate.valid and plate.confidence > inc.plate_confidence \
            and inc.vehicle_id is None
        if better:
            changed = plate.text != inc.plate
            inc.plate, inc.plate_confidence, inc.plate_reads = plate.text, plate.confidence, plate.reads
            if plate_crop is not None:
                inc.evidence = {**inc.evidence, **self._save_evidence(inc, None, None, plate_crop)}
        with self.db.atomic():
            inc.save()
            if better and changed:
                self.publish(inc, "update")

    def vehicle_left(self, zone: FireZone, track_id: int) -> FireIncident | None:
        inc = self._find_open(zone, track_id, "")
        if inc is None:
            return None
        at = self.clock()
        with self.db.atomic():
            inc.status, inc.closed_at, inc.last_seen_at = "closed", at, at
            inc.save()
            self._cancel_queued(inc)
            self.publish(inc, "end")
            self.audit.record("system", "close", "firelane.incident", inc.id,
                              {"duration_s": int(inc.duration_s)})
        logger.info("fire-lane incident %s closed after %.0f s", inc.id, inc.duration_s)
        return inc

    def tick(self) -> None:
        """Climb the ladder for open incidents whose timers ran out; send retries that are due
        (when delivering inline)."""
        with self._ladder_lock:
            self._climb()
        if self.deliver_inline:
            self.deliver_due()

    def _climb(self) -> None:
        at = self.clock()
        t2, t3 = self.timers()
        for inc in self.open_incidents():
            age = (at - inc.opened_at).total_seconds()
            if inc.stage == "owner" and age >= t2:
                self._to_volunteer(inc, at)
            if inc.stage == "volunteer" and age >= t3:
                with self.db.atomic():
                    inc.stage, inc.escalated_at = "escalated", at
                    inc.save()
                    outbox.append("firelane.escalation", self._payload(inc, "escalated"),
                                  priority=1)
                    self.publish(inc, "update")
                    FireNotice.create(incident=inc, at=at, channel="outbox",
                                      recipient=_("property management / platform"), status="sent")

    def acknowledge(self, incident_id, actor: str) -> FireIncident:
        inc = self.incident(incident_id)
        inc.acknowledged_by, inc.acknowledged_at = actor, self.clock()
        with self.db.atomic():
            inc.save()
            self.publish(inc, "update")
            self.audit.record(actor, "acknowledge", "firelane.incident", inc.id)
        return inc

    def close_by_hand(self, incident_id, actor: str) -> FireIncident:
        inc = self.incident(incident_id)
        if inc.status == "open":
            inc.status, inc.closed_at = "closed", self.clock()
            with self.db.atomic():
                inc.save()
                self._cancel_queued(inc)
                self.publish(inc, "end")
                self.audit.record(actor, "close", "firelane.incident", inc.id)
        return inc

    def evidence_path(self, incident_id, name: str) -> Path:
        inc = self.incident(incident_id)
        filename = (inc.evidence or {}).get(name)
        if not filename:
            raise NotFound("No such picture.")
        return self.evidence_dir / str(inc.uuid) / filename

    # --- internals --------------------------------------------------------------------
    def _to_volunteer(self, inc: FireIncident, at) -> None:
        s = self.settings()
        with self.db.atomic():
            inc.stage, inc.volunteer_notified_at = "volunteer", at
            inc.save()
            FireNotice.create(incident=inc, at=at, channel="dashboard",
                              recipient=_("volunteer on duty"), status="sent")
            self.publish(inc, "update")
        if s["duty_phone"]:
            self._send(inc, "sms_volunteer", s["duty_name"], s["duty_phone"],
                       self._volunteer_text(inc))

    # --- delivery ---------------------------------------------------------------------
    def _send(self, inc: FireIncident, channel: str, recipient: str, number: str, text: str):
        notice = FireNotice.create(incident=inc, at=self.clock(), channel=channel,
                                   recipient=recipient, number=number, text=text, status="queued")
        if self.deliver_inline:
            with self._deliver_lock:
                self._deliver(notice)
        else:
            self.wake.set()
        return notice

    def deliver_due(self) -> int:
        """Send the queued notices whose time has come; returns how many were tried."""
        tried = 0
        with self._deliver_lock:
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

    def _deliver(self, notice: FireNotice) -> None:
        inc = notice.incident
        voice = notice.channel == "sms_owner" and self.settings()["owner_call"] == "1"
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
                self.publish(inc, "update")
            logger.warning("fire-lane notice %s for incident %s failed (attempt %s of %s): %s",
                           notice.channel, inc.id, attempt, MAX_ATTEMPTS, exc)
            return
        with self.db.atomic():
            notice.status = "sent"
            if delivery.channel == "call":
                notice.channel = notice.channel.replace("sms_", "call_")
            notice.error, notice.ref = delivery.detail[:200], delivery.ref if delivery.channel == "sms" else ""
            notice.save()
            self.publish(inc, "update")

    def _attempts(self, notice: FireNotice) -> int:
        """Which attempt this notice is (1 for the first) at the same message."""
        return (FireNotice.select()
                .where(FireNotice.incident == notice.incident_id, FireNotice.number == notice.number,
                       FireNotice.channel.in_((notice.channel, notice.channel.replace("sms_", "call_"))),
                       FireNotice.id <= notice.id)
                .count())

    def _cancel_queued(self, inc: FireIncident) -> None:
        (FireNotice.update(status="cancelled", error="vehicle left")
         .where(FireNotice.incident == inc, FireNotice.status == "queued").execute())

    def delivery_state(self, inc: FireIncident) -> dict:
        """Latest state of each person's notices: {"sms_owner": "sent", ...} (no numbers)."""
        state = {}
        for n in FireNotice.select().where(FireNotice.incident == inc).order_by(FireNotice.id):
            if n.channel in ("dashboard", "outbox"):
                continue
            key = n.channel.replace("call_", "sms_")
            if n.status == "queued" and key in state:
                state[key] = "retrying"
            elif n.channel.startswith("call_"):
                state[key] = "called"
            else:
                state[key] = n.status
        return state

    def _params(self, inc: FireIncident) -> dict:
        owner = inc.owner.name if inc.owner_id else _(messages.NO_OWNER)
        return {"community": self.community, "plate": inc.plate or _(messages.UNKNOWN_PLATE),
                "zone": inc.zone.name, "time": inc.entered_at.strftime("%H:%M"), "owner": owner}

    def _owner_text(self, inc: FireIncident) -> str:
        return messages.render(self.template("owner_sms"), **self._params(inc))

    def _volunteer_text(self, inc: FireIncident) -> str:
        return messages.render(self.template("volunteer_sms"), **self._params(inc))

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

    def _payload(self, inc: FireIncident, event: str) -> dict:
        # No phone numbers or names leave the box with the incident; the plate does.
        return {"uuid": str(inc.uuid), "event": event, "zone": inc.zone.name, "camera": inc.camera,
                "plate": inc.plate, "plate_valid": bool(inc.plate) and validate_plate(inc.plate).valid,
                "registered": inc.vehicle_id is not None, "stage": inc.stage,
                "status": inc.status, "label": inc.label,
                "entered_at": inc.entered_at.isoformat(), "opened_at": inc.opened_at.isoformat(),
                "closed_at": inc.closed_at.isoformat() if inc.closed_at else None,
                "acknowledged": inc.acknowledged_at is not None,
                "delivery": self.delivery_state(inc)}

    def publish(self, inc: FireIncident, kind: str) -> None:
        """A new / update / end event for the platform, in the caller's transaction."""
        outbox.append("firelane.event", {"type": kind, **self._payload(inc, kind)})


def parse_polygon(value) -> list[list[float]]:
    """'x,y x,y x,y' (from the SVG editor) or a list of pairs -> [[x, y], ...]."""
    try:
        if isinstance(value, str):
            pts = [[float(v) for v in p.split(",")] for p in value.replace(";", " ").split()]
        else:
            pts = [[float(x), float(y)] for x, y in value]
    except (TypeError, ValueError) as exc:
        raise ValidationError("Draw the zone with at least three points.", field="polygon") from exc
    if len(pts) < 3 or any(len(p) != 2 or min(p) < 0 for p in pts):
        raise ValidationError("Draw the zone with at least three points.", field="polygon")
    return [[round(x, 1), round(y, 1)] for x, y in pts]
