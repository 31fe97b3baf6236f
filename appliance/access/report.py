"""The access log for staff: filters, pages and the Excel export.

Rows still waiting in the access journal (see :mod:`appliance.access.log`) are shown too,
newest first, ahead of the stored ones: staff see an attempt at once, and looking at the
log never forces an early batch onto the SD card.
"""

from __future__ import annotations

import datetime
import io
import itertools

from openpyxl import Workbook
from peewee import JOIN

from appliance.access.service import REASONS
from appliance.db.models import AccessEvent, Resident
from appliance.db.models.access import METHODS
from appliance.i18n import N_, gettext as _
from appliance.validation import clean_date

PAGE_SIZE = 100
# Dates outside these are dropped from the filters (later ones mean "no end" anyway).
DATE_MIN, DATE_MAX = datetime.date(1900, 1, 1), datetime.date(2199, 12, 31)

METHOD_LABELS = {
    "pin": N_("PIN"), "card": N_("Card"), "qr": N_("Personal QR"), "visitor": N_("Visitor pass"),
    "remote": N_("Remote open"), "exit_button": N_("Exit button"), "fire_alarm": N_("Fire alarm"),
    "door": N_("Door"), "face": N_("Face"),
}


def clean_filters(args) -> dict:
    """Filters from a query string; bad values are dropped, never an error page."""
    filters = {}
    for key in ("date_from", "date_to"):
        try:
            filters[key] = clean_date(args.get(key), key)
        except Exception:
            filters[key] = None
        if filters[key] is not None and not DATE_MIN <= filters[key] <= DATE_MAX:
            filters[key] = None  # 9999-12-31 has no day after it to end the range on
    method = args.get("method") or ""
    filters["method"] = method if method in METHODS else ""
    result = args.get("result") or ""
    filters["result"] = result if result in ("granted", "refused") else ""
    filters["q"] = (args.get("q") or "").strip()[:30]
    return filters


def query(filters: dict):
    q = (AccessEvent.select(AccessEvent, Resident).join(Resident, join_type=JOIN.LEFT_OUTER,
                                                        on=(AccessEvent.resident == Resident.id))
         .order_by(AccessEvent.id.desc()))
    if filters.get("date_from"):
        q = q.where(AccessEvent.at >= datetime.datetime.combine(filters["date_from"], datetime.time()))
    if filters.get("date_to"):
        q = q.where(AccessEvent.at < datetime.datetime.combine(filters["date_to"] + datetime.timedelta(days=1),
                                                               datetime.time()))
    if filters.get("method"):
        q = q.where(AccessEvent.method == filters["method"])
    if filters.get("result"):
        q = q.where(AccessEvent.granted == (filters["result"] == "granted"))
    if filters.get("q"):
        q = q.where(Resident.name ** f"%{filters['q']}%")
    return q


def waiting_events(rows: list[dict], filters: dict) -> list[AccessEvent]:
    """``rows`` (oldest first, from ``AccessLog.waiting_rows()``) as unsaved events that pass
    ``filters``, newest first."""
    if not rows:
        return []
    ids = {r["resident"] for r in rows if r.get("resident")}
    residents = {r.id: r for r in Resident.select().where(Resident.id.in_(ids))} if ids else {}
    start = datetime.datetime.combine(filters["date_from"], datetime.time()) if filters.get("date_from") else None
    end = (datetime.datetime.combine(filters["date_to"] + datetime.timedelta(days=1), datetime.time())
           if filters.get("date_to") else None)
    out = []
    for row in reversed(rows):
        resident = residents.get(row.get("resident"))
        if ((start and row["at"] < start) or (end and row["at"] >= end)
                or (filters.get("method") and row["method"] != filters["method"])
                or (filters.get("result") and row["granted"] != (filters["result"] == "granted"))
                or (filters.get("q") and (resident is None or filters["q"].lower() not in resident.name.lower()))):
            continue
        event = AccessEvent(**{k: v for k, v in row.items() if k not in ("resident", "visitor_pass")},
                            visitor_pass=row.get("visitor_pass"))
        event.resident = resident
        out.append(event)
    return out


def page(filters: dict, number: int = 1, waiting: list[dict] = ()) -> list[AccessEvent]:
    fresh = waiting_events(list(waiting), filters)
    start = (max(1, number) - 1) * PAGE_SIZE
    rows = fresh[start:start + PAGE_SIZE]
    if len(rows) < PAGE_SIZE:
        rows += list(query(filters).offset(max(0, start - len(fresh))).limit(PAGE_SIZE - len(rows)))
    return rows


def row_values(e: AccessEvent) -> list:
    person = e.resident.name if e.resident_id and e.resident else ""
    return [e.at, _(METHOD_LABELS.get(e.method, e.method)), _("Granted") if e.granted else _("Refused"),
            _(REASONS[e.reason]) if e.reason in REASONS else e.reason, person, e.source, e.detail]


def export_xlsx(filters: dict, limit: int = 100000, waiting: list[dict] = ()) -> bytes:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(_("Access log"))
    ws.append([_("Time"), _("Method"), _("Result"), _("Reason"), _("Resident"), _("Where / who"), _("Details")])
    fresh = waiting_events(list(waiting), filters)[:limit]
    for e in itertools.chain(fresh, query(filters).limit(limit - len(fresh)).iterator()):
        values = row_values(e)
        values[0] = values[0].strftime("%Y-%m-%d %H:%M:%S")
        ws.append(values)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
