"""Open311 GeoReport v2 over the work orders: services are categories, requests are orders.

Mapping: ``service_code`` = category code, ``group`` = category group, ``service_request_id``
= order number, ``token`` = order uuid; status ``open`` = new/accepted/in_progress/reopened,
``closed`` = fixed/closed/merged; ``status_notes`` = the latest public note; ``address`` =
the place in words; ``media_url`` = the first photo on this box. The reporter never appears.

``GET requests`` follows the spec: without ids or dates it covers the last 90 days, at most
1,000 requests, newest first. Rows are read as tuples in three queries (orders, latest
public notes, first photos) because this is the hot path city systems poll.
"""

from __future__ import annotations

import datetime
import logging
import re

from appliance.db.models import Building, WorkOrder, WorkOrderCategory
from appliance.errors import NotFound, ValidationError
from appliance.validation import clean_text
from appliance.workorders import states

logger = logging.getLogger(__name__)

DEFAULT_DAYS = 90
MAX_RESULTS = 1000
CLOSED = ("fixed", "closed", "merged")
# Our field names -> the spec's, for error descriptions a client can act on.
SPEC_FIELDS = {"category": "service_code", "reporter_phone": "phone", "lon": "long", "building_id": "address_id",
               "spot": "address_string", "photo": "media"}
W3C = re.compile(r"^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$")


# One statement: the latest public note and the first photo are correlated subqueries, so
# 1,000 rows cost one pass over indexes instead of three queries with 1,000 parameters.
REQUESTS_SQL = """
SELECT w.number, w.status, w.description, w.created_at, w.updated_at, w.due_at, w.lat, w.lon, w.spot, w.device,
       w.building_id, c.code, c.name_zh, c.name_en, b.name, u.number,
       (SELECT n.text FROM work_order_note n WHERE n.order_id = w.id AND n.public = 1 AND n.text != ''
         ORDER BY n.id DESC LIMIT 1),
       (SELECT MIN(p.name) FROM report_photo p WHERE p.order_id = w.id AND p.deleted_at IS NULL)
FROM work_order w JOIN work_order_category c ON c.id = w.category_id
LEFT JOIN building b ON b.id = w.building_id LEFT JOIN unit u ON u.id = w.unit_id
WHERE {where}
ORDER BY w.created_at DESC, w.id DESC LIMIT ?"""


def open311_status(status: str) -> str:
    return "closed" if status in CLOSED else "open"


def parse_when(value: str, field: str) -> datetime.datetime:
    """A W3C date-time (2026-03-02T09:00:00+08:00) -> naive local time, like the orders'."""
    text = (value or "").strip()[:40]
    if not W3C.match(text):
        raise ValidationError("Not a date and time: %(value)s", field=field, value=text)
    try:
        when = datetime.datetime.fromisoformat(text.replace("Z", "+00:00").replace(" ", "T"))
    except ValueError:
        raise ValidationError("Not a date and time: %(value)s", field=field, value=text) from None
    if when.tzinfo is not None:
        when = when.astimezone().replace(tzinfo=None)
    return when


def w3c(when: datetime.datetime | None) -> str | None:
    if when is None:
        return None
    return when.replace(microsecond=0).astimezone().isoformat()


