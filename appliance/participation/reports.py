"""Residents' reports (随手拍) on top of the work-order service: photos, nearby duplicates,
"me too", my reports, reopening within the reopen window, and 代报 by a volunteer.

The order itself, its timeline, audit and outbox all belong to the work-order service; this
module adds what only a resident's report has. Photo files are written before the order's
transaction and removed again when it fails, so a refused report leaves nothing behind.
"""

from __future__ import annotations

import datetime
import logging
import math
import re

from peewee import IntegrityError

from appliance.db.models import (Household, ReportPhoto, ReportSubmission, Resident, Unit, WorkOrder,
                                   WorkOrderCategory)
from appliance.errors import NotFound, PermissionDenied, ValidationError
from appliance.participation.photos import PhotoStore
from appliance.validation import clean_text
from appliance.workorders import states
from appliance.workorders.service import WorkOrderService

logger = logging.getLogger(__name__)

MAX_PHOTOS = 3
# What residents report most; registered at every start (staff edits win, see categories.py).
RESIDENT_CATEGORIES = (
    ("lamp", "路灯不亮", "Street lamp out", 48),
    ("leak", "漏水", "Water leak", 24),
    ("litter", "垃圾堆放", "Rubbish piled up", 48),
    ("road", "道路破损", "Broken path or road", 168),
    ("facility", "公共设施损坏", "Broken shared facility", 72),
    ("parking", "乱停车", "Badly parked vehicle", 24),
    ("greenery", "绿化问题", "Trees and greenery", 168),
    ("noise", "噪音扰民", "Noise", 48),
    ("other", "其他", "Something else", 72),
)
GROUP = "resident"
# A phone makes the key of its draft (hex or a UUID); anything else is refused, not stored.
DRAFT_KEY = re.compile(r"^[A-Za-z0-9-]{16,64}$")


def resident_actor(resident_id: int) -> str:
    return f"resident:{resident_id}"


