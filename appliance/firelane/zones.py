"""Zones drawn over a camera's picture (fire lane or parking), the latest picture of each
camera to draw them on, and the parking counts the watch keeps per zone."""

from __future__ import annotations

import cv2

from appliance.db.models import FireZone
from appliance.db.models.firelane import ZONE_KINDS
from appliance.errors import NotFound, ValidationError
from models.vehicles.zones import Zone

VEHICLE_LABELS = ("car", "truck", "bus", "motorcycle")


class ZoneStore:
    def __init__(self, db, audit):
        self.db = db
        self.audit = audit
        self._snapshots: dict[str, tuple[bytes, int, int]] = {}
        # (camera, zone name) -> {"registered": n, "unknown": n}, kept by the camera watches.
        self.occupancy: dict[tuple[str, str], dict] = {}

    # --- camera pictures --------------------------------------------------------------
    def remember_snapshot(self, camera: str, frame) -> None:
        ok, jpeg = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, 80])
        if ok:
            self._snapshots[camera] = (jpeg.tobytes(), frame.shape[1], frame.shape[0])

    def snapshot(self, camera: str) -> tuple[bytes, int, int] | None:
        """(JPEG, width, height) of the camera's latest frame, None before its first frame."""
        return self._snapshots.get(camera)

    def cameras(self, configured=()) -> list[str]:
        """Cameras a zone can be drawn for: the configured ones, those that sent a picture,
        and those that already have zones (a camera removed from the config keeps its zones)."""
        return sorted(set(configured) | set(self._snapshots) | {z.camera for z in FireZone.select(FireZone.camera)})

    def form_values(self, zone_id) -> dict:
        """An existing zone as the editor's form fields (the polygon as "x,y x,y ...")."""
        z = self.get(zone_id)
        return {"name": z.name, "camera": z.camera, "kind": z.kind, "dwell_s": int(z.dwell_s),
                "inertia": z.inertia, "objects": list(z.objects), "spaces": z.spaces or "",
                "polygon": " ".join(f"{int(x)},{int(y)}" for x, y in z.polygon)}

    # --- zones ------------------------------------------------------------------------
    def list(self, camera: str | None = None) -> list[FireZone]:
        q = FireZone.select().order_by(FireZone.camera, FireZone.name)
        if camera is not None:
            q = q.where(FireZone.camera == camera)
        return [z for z in q]

    def get(self, zone_id) -> FireZone:
        z = FireZone.get_or_none(FireZone.id == zone_id)
        if z is None:
            raise NotFound("No such zone.")
        return z

    def save(self, data: dict, actor: str, zone_id=None) -> FireZone:
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
        except (TypeError, ValueError, OverflowError) as exc:
            raise ValidationError("Enter numbers for inertia and dwell time.", field="dwell_s") from exc
        if not 1 <= inertia <= 50 or not 0 <= dwell_s <= 24 * 3600:
            raise ValidationError("Inertia is 1 to 50 frames and dwell time 0 to 24 hours.",
                                  field="dwell_s")
        spaces = parse_spaces(data.get("spaces", "")) if kind == "parking" else 0
        clash = FireZone.select().where(FireZone.camera == camera, FireZone.name == name)
        if zone_id:
            clash = clash.where(FireZone.id != zone_id)
        if clash.exists():
            raise ValidationError("This camera already has a zone with this name.", field="name")
        with self.db.atomic():
            z = self.get(zone_id) if zone_id else FireZone()
            z.camera, z.name, z.kind, z.polygon, z.objects = camera, name, kind, polygon, objects
            z.inertia, z.dwell_s, z.spaces = inertia, dwell_s, spaces
            z.save()
            self.audit.record(actor, "update" if zone_id else "create", "firelane.zone", z.id,
                              {"name": name, "camera": camera, "kind": kind,
                               **({"spaces": spaces} if kind == "parking" else {})})
        return z

    def delete(self, zone_id, actor: str) -> None:
        z = self.get(zone_id)
        with self.db.atomic():
            if z.incidents.count():
                z.active = False  # incidents keep their evidence; the zone stops watching
                z.save()
            else:
                z.delete_instance()
            self.audit.record(actor, "delete", "firelane.zone", zone_id, {"name": z.name})

    def specs(self, camera: str) -> list[tuple[FireZone, Zone]]:
        """The camera's active zones, as the watch's geometry."""
        return [(z, Zone(z.name, tuple(tuple(p) for p in z.polygon), frozenset(z.objects),
                         z.inertia, z.dwell_s))
                for z in self.list(camera) if z.active]


MAX_ZONE_SPACES = 2000


def parse_spaces(value) -> int:
    """The parking spaces of a zone: blank is 0 (not given), else a whole number 0 to 2000."""
    text = str(value if value is not None else "").strip()
    if not text:
        return 0
    try:
        spaces = int(text)
    except (TypeError, ValueError, OverflowError) as exc:
        raise ValidationError("Parking spaces: enter a whole number from 0 to 2000.", field="spaces") from exc
    if not 0 <= spaces <= MAX_ZONE_SPACES:
        raise ValidationError("Parking spaces: enter a whole number from 0 to 2000.", field="spaces")
    return spaces


def parse_polygon(value) -> list[list[float]]:
    """'x,y x,y x,y' (from the SVG editor) or a list of pairs -> [[x, y], ...]."""
    try:
        if isinstance(value, str):
            pts = [[float(v) for v in p.split(",")] for p in value.replace(";", " ").split()]
        else:
            pts = [[float(x), float(y)] for x, y in value]
    except (TypeError, ValueError) as exc:
        raise ValidationError("Draw the zone with at least three points.", field="polygon") from exc
    if len(pts) < 3 or any(len(p) != 2 or min(p) < 0 or max(p) > 100000 for p in pts):
        raise ValidationError("Draw the zone with at least three points.", field="polygon")
    return [[round(x, 1), round(y, 1)] for x, y in pts]