class Open311:
    def __init__(self, workorders, reports, keys, community: str, clock=datetime.datetime.now):
        self.wo = workorders
        self.reports = reports
        self.keys = keys
        self.community = community
        self.clock = clock

    # --- services ----------------------------------------------------------------------------
    def services(self, lang: str = "zh_CN") -> list[dict]:
        return [self._service(c, lang) for c in self.wo.categories()]

    def _service(self, c: WorkOrderCategory, lang: str) -> dict:
        name = c.name_zh if lang == "zh_CN" or not c.name_en else c.name_en
        return {"service_code": c.code, "service_name": name, "description": name, "metadata": False,
                "type": "realtime", "keywords": "", "group": c.group}

    def service_definition(self, code: str) -> dict:
        c = WorkOrderCategory.get_or_none(WorkOrderCategory.code == str(code)[:60],
                                          WorkOrderCategory.active == True)  # noqa: E712
        if c is None:
            raise NotFound("No service %(code)s.", code=str(code)[:60])
        return {"service_code": c.code, "attributes": []}

    # --- requests ------------------------------------------------------------------------------
    def requests(self, base_url: str, *, ids: str = "", codes: str = "", start: str = "", end: str = "",
                 status: str = "", lang: str = "zh_CN") -> list[dict]:
        where, params = [], []
        id_list = [i.strip()[:40] for i in (ids or "").split(",") if i.strip()][:MAX_RESULTS]
        if id_list:
            where.append(f"w.number IN ({','.join('?' * len(id_list))})")
            params += id_list
        else:
            now = self.clock()
            end_at = parse_when(end, "end_date") if end else None
            start_at = parse_when(start, "start_date") if start else (end_at or now) - datetime.timedelta(
                days=DEFAULT_DAYS)
            if end_at is not None and end_at < start_at:
                raise ValidationError("end_date is before start_date.", field="end_date")
            where.append("w.created_at >= ?")
            params.append(start_at.strftime("%Y-%m-%d %H:%M:%S"))
            if end_at is not None:
                where.append("w.created_at <= ?")
                params.append(end_at.strftime("%Y-%m-%d %H:%M:%S.999999"))
        code_list = [c.strip()[:60] for c in (codes or "").split(",") if c.strip()][:200]
        if code_list:
            where.append(f"c.code IN ({','.join('?' * len(code_list))})")
            params += code_list
        wanted = {s.strip() for s in (status or "").split(",") if s.strip()}
        if wanted - {"open", "closed"}:
            raise ValidationError("status must be open or closed.", field="status")
        if len(wanted) == 1:
            group = states.OPEN_STATUSES if wanted == {"open"} else CLOSED
            where.append(f"w.status IN ({','.join('?' * len(group))})")
            params += list(group)
        rows = self.wo.db.execute_sql(REQUESTS_SQL.format(where=" AND ".join(where) or "1"),
                                      (*params, MAX_RESULTS)).fetchall()
        return self._shape(rows, base_url, lang)

    def request(self, number: str, base_url: str, lang: str = "zh_CN") -> list[dict]:
        found = self.requests(base_url, ids=str(number)[:40], lang=lang)
        if not found or "," in str(number):
            raise NotFound("No request %(id)s.", id=str(number)[:40])
        return found

    def _shape(self, rows, base_url: str, lang: str) -> list[dict]:
        base = base_url.rstrip("/")
        offsets: dict[str, str] = {}

        def w3c_text(value) -> str | None:
            # Stored as local "YYYY-MM-DD HH:MM:SS[.ffffff]"; the offset is looked up once per day.
            if not value:
                return None
            text = str(value)[:19].replace(" ", "T")
            day = text[:10]
            if day not in offsets:
                offsets[day] = datetime.datetime.fromisoformat(day + "T12:00:00").astimezone().isoformat()[19:]
            return text + offsets[day]

        english = lang != "zh_CN"
        out = []
        for (number, status, description, created, updated, due, lat, lon, spot, device, building_id, code,
             name_zh, name_en, building, unit, note, photo) in rows:
            head = " ".join(p for p in (building, unit) if p)
            address = " · ".join(p for p in (head, spot, device) if p)
            out.append({
                "service_request_id": number, "status": "closed" if status in CLOSED else "open",
                "status_notes": note or "", "service_name": name_en if english and name_en else name_zh,
                "service_code": code, "description": description, "agency_responsible": self.community,
                "service_notice": "", "requested_datetime": w3c_text(created),
                "updated_datetime": w3c_text(updated), "expected_datetime": w3c_text(due), "address": address,
                "address_id": str(building_id) if building_id else "", "zipcode": "", "lat": lat, "long": lon,
                "media_url": f"{base}/photos/{photo}.jpg" if photo else "",
            })
        return out

    # --- posting -------------------------------------------------------------------------------
    def post(self, form, files: list[bytes], api_key: str) -> dict:
        key = self.keys.check(api_key)
        code = clean_text(form.get("service_code"), "service_code", required=True, max_len=60)
        address = clean_text(form.get("address_string"), "address_string", max_len=100)
        address_id = clean_text(form.get("address_id"), "address_id", max_len=20)
        lat, lon = form.get("lat"), form.get("long")
        if not (address or address_id or (lat not in (None, "") and lon not in (None, ""))):
            raise ValidationError("A location is required: lat and long, address_string or address_id.",
                                  field="lat")
        place = {"spot": address, "lat": lat or None, "lon": lon or None}
        if address_id:
            known = address_id.isascii() and address_id.isdigit() and len(address_id) <= 18
            if not known or Building.get_or_none(Building.id == int(address_id)) is None:
                raise ValidationError("No such address_id.", field="address_id")
            place["building_id"] = int(address_id)
        elif address:
            # "3号楼东侧路灯": a building named at the start becomes the order's building.
            for b in Building.select(Building.id, Building.name):
                if address.startswith(b.name):
                    place["building_id"] = b.id
                    break
        words = clean_text(form.get("description"), "description", max_len=2000)
        media = clean_text(form.get("media_url"), "media_url", max_len=500)
        order = self.reports.submit(category=code, description=words, place=place, photos=files,
                                    phone=clean_text(form.get("phone"), "phone", max_len=20),
                                    actor=f"open311:{key.name}")
        if media:
            self.wo.add_note(order.id, f"media_url: {media}", False, f"open311:{key.name}")
        logger.info("open311 request %s from key %s", order.number, key.name)
        return {"service_request_id": order.number, "token": str(order.uuid), "service_notice": "",
                "account_id": ""}

    def token(self, token: str) -> list[dict]:
        try:
            order = WorkOrder.get_or_none(WorkOrder.uuid == str(token)) if re.fullmatch(
                r"[0-9a-fA-F-]{32,36}", str(token) or "") else None
        except ValueError:
            order = None
        if order is None:
            raise NotFound("No request for token %(token)s.", token=str(token)[:40])
        return [{"service_request_id": order.number, "token": str(order.uuid)}]