class ReportService:
    def __init__(self, db, workorders: WorkOrderService, photos: PhotoStore, settings, clock=datetime.datetime.now):
        self.db = db
        self.wo = workorders
        self.photos = photos
        self.settings = settings
        self.clock = clock
        self.plan_size = None  # () -> (width, height) in pixels of the site plan, or None; set by setup

    def register_categories(self) -> None:
        for code, zh, en, hours in RESIDENT_CATEGORIES:
            self.wo.register_category(code, zh, en, hours, group=GROUP)

    def categories(self) -> list[WorkOrderCategory]:
        return [c for c in self.wo.categories() if c.group == GROUP] or self.wo.categories()

    # --- sending ---------------------------------------------------------------------------
    def submit(self, *, category: str, description: str, place: dict, photos: list[bytes] = (),
               resident_id: int | None = None, phone: str = "", on_behalf_by: str = "",
               actor: str = "", draft_key: str = "") -> WorkOrder:
        """A report from a resident (``resident_id``) or entered by a volunteer for someone
        (``on_behalf_by`` = the volunteer's account name, ``phone`` = the resident's).

        ``draft_key`` is the key a phone gave its draft: a draft sent again (the answer was
        lost on a flaky connection, the phone came back online twice) returns the order the
        first sending made instead of a second one."""
        draft_key = str(draft_key or "").strip()
        if draft_key:
            if not DRAFT_KEY.match(draft_key):
                raise ValidationError("The draft key is not valid; please reload the page.", field="draft_key")
            done = self._sent_before(draft_key, resident_id)
            if done is not None:
                return done
        photos = [p for p in photos if p]
        if len(photos) > MAX_PHOTOS:
            raise ValidationError("At most %(n)s photos.", field="photo", n=MAX_PHOTOS)
        text = clean_text(description, "description", max_len=2000)
        cat = self.wo.category(category)
        if not text:
            text = cat.name_zh  # the three-tap report has no words: the category says it
        stored: list[tuple[str, object]] = []
        try:
            for data in photos:
                stored.append(self.photos.put(data))
            # IMMEDIATE: two sendings of one draft wait for each other instead of failing as "locked".
            with self.db.atomic("IMMEDIATE"):
                done = self._sent_before(draft_key, resident_id) if draft_key else None
                if done is not None:
                    for name, _photo in stored:
                        self.photos.remove(name)
                    return done
                order = self.wo.open(source="volunteer_on_behalf" if on_behalf_by else "resident", category=cat.code,
                                     description=text, place=place, reporter_id=resident_id,
                                     reporter_phone=phone or None, on_behalf_by=on_behalf_by or None,
                                     actor=actor or (resident_actor(resident_id) if resident_id else "resident"))
                for name, photo in stored:
                    ReportPhoto.create(order=order, name=name, width=photo.width, height=photo.height,
                                       size=len(photo.jpeg), created_at=self.wo.now())
                if draft_key:
                    ReportSubmission.create(draft_key=draft_key, resident=resident_id, order=order,
                                            created_at=self.wo.now())
        except IntegrityError:
            # The same draft arrived twice at once; the other request's transaction won.
            for name, _photo in stored:
                self.photos.remove(name)
            done = self._sent_before(draft_key, resident_id) if draft_key else None
            if done is None:
                raise
            return done
        except BaseException:
            for name, _photo in stored:
                self.photos.remove(name)
            raise
        return order

    def _sent_before(self, draft_key: str, resident_id) -> WorkOrder | None:
        row = ReportSubmission.get_or_none(ReportSubmission.draft_key == draft_key)
        if row is None:
            return None
        if row.resident_id != resident_id:
            # Someone else's key: never hand over their order; the phone must make a new key.
            raise ValidationError("The draft key is not valid; please reload the page.", field="draft_key")
        return self.wo.get(row.order_id)

    def place_of(self, resident_id: int) -> dict:
        """The resident's own building, the default place of their report."""
        unit = (Unit.select().join(Household).join(Resident).where(Resident.id == resident_id).first())
        return {"building_id": unit.building_id if unit else None}

    # --- duplicates --------------------------------------------------------------------------
    def nearby(self, category: str, building_id=None, x=None, y=None, limit: int = 5) -> list[WorkOrder]:
        """Open orders of the same category in the same building or, where the box knows the
        site plan's size, within ``nearby_metres`` of the tapped point."""
        cat = WorkOrderCategory.get_or_none(WorkOrderCategory.code == str(category)[:60])
        if cat is None:
            return []
        query = (WorkOrder.select().where(WorkOrder.category == cat, WorkOrder.status.in_(states.OPEN_STATUSES))
                 .order_by(WorkOrder.created_at.desc()).limit(200))
        width = self.settings.plan_width_m
        # Points are fractions of the picture's width and height; a plan twice as wide as high
        # spans half the metres from top to bottom.
        size = self.plan_size() if (self.plan_size is not None and width > 0) else None
        height = width * size[1] / size[0] if size and size[0] > 0 else width
        out = []
        for order in query:
            same_building = building_id not in (None, "") and str(order.building_id) == str(building_id)
            close = False
            if width > 0 and x is not None and y is not None and order.plan_x is not None:
                try:
                    close = math.hypot((float(x) - order.plan_x) * width,
                                       (float(y) - order.plan_y) * height) <= self.settings.nearby_metres
                except (TypeError, ValueError):
                    close = False
            if same_building or close:
                out.append(order)
            if len(out) >= limit:
                break
        return out

    def plus_one(self, resident_id: int, order_id) -> WorkOrder:
        return self.wo.plus_one(order_id, resident_actor(resident_id))

    # --- my reports --------------------------------------------------------------------------
    def mine(self, resident_id: int, limit: int = 50) -> list[WorkOrder]:
        return list(WorkOrder.select().where(WorkOrder.reporter == resident_id)
                    .order_by(WorkOrder.created_at.desc(), WorkOrder.id.desc()).limit(limit))

    def my_order(self, resident_id: int, order_id) -> WorkOrder:
        order = self.wo.get(order_id)
        if order.reporter_id != resident_id:
            raise NotFound("No such report.")
        return order

    def public_notes(self, order_id):
        return self.wo.timeline(order_id, public_only=True)

    def photos_of(self, order_id) -> list[ReportPhoto]:
        return list(ReportPhoto.select().where(ReportPhoto.order == order_id, ReportPhoto.deleted_at.is_null())
                    .order_by(ReportPhoto.id))

    def can_reopen(self, order: WorkOrder) -> bool:
        if order.status != "fixed" or order.fixed_at is None:
            return False
        return self.wo.now() - order.fixed_at <= datetime.timedelta(days=self.settings.reopen_days)

    def reopen(self, resident_id: int, order_id, reason: str) -> WorkOrder:
        order = self.my_order(resident_id, order_id)
        if not self.can_reopen(order):
            raise PermissionDenied("A report can be reopened only within %(days)s days after it was fixed.",
                                   days=self.settings.reopen_days)
        text = clean_text(reason, "reason", required=True, max_len=500)
        return self.wo.transition(order.id, "reopened", resident_actor(resident_id), note=text, public=True)

    # --- retention -----------------------------------------------------------------------------
    def sweep_photos(self) -> int:
        """Delete the photo files of orders closed (or merged) longer ago than photo_keep_days."""
        limit = self.wo.now() - datetime.timedelta(days=self.settings.photo_keep_days)
        rows = (ReportPhoto.select().join(WorkOrder)
                .where(ReportPhoto.deleted_at.is_null(), WorkOrder.status.in_(("closed", "merged")),
                       WorkOrder.updated_at < limit))
        done = 0
        for row in rows:
            self.photos.remove(row.name)
            ReportPhoto.update(deleted_at=self.wo.now()).where(ReportPhoto.id == row.id).execute()
            done += 1
        if done:
            logger.info("photo retention: removed %s photos", done)
        return done

    def on_plan(self, limit: int = 300) -> list[WorkOrder]:
        """Open orders that carry a point on the site plan, for the staff's plan of the queue."""
        return list(WorkOrder.select().where(WorkOrder.status.in_(states.OPEN_STATUSES),
                                             WorkOrder.plan_x.is_null(False), WorkOrder.plan_y.is_null(False))
                    .order_by(WorkOrder.due_at.asc(nulls="LAST"), WorkOrder.id).limit(limit))
