"""Notices (公告): staff post them (title, text, optional picture, audience all or some
buildings, pinned, important, expiry); the district's notices from the hub (DistrictNotice,
from the signed downlink) are shown the same way. Residents confirm important notices ("已读");
one read record per unit and notice is the delivery proof owners' votes need, and the staff
page counts them per building.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass

from peewee import fn

from appliance.db.models import Building, DistrictNotice, Household, Notice, NoticeRead, Resident, Unit
from appliance.errors import NotFound, ValidationError
from appliance.sync import outbox
from appliance.validation import clean_text

logger = logging.getLogger(__name__)
ENTITY = "notice"
OUTBOX_KIND = "notice.upsert"  # the district's pages list every community's notices


@dataclass(frozen=True)
class NoticeView:
    """A local or district notice, as pages show it."""

    key: str  # "n:<id>" or "d:<id>"
    id: int
    title: str
    body: str
    picture: str
    pinned: bool
    important: bool
    source: str  # local | district
    at: datetime.datetime
    expires_at: datetime.datetime | None
    buildings: tuple


class Notices:
    def __init__(self, db, audit, photos, clock=datetime.datetime.now):
        self.db = db
        self.audit = audit
        self.photos = photos
        self.clock = clock
        self._gate: list[NoticeView] = []  # what the gate shows (see refresh_gate)
        self._reads_sent: dict[int, int] = {}  # important notice id -> units read when last sent up

    def now(self) -> datetime.datetime:
        return self.clock().replace(microsecond=0)

    # --- staff ---------------------------------------------------------------------------------
    def post(self, data: dict, actor: str, picture: bytes | None = None) -> Notice:
        title = clean_text(data.get("title"), "title", required=True, max_len=100)
        body = clean_text(data.get("body"), "body", max_len=5000)
        buildings = []
        for raw in data.get("buildings") or []:
            raw = str(raw)
            if not (raw.isascii() and raw.isdigit() and len(raw) <= 18) or Building.get_or_none(
                    Building.id == int(raw)) is None:
                raise ValidationError("No such building.", field="buildings")
            buildings.append(int(raw))
        if data.get("audience") == "buildings" and not buildings:
            raise ValidationError("Choose at least one building.", field="buildings")
        if data.get("audience") != "buildings":
            buildings = []
        expires = None
        raw = str(data.get("expires") or "").strip()
        if raw:
            try:
                expires = datetime.datetime.combine(datetime.date.fromisoformat(raw[:10]), datetime.time(23, 59, 59))
            except ValueError:
                raise ValidationError("Not a date: %(value)s", field="expires", value=raw[:20]) from None
            if expires < self.now():
                raise ValidationError("The expiry date has passed already.", field="expires")
        name = ""
        if picture:
            name, _photo = self.photos.put(picture)
        try:
            with self.db.atomic():
                notice = Notice.create(title=title, body=body, picture=name, buildings=sorted(set(buildings)),
                                       pinned=bool(data.get("pinned")), important=bool(data.get("important")),
                                       expires_at=expires, created_at=self.now(), created_by=actor)
                self.audit.record(actor, "post", ENTITY, notice.id, {"name": title})
                self._publish(notice)
            self.refresh_gate()
        except BaseException:
            if name:
                self.photos.remove(name)
            raise
        return notice

    def withdraw(self, notice_id, actor: str) -> Notice:
        notice = self._get(notice_id)
        with self.db.atomic():
            notice.withdrawn_at = self.now()
            notice.save()
            self.audit.record(actor, "withdraw", ENTITY, notice.id, {"name": notice.title})
            self._publish(notice)
        self.refresh_gate()
        return notice

    def _publish(self, notice: Notice) -> None:
        """The notice as the hub keeps it (its latest entry wins): building names, not ids, and
        no staff account; the picture stays on the box. Important notices carry the read count
        per building (units, never who), so the district sees delivery without asking."""
        reads = self._reads(notice) if notice.important else []
        self._reads_sent[notice.id] = sum(r["read"] for r in reads)
        names = {b.id: b.name for b in Building.select().where(Building.id.in_(list(notice.buildings or [])))}
        outbox.append(OUTBOX_KIND, {
            "uuid": str(notice.uuid), "title": notice.title, "body": notice.body,
            "buildings": [names.get(i, str(i)) for i in notice.buildings or []], "pinned": bool(notice.pinned),
            "important": bool(notice.important), "has_picture": bool(notice.picture),
            "created_at": notice.created_at.isoformat() if notice.created_at else None,
            "expires_at": notice.expires_at.isoformat() if notice.expires_at else None,
            "withdrawn_at": notice.withdrawn_at.isoformat() if notice.withdrawn_at else None,
            "reads": reads,
        }, priority=5)

    def publish_reads(self) -> int:
        """Send up important notices in force whose read count changed since they were last
        sent (called each minute, so a wave of "已读" makes one entry, not one per unit)."""
        now = self.now()
        sent = 0
        for notice in Notice.select().where(Notice.important == True, Notice.withdrawn_at.is_null(),  # noqa: E712
                                            (Notice.expires_at.is_null()) | (Notice.expires_at >= now)):
            count = NoticeRead.select().where(NoticeRead.notice == notice.id).count()
            if self._reads_sent.get(notice.id) != count:
                with self.db.atomic():
                    self._publish(notice)
                sent += 1
        return sent

    def _get(self, notice_id) -> Notice:
        notice = Notice.get_or_none(Notice.id == notice_id) if str(notice_id).isdigit() else None
        if notice is None:
            raise NotFound("No such notice.")
        return notice

    # --- reading -------------------------------------------------------------------------------
    def current(self, building_id=None, everyone_only: bool = False) -> list[NoticeView]:
        """Notices in force, pinned first, then newest. ``building_id`` narrows to what that
        building's residents see; ``everyone_only`` is the kiosk at the gate (all buildings)."""
        now = self.now()
        out = []
        for n in Notice.select().where(Notice.withdrawn_at.is_null(),
                                       (Notice.expires_at.is_null()) | (Notice.expires_at >= now)):
            aimed = tuple(n.buildings or ())
            if aimed and (everyone_only or (building_id is not None and building_id not in aimed)):
                continue
            out.append(NoticeView(f"n:{n.id}", n.id, n.title, n.body, n.picture, n.pinned, n.important, "local",
                                  n.created_at, n.expires_at, aimed))
        for d in DistrictNotice.select().order_by(DistrictNotice.received_at.desc()).limit(20):
            out.append(NoticeView(f"d:{d.id}", d.id, d.title, d.body, "", False, False, "district", d.received_at,
                                  None, ()))
        out.sort(key=lambda v: (not v.pinned, -v.at.timestamp()))
        return out

    def all_local(self, limit: int = 100) -> list[Notice]:
        return list(Notice.select().order_by(Notice.created_at.desc(), Notice.id.desc()).limit(limit))

    def unit_of(self, resident_id: int):
        return Unit.select().join(Household).join(Resident).where(Resident.id == resident_id).first()

    def for_resident(self, resident_id: int) -> tuple[list[NoticeView], set[int]]:
        """(notices this resident sees, ids of important ones their unit has confirmed)."""
        unit = self.unit_of(resident_id)
        views = self.current(unit.building_id if unit else None)
        read = set()
        if unit is not None:
            read = {r for (r,) in NoticeRead.select(NoticeRead.notice).where(NoticeRead.unit == unit.id).tuples()}
        return views, read

    def mark_read(self, notice_id, resident_id: int) -> NoticeRead:
        notice = self._get(notice_id)
        unit = self.unit_of(resident_id)
        if unit is None:
            raise ValidationError("Your home is not registered; please tell a volunteer.", field="unit")
        if notice.buildings and unit.building_id not in notice.buildings:
            raise NotFound("No such notice.")
        row = NoticeRead.get_or_none(NoticeRead.notice == notice.id, NoticeRead.unit == unit.id)
        if row is None:
            NoticeRead.insert(notice=notice.id, unit=unit.id, resident=resident_id, at=self.now()).on_conflict_ignore() \
                .execute()
            row = NoticeRead.get(NoticeRead.notice == notice.id, NoticeRead.unit == unit.id)
        return row

    def read_counts(self, notice_id) -> list[dict]:
        """Per building in the audience: units that confirmed / units there."""
        return self._reads(self._get(notice_id))

    @staticmethod
    def _reads(notice: Notice) -> list[dict]:
        buildings = Building.select().order_by(Building.name)
        if notice.buildings:
            buildings = buildings.where(Building.id.in_(notice.buildings))
        total = dict(Unit.select(Unit.building, fn.COUNT(Unit.id)).group_by(Unit.building).tuples())
        read = dict(NoticeRead.select(Unit.building, fn.COUNT(NoticeRead.id)).join(Unit)
                    .where(NoticeRead.notice == notice.id).group_by(Unit.building).tuples())
        return [{"building": b.name, "read": read.get(b.id, 0), "units": total.get(b.id, 0)} for b in buildings]

    def gate_text(self, key: str) -> str | None:
        """Title and text of a notice the gate shows (everyone's), for reading aloud."""
        for view in self.current(everyone_only=True):
            if view.key == key:
                return f"{view.title}。{view.body}"
        return None

    def refresh_gate(self) -> None:
        """Read the gate's notices into memory: at start, after a post or withdrawal, and on
        the feature's minute tick (district notices arrive by sync). The gate polls every few
        seconds and reads only this list, never the database."""
        self._gate = self.current(everyone_only=True)

    def kiosk_pick(self, tick: int) -> NoticeView | None:
        """The notice the gate shows now: one after another."""
        now = self.now()
        views = [v for v in self._gate if v.expires_at is None or v.expires_at >= now]
        return views[tick % len(views)] if views else None
