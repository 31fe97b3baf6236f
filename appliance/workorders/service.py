"""The work-order service every feature files its work through.

Callers (resident reports, sensor alarms, elderly-care alerts, grid tasks, fire-lane
escalations) get it from the context: ``ctx.need(WorkOrdersFeature).service`` in their
``setup``; the web and the CLI use ``services.workorders``. The API::

    register_category(code, name_zh, name_en, due_hours, default_assignee=None, group="",
                      actor="system") -> WorkOrderCategory
        Idempotent upsert, called by a feature's setup at every start. Once staff have
        edited a category (update_category) the feature's values no longer overwrite theirs.
        All categories are read once per service; a start with nothing new writes nothing.
    update_category(code, data, actor) -> WorkOrderCategory      # staff edits; dict of fields
        default_assignee must be a staff account (account_names()); categories in
        MACHINE_GROUPS (the box opens them itself) cannot be switched off.
    categories(active_only=True) -> list[WorkOrderCategory]

    open(*, source, category, description, actor, place=None, reporter_id=None,
         reporter_phone=None, on_behalf_by=None, dedupe_key=None, due_at=None,
         assignee=None) -> WorkOrder
        source in SOURCES; category a registered code; place a Place or a dict with its
        keys (building_id, unit_id, spot, device, x, y, lat, lon). With dedupe_key, while an
        order with that key is still open (not fixed, closed or merged) that order is
        returned instead of a new one: its ``repeats`` goes up and its timeline gets a note
        (at most one an hour, so an alarm re-raised every minute is one order, not 1,440
        notes). due_at defaults to now + the category's due_hours; assignee to the
        category's default_assignee.
    transition(order_id, to_status, actor, note="", public=True) -> WorkOrder
        new → accepted → in_progress → fixed → closed (forward skips allowed),
        fixed/closed → reopened → ...; an open order → closed needs a note (the reason).
        Anything else raises ValidationError naming both statuses (see states.py).
    assign(order_id, assignee, actor) -> WorkOrder            # "" unassigns
    add_note(order_id, text, public, actor) -> WorkOrderNote
    merge(duplicate_id, into_id, actor) -> WorkOrder           # returns the kept order;
        into_id may also be the kept order's number or uuid (a staff member types the number)
    plus_one(order_id, actor, text="") -> WorkOrder            # "me too"
    set_external_ref(order_id, ref, actor) -> WorkOrder        # the city's 12345 number
    get(order_id) -> WorkOrder (NotFound); find(ref) -> WorkOrder | None (id, number or uuid)
    timeline(order_id, public_only=False) -> list[WorkOrderNote]
    next_statuses(order) -> tuple[str, ...]; assignees() -> list[str] (names to suggest)
    queue(status="open", category=None, overdue=None, page=1, per_page=50) -> (rows, has_more)
        status: one of STATUSES, "open" (new/accepted/in_progress/reopened) or "all";
        sorted overdue first, then by due time.
    overdue() -> list[WorkOrder]; overdue_count() -> int; is_overdue(order) -> bool
    stats(weeks=12) -> dict: {"weeks": [{"start", "opened", "fixed"}], "median_days":
        [{"code", "name_zh", "name_en", "median_days", "fixed"}], "open", "overdue", "total",
        "chart": bar geometry for the page}

Every change writes a timeline note, an audit line and a ``workorder.upsert`` outbox entry
in one transaction (payload.py says what of the reporter may leave). Called inside the
caller's own ``db.atomic()`` the change becomes a savepoint of it, so a feature can open an
order and change its own rows all-or-nothing. Bad input raises ValidationError with
``field`` set; an unknown id raises NotFound. Actors are account names, "system", or
"resident:<id>" for a resident acting on their own order.
"""

from __future__ import annotations

import datetime
import logging
import uuid as uuidlib

from peewee import JOIN, Case, fn

from appliance.db.base import find as find_row
from appliance.db.models import Resident, WorkOrder, WorkOrderCategory, WorkOrderNote
from appliance.errors import NotFound, ValidationError
from appliance.validation import clean_phone, clean_text
from appliance.workorders import payload, states
from appliance.workorders.categories import CategoryRegistry
from appliance.workorders.place import clean_place
from appliance.workorders.stats import chart, weekly_stats

logger = logging.getLogger(__name__)

ENTITY = "workorder"
REPEAT_NOTE_EVERY = datetime.timedelta(hours=1)
MAX_TEXT = 2000
QUEUE_FILTERS = ("open", "all", *states.STATUSES)


