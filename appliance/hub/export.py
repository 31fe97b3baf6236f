"""CSV and XLSX exports of the hub's events for the grid system (网格化管理平台)."""

from __future__ import annotations

import csv
import io
import json

COLUMNS = ("box", "seq", "uuid", "kind", "at", "payload")


def _rows(entries):
    for e in entries:
        yield (e.box, e.seq, e.uuid, e.kind, e.at.isoformat(sep=" "), json.dumps(e.payload, ensure_ascii=False,
                                                                               sort_keys=True))


def to_csv(entries) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(COLUMNS)
    writer.writerows(_rows(entries))
    return buf.getvalue().encode("utf-8-sig")  # the BOM makes Excel read Chinese correctly


def csv_chunks(entries, rows_per_chunk: int = 2000):
    """The CSV as encoded chunks, for a streamed response: memory stays one chunk however
    long the export (``entries`` should be an iterator such as HubService.iter_events)."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    buf.write("\ufeff")
    writer.writerow(COLUMNS)
    n = 0
    for row in _rows(entries):
        writer.writerow(row)
        n += 1
        if n % rows_per_chunk == 0:
            yield buf.getvalue().encode("utf-8")
            buf.seek(0)
            buf.truncate()
    yield buf.getvalue().encode("utf-8")


def xlsx_file(entries, path) -> None:
    """Write the XLSX to ``path``: openpyxl's write-only mode keeps rows in its own temporary
    file, so memory does not grow with the number of rows."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("events")
    ws.append(COLUMNS)
    for row in _rows(entries):
        ws.append(list(row))
    wb.save(path)


def to_xlsx(entries) -> bytes:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("events")
    ws.append(COLUMNS)
    for row in _rows(entries):
        ws.append(list(row))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
