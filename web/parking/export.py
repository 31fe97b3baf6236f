"""The parking log export: /parking/export.csv and .xlsx with ?from=YYYY-MM-DD&to=YYYY-MM-DD,
streamed (see appliance.parking.export)."""

from __future__ import annotations

import datetime

from flask import Response, stream_with_context
from flask_babel import gettext

from appliance.parking import export as log_export
from appliance.parking.service import REASONS
from web.auth import READERS, roles
from web.params import date_arg
from web.parking import bp

TYPES = {"csv": "text/csv; charset=utf-8",
         "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


@bp.get("/export.<kind>")
@roles(*READERS)
def export(kind):
    if kind not in TYPES:
        return Response(status=404)
    start, end = log_export.check_range(date_arg("from"), date_arg("to"), datetime.date.today())
    lines = log_export.rows(start, end, gettext, REASONS)
    title = gettext("Parking log")
    chunks = log_export.csv_chunks(lines) if kind == "csv" else log_export.xlsx_chunks(lines, title)
    name = f"parking-{start:%Y%m%d}-{end:%Y%m%d}.{kind}"
    return Response(stream_with_context(chunks), mimetype=TYPES[kind],
                    headers={"Content-Disposition": f"attachment; filename={name}"})
