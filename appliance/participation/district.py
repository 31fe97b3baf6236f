"""On the district hub: residents' reports across communities (overdue first) and the 12345
package, both read from the ``workorder.upsert`` and ``workorder.followup`` entries the boxes
sent. Each order's latest entry is its state; contact data is only what the box's field
policy let leave (names/phones only where the district enabled sharing).
"""

from __future__ import annotations

import csv
import datetime
import io

HOTLINE_COLUMNS = ("工单编号", "提交时间", "诉求类型", "诉求内容", "地址", "处理状态", "办结时间", "回访满意度",
                   "联系人", "联系电话", "社区", "12345编号")
STATUS_ZH = {"new": "待受理", "accepted": "已受理", "in_progress": "处理中", "fixed": "已办结", "closed": "已关闭",
             "reopened": "重新办理", "merged": "已合并"}
OPEN = ("new", "accepted", "in_progress", "reopened")


def _when(text):
    try:
        return datetime.datetime.fromisoformat(text) if text else None
    except (TypeError, ValueError):
        return None


def district_reports(hub, now: datetime.datetime | None = None, box: str | None = None) -> list[dict]:
    """Latest state of every order the boxes reported; open and overdue first, then by due time."""
    from appliance.hub.models import HubEntry

    now = now or datetime.datetime.now()
    names = {b.box_id: (b.name or b.box_id) for b in hub.boxes()}
    query = HubEntry.select(HubEntry.box, HubEntry.seq, HubEntry.kind, HubEntry.payload).where(
        HubEntry.kind.in_(("workorder.upsert", "workorder.followup")))
    if box:
        query = query.where(HubEntry.box == box)
    orders: dict[tuple, dict] = {}
    stars: dict[tuple, int] = {}
    for entry in query.order_by(HubEntry.box, HubEntry.seq).iterator():
        p = entry.payload or {}
        if entry.kind == "workorder.upsert" and p.get("uuid"):
            orders[(entry.box, p["uuid"])] = p
        elif entry.kind == "workorder.followup" and p.get("order_uuid"):
            stars[(entry.box, p["order_uuid"])] = p.get("stars")
    rows = []
    for (box_id, uid), p in orders.items():
        due = _when(p.get("due_at"))
        status = p.get("status", "")
        reporter = p.get("reporter") or {}
        rows.append({
            "box": box_id, "community": names.get(box_id, box_id), "uuid": uid, "number": p.get("number", ""),
            "created_at": _when(p.get("created_at")), "category": p.get("category_zh") or p.get("category", ""),
            "description": p.get("description", ""),
            "address": " ".join(x for x in (p.get("building"), p.get("unit"), p.get("spot")) if x),
            "status": status, "status_zh": STATUS_ZH.get(status, status),
            "done_at": _when(p.get("closed_at")) or _when(p.get("fixed_at")), "due_at": due,
            "overdue": status in OPEN and due is not None and due < now, "stars": stars.get((box_id, uid)),
            "contact": reporter.get("name", "") if isinstance(reporter, dict) else "",
            "phone": reporter.get("phone", "") if isinstance(reporter, dict) else "",
            "external_ref": p.get("external_ref", ""),
        })
    far = datetime.datetime.max
    rows.sort(key=lambda r: (not r["overdue"], r["status"] not in OPEN, r["due_at"] or far))
    return rows


def _hotline_rows(rows):
    for r in rows:
        yield (f"{r['box']}/{r['number']}", r["created_at"].strftime("%Y-%m-%d %H:%M") if r["created_at"] else "",
               r["category"], r["description"], f"{r['community']} {r['address']}".strip(), r["status_zh"],
               r["done_at"].strftime("%Y-%m-%d %H:%M") if r["done_at"] else "",
               f"{r['stars']}星" if r["stars"] else "", r["contact"], r["phone"], r["community"], r["external_ref"])


def to_12345_csv(rows) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(HOTLINE_COLUMNS)
    writer.writerows(_hotline_rows(rows))
    return buf.getvalue().encode("utf-8-sig")  # Excel reads Chinese CSV with the BOM


def to_12345_xlsx(rows) -> bytes:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("12345工单")
    ws.append(list(HOTLINE_COLUMNS))
    for row in _hotline_rows(rows):
        ws.append(list(row))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def send_ref(hub, box_id: str, order_uuid: str, ref: str, actor: str) -> int:
    """Queue the city's 12345 number down to the box that owns the order."""
    import re
    import uuid as uuidlib

    from appliance.errors import ValidationError

    ref = (ref or "").strip()
    if not ref or len(ref) > 40 or not re.fullmatch(r"[0-9A-Za-z\-_/]+", ref):
        raise ValidationError("A 12345 number has letters, digits and dashes only (at most 40).", field="ref")
    try:
        uuidlib.UUID(str(order_uuid))
    except ValueError:
        raise ValidationError("No such work order.", field="uuid") from None
    if box_id not in {b.box_id for b in hub.boxes()}:
        raise ValidationError("No such community box.", field="box")
    return hub.queue_downlink([box_id], "workorder_ref", {"uuid": str(order_uuid), "ref": ref}, actor)


NOTICE_KIND = "notice.upsert"


def _count(value) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 10**7 else 0


def district_notices(hub, now: datetime.datetime | None = None, box: str | None = None) -> list[dict]:
    """Notices in force in every community (each notice's latest entry is its state): pinned
    first, then newest. Withdrawn and expired ones are left out."""
    from appliance.hub.models import HubEntry

    now = now or datetime.datetime.now()
    names = {b.box_id: (b.name or b.box_id) for b in hub.boxes()}
    query = HubEntry.select(HubEntry.box, HubEntry.seq, HubEntry.payload).where(HubEntry.kind == NOTICE_KIND)
    if box:
        query = query.where(HubEntry.box == box)
    latest: dict[tuple, dict] = {}
    for entry in query.order_by(HubEntry.box, HubEntry.seq).iterator():
        p = entry.payload if isinstance(entry.payload, dict) else {}
        if p.get("uuid"):
            latest[(entry.box, p["uuid"])] = p
    rows = []
    for (box_id, uid), p in latest.items():
        expires = _when(p.get("expires_at"))
        if p.get("withdrawn_at") or (expires is not None and expires < now):
            continue
        buildings = p.get("buildings") if isinstance(p.get("buildings"), list) else []
        reads = [r for r in (p.get("reads") if isinstance(p.get("reads"), list) else []) if isinstance(r, dict)]
        rows.append({"box": box_id, "community": names.get(box_id, box_id), "uuid": uid,
                     "title": str(p.get("title") or ""), "body": str(p.get("body") or ""),
                     "buildings": [str(b) for b in buildings], "pinned": bool(p.get("pinned")),
                     "important": bool(p.get("important")), "created_at": _when(p.get("created_at")),
                     "expires_at": expires, "has_picture": bool(p.get("has_picture")),
                     "reads": [{"building": str(r.get("building") or ""), "read": _count(r.get("read")),
                                "units": _count(r.get("units"))} for r in reads]})
    rows.sort(key=lambda r: (not r["pinned"], -(r["created_at"] or datetime.datetime.min).timestamp()))
    return rows