class WorkOrderService(CategoryRegistry):
    def __init__(self, db, audit, clock=datetime.datetime.now, prefix: str = "GD"):
        self.db = db
        self.audit = audit
        self.clock = clock
        self.prefix = prefix

    def now(self) -> datetime.datetime:
        return self.clock().replace(microsecond=0)

    # --- opening -------------------------------------------------------------------------------
    def open(self, *, source: str, category: str, description: str, actor: str, place=None,
             reporter_id=None, reporter_phone: str | None = None, on_behalf_by: str | None = None,
             dedupe_key: str | None = None, due_at: datetime.datetime | None = None,
             assignee: str | None = None) -> WorkOrder:
        if source not in states.SOURCES:
            raise ValidationError("Unknown source: %(value)s", field="source", value=str(source)[:40])
        cat = self.category(category)
        if not cat.active:
            raise ValidationError("The category %(value)s is switched off.", field="category", value=cat.name_zh)
        text = clean_text(description, "description", required=True, max_len=MAX_TEXT)
        where = clean_place(place)
        reporter = None
        if reporter_id not in (None, ""):
            reporter = find_row(Resident, reporter_id)
            if reporter is None:
                raise ValidationError("No such resident.", field="reporter_id")
        phone = clean_phone(reporter_phone or "", "reporter_phone")
        behalf = clean_text(on_behalf_by, "on_behalf_by", max_len=100)
        key = clean_text(dedupe_key, "dedupe_key", max_len=200) or None
        who = clean_text(assignee, "assignee", max_len=100) if assignee is not None else cat.default_assignee
        if due_at is not None and not isinstance(due_at, datetime.datetime):
            raise ValidationError("Not a date and time.", field="due_at")
        with self.db.atomic("IMMEDIATE"):
            if key is not None:
                existing = self.open_with_key(key)
                if existing is not None:
                    return self._repeat(existing, text, actor)
            now = self.now()
            order = WorkOrder.create(
                number=self._next_number(now.year), source=source, category=cat, description=text,
                reporter=reporter, reporter_phone=phone, on_behalf_by=behalf, dedupe_key=key, assignee=who,
                due_at=(due_at or now + datetime.timedelta(hours=cat.due_hours)).replace(microsecond=0),
                status="new", created_at=now, updated_at=now, **where)
            note = self._note(order, actor, "opened", to_status="new", text="", public=True)
            payload.publish(order, note)
            self.audit.record(actor, "open", ENTITY, order.id, {"name": order.number, "category": cat.code,
                                                                  "source": source})
        logger.info("work order %s opened (%s, %s)", order.number, cat.code, source)
        return order

    def _repeat(self, order: WorkOrder, text: str, actor: str) -> WorkOrder:
        now = self.now()
        last = (WorkOrderNote.select(fn.MAX(WorkOrderNote.at)).where(
            WorkOrderNote.order == order, WorkOrderNote.kind.in_(("opened", "repeat"))).scalar())
        WorkOrder.update(repeats=WorkOrder.repeats + 1).where(WorkOrder.id == order.id).execute()
        order = WorkOrder.get_by_id(order.id)
        if last is None or now - last >= REPEAT_NOTE_EVERY:
            order.updated_at = now
            order.save()
            note = self._note(order, actor, "repeat", text=text, public=False)
            payload.publish(order, note)
            self.audit.record(actor, "repeat", ENTITY, order.id, {"name": order.number, "repeats": order.repeats})
        return order

    def _next_number(self, year: int) -> str:
        # The upsert takes the write lock first, so two boxes' threads never share a number.
        self.db.execute_sql("INSERT INTO work_order_counter (year, last) VALUES (?, 1) "
                            "ON CONFLICT (year) DO UPDATE SET last = last + 1", (year,))
        (last,) = self.db.execute_sql("SELECT last FROM work_order_counter WHERE year = ?", (year,)).fetchone()
        return f"{self.prefix}-{year}-{last:06d}"

    # --- changes -------------------------------------------------------------------------------
    def transition(self, order_id, to_status: str, actor: str, note: str = "", public: bool = True) -> WorkOrder:
        text = clean_text(note, "note", max_len=MAX_TEXT)
        with self.db.atomic("IMMEDIATE"):
            order = self.get(order_id)
            current = order.status
            states.check_move(current, to_status, text)
            now = self.now()
            order.status = to_status
            order.updated_at = now
            if to_status == "fixed":
                order.fixed_at = now
            elif to_status == "closed":
                order.closed_at = now
            elif to_status == "reopened":
                order.fixed_at = order.closed_at = None
                order.due_at = now + datetime.timedelta(hours=order.category.due_hours)
            order.save()
            row = self._note(order, actor, "status", from_status=current, to_status=to_status, text=text,
                             public=bool(public))
            payload.publish(order, row)
            self.audit.record(actor, "status", ENTITY, order.id, {"name": order.number, "from": current,
                                                                    "to": to_status})
        return order

    def assign(self, order_id, assignee: str, actor: str) -> WorkOrder:
        who = clean_text(assignee, "assignee", max_len=100)
        with self.db.atomic("IMMEDIATE"):
            order = self.get(order_id)
            if order.status == "merged":
                raise ValidationError("This order was merged into another one; work on that one.", field="assignee")
            if who == order.assignee:
                return order
            order.assignee = who
            order.updated_at = self.now()
            order.save()
            row = self._note(order, actor, "assign", text=who, public=False)
            payload.publish(order, row)
            self.audit.record(actor, "assign", ENTITY, order.id, {"name": order.number, "assignee": who})
        return order

    def add_note(self, order_id, text: str, public: bool, actor: str) -> WorkOrderNote:
        words = clean_text(text, "text", required=True, max_len=MAX_TEXT)
        with self.db.atomic("IMMEDIATE"):
            order = self.get(order_id)
            order.updated_at = self.now()
            order.save()
            row = self._note(order, actor, "note", text=words, public=bool(public))
            payload.publish(order, row)
            self.audit.record(actor, "note", ENTITY, order.id, {"name": order.number, "public": bool(public)})
        return row

    def merge(self, duplicate_id, into_id, actor: str) -> WorkOrder:
        with self.db.atomic("IMMEDIATE"):
            dup = self.get(duplicate_id)
            into = self.find(into_id)
            if into is None:
                raise ValidationError("No work order %(value)s.", field="into", value=str(into_id or "-")[:60])
            if dup.id == into.id:
                raise ValidationError("An order cannot be merged into itself.", field="into")
            if dup.status in ("merged", "closed"):
                raise ValidationError("Order %(number)s is already %(status)s.", field="into", number=dup.number,
                                      status=states.status_word(dup.status))
            if into.status == "merged":
                raise ValidationError("Order %(number)s was itself merged; merge into the order it went to.",
                                      field="into", number=into.number)
            now = self.now()
            before = dup.status
            dup.status, dup.merged_into, dup.closed_at, dup.updated_at = "merged", into, now, now
            dup.save()
            into.plus_ones += 1 + dup.plus_ones
            into.updated_at = now
            into.save()
            dup_note = self._note(dup, actor, "merge", from_status=before, to_status="merged", text=into.number,
                                  public=True)
            into_note = self._note(into, actor, "plus_one", text=dup.number, public=True)
            payload.publish(dup, dup_note)
            payload.publish(into, into_note)
            self.audit.record(actor, "merge", ENTITY, dup.id, {"name": dup.number, "into": into.number})
        return into

    def plus_one(self, order_id, actor: str, text: str = "") -> WorkOrder:
        words = clean_text(text, "text", max_len=MAX_TEXT)
        with self.db.atomic("IMMEDIATE"):
            order = self.get(order_id)
            if order.status == "merged":
                order = order.merged_into or order
            WorkOrder.update(plus_ones=WorkOrder.plus_ones + 1, updated_at=self.now()).where(
                WorkOrder.id == order.id).execute()
            order = WorkOrder.get_by_id(order.id)
            row = self._note(order, actor, "plus_one", text=words, public=False)
            payload.publish(order, row)
            self.audit.record(actor, "plus_one", ENTITY, order.id, {"name": order.number})
        return order

    def set_external_ref(self, order_id, ref: str, actor: str) -> WorkOrder:
        value = clean_text(ref, "external_ref", max_len=40)
        with self.db.atomic("IMMEDIATE"):
            order = self.get(order_id)
            if value == order.external_ref:
                return order
            order.external_ref, order.updated_at = value, self.now()
            order.save()
            row = self._note(order, actor, "ref", text=value, public=True)
            payload.publish(order, row)
            self.audit.record(actor, "external_ref", ENTITY, order.id, {"name": order.number, "ref": value})
        return order

    def _note(self, order, actor, kind, *, from_status="", to_status="", text="", public=False) -> WorkOrderNote:
        return WorkOrderNote.create(uuid=uuidlib.uuid4(), order=order, at=self.now(), actor=actor or "system",
                                    kind=kind, from_status=from_status, to_status=to_status, text=text,
                                    public=public)

    # --- reading -------------------------------------------------------------------------------
    def get(self, order_id) -> WorkOrder:
        order = find_row(WorkOrder, order_id)
        if order is None:
            raise NotFound("No such work order.")
        return order

    def find(self, ref) -> WorkOrder | None:
        """By id, by number (any case, surrounding blanks ignored) or by uuid."""
        text = str(ref or "").strip()[:60]
        if not text:
            return None
        if text.isdigit():
            return find_row(WorkOrder, text)
        order = WorkOrder.get_or_none(WorkOrder.number == text.upper())
        if order is None:
            try:
                order = WorkOrder.get_or_none(WorkOrder.uuid == uuidlib.UUID(text))
            except ValueError:
                return None
        return order

    def open_with_key(self, dedupe_key: str) -> WorkOrder | None:
        """The order still waiting for someone under this key (what ``open`` would repeat)."""
        return (WorkOrder.select().where(WorkOrder.dedupe_key == dedupe_key,
                                         WorkOrder.status.in_(states.OPEN_STATUSES))
                .order_by(WorkOrder.id).first())

    def timeline(self, order_id, public_only: bool = False) -> list[WorkOrderNote]:
        query = WorkOrderNote.select().where(WorkOrderNote.order == self.get(order_id).id)
        if public_only:
            query = query.where(WorkOrderNote.public == True)  # noqa: E712
        return list(query.order_by(WorkOrderNote.at, WorkOrderNote.id))

    def assignees(self) -> list[str]:
        """Names to suggest when assigning: staff accounts, category defaults, earlier assignees."""
        names = set(self.account_names())
        names |= {c.default_assignee for c in WorkOrderCategory.select(WorkOrderCategory.default_assignee)}
        names |= {a for (a,) in WorkOrder.select(WorkOrder.assignee).distinct().limit(200).tuples()}
        return sorted(n for n in names if n)

    @staticmethod
    def next_statuses(order: WorkOrder) -> tuple[str, ...]:
        return states.allowed(order.status)

    def _overdue_clause(self, now):
        return WorkOrder.status.in_(states.OPEN_STATUSES) & (WorkOrder.due_at < now)

    def queue(self, status: str | None = "open", category: str | None = None, overdue: bool | None = None,
              page: int = 1, per_page: int = 50) -> tuple[list[WorkOrder], bool]:
        status = status or "open"
        if status not in QUEUE_FILTERS:
            raise ValidationError("Unknown status: %(status)s", field="status", status=str(status)[:40])
        now = self.now()
        late = self._overdue_clause(now)
        query = (WorkOrder.select(WorkOrder, WorkOrderCategory).join(WorkOrderCategory, JOIN.INNER)
                 .order_by(Case(None, [(late, 0)], 1), WorkOrder.due_at.is_null(), WorkOrder.due_at,
                           WorkOrder.id))
        if status == "open":
            query = query.where(WorkOrder.status.in_(states.OPEN_STATUSES))
        elif status != "all":
            query = query.where(WorkOrder.status == status)
        if category:
            query = query.where(WorkOrderCategory.code == str(category)[:40])
        if overdue:
            query = query.where(late)
        elif overdue is False:
            query = query.where(~late)
        page = max(1, int(page))
        rows = list(query.offset((page - 1) * per_page).limit(per_page + 1))
        return rows[:per_page], len(rows) > per_page

    def overdue(self, limit: int = 500) -> list[WorkOrder]:
        rows, _more = self.queue("open", overdue=True, per_page=limit)
        return rows

    def overdue_count(self) -> int:
        return WorkOrder.select().where(self._overdue_clause(self.now())).count()

    def is_overdue(self, order: WorkOrder) -> bool:
        return order.is_open and order.due_at is not None and order.due_at < self.now()

    def stats(self, weeks: int = 12) -> dict:
        """Figures plus ``chart``: the bar geometry the staff page draws."""
        figures = weekly_stats(self.now(), max(1, min(int(weeks), 104)))
        figures["chart"] = chart(figures)
        return figures
