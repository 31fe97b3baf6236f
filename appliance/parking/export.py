"""The parking log for the property company: every car event between two dates, as CSV or
Excel, written while it is read (a year of a busy gate is ~100,000 rows; the Pi never holds
them all). Headers and words are translated by the caller's ``gettext``.

CSV goes out line by line. An .xlsx is a zip, so openpyxl's write-only workbook writes it to a
temporary file row by row and the file is then sent in chunks and deleted.
"""

from __future__ import annotations

import csv
import datetime
import io
import os
import tempfile
from typing import Callable, Iterator

from peewee import JOIN

from appliance.db.models.parking import CarEvent, CarQuestion
from appliance.errors import ValidationError
from appliance.i18n import N_

MAX_DAYS = 366
CHUNK = 64 * 1024
HEADERS = (N_("Time"), N_("Plate"), N_("Lane"), N_("What happened"), N_("Decision"), N_("By"),
           N_("Reason given"))
DECISION_WORDS = {"raised": N_("barrier raised"), "asked": N_("asked a volunteer"), "refused": N_("refused")}
LANE_WORDS = {"entry": N_("in"), "exit": N_("out")}


def check_range(start: datetime.date | None, end: datetime.date | None,
                today: datetime.date) -> tuple[datetime.date, datetime.date]:
    end = end or today
    start = start or end
    if end < start:
        raise ValidationError("The end date is before the start date.", field="to")
    if (end - start).days >= MAX_DAYS:
        raise ValidationError("At most %(n)s days at a time.", field="to", n=MAX_DAYS)
    return start, end


def events(start: datetime.date, end: datetime.date):
    since = datetime.datetime.combine(start, datetime.time())
    until = datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time())
    return (CarEvent.select(CarEvent, CarQuestion.reason.alias("reason_text"))
            .join(CarQuestion, on=(CarEvent.question == CarQuestion.id), join_type=JOIN.LEFT_OUTER)
            .where((CarEvent.at >= since) & (CarEvent.at < until))
            .order_by(CarEvent.at, CarEvent.id))


def rows(start, end, gettext: Callable[[str], str], reasons: dict) -> Iterator[list]:
    yield [gettext(h) for h in HEADERS]
    for e in events(start, end).objects().iterator():
        reason = reasons.get(e.reason)
        yield [e.at.strftime("%Y-%m-%d %H:%M:%S"), e.plate or "", gettext(LANE_WORDS.get(e.lane, e.lane)),
               gettext(reason) if reason else e.reason, gettext(DECISION_WORDS.get(e.decision, e.decision)),
               e.actor or "", (e.reason_text or "") if e.actor else ""]


def csv_chunks(lines: Iterator[list]) -> Iterator[str]:
    buf = io.StringIO()
    buf.write("\ufeff")  # Excel opens a UTF-8 CSV with Chinese right only with the BOM
    writer = csv.writer(buf)
    for line in lines:
        writer.writerow([_safe(v) for v in line])
        if buf.tell() >= CHUNK:
            yield buf.getvalue()
            buf.seek(0)
            buf.truncate()
    yield buf.getvalue()


def _safe(value):
    # A cell starting with = + - @ is a formula to Excel; plates and names never need one.
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def xlsx_chunks(lines: Iterator[list], sheet_title: str) -> Iterator[bytes]:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(sheet_title[:31])
    for line in lines:
        ws.append([_safe(v) for v in line])
    fd, path = tempfile.mkstemp(suffix=".xlsx", prefix="linli-parking-")
    os.close(fd)
    try:
        wb.save(path)
        with open(path, "rb") as f:
            while chunk := f.read(CHUNK):
                yield chunk
    finally:
        os.unlink(path)
