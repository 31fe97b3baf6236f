"""District hub: residents' reports across communities (overdue first) and the 12345 package."""

from __future__ import annotations

from flask import Response, abort, render_template, request

from appliance.participation.district import district_reports, to_12345_csv, to_12345_xlsx
from web.auth import roles, services
from web.participation import bp


def _rows():
    hub = services().hub
    if hub is None:
        abort(404)
    box = (request.args.get("box") or "")[:100] or None
    return hub, district_reports(hub, box=box), box


@bp.get("/district/reports")
@roles("district")
def district_list():
    hub, rows, box = _rows()
    return render_template("participation/district_reports.html", rows=rows[:500], total=len(rows),
                           boxes=hub.boxes(), box=box)


@bp.get("/district/reports/12345.<fmt>")
@roles("district")
def district_12345(fmt):
    _hub, rows, _box = _rows()
    if fmt == "csv":
        return Response(to_12345_csv(rows), mimetype="text/csv",
                        headers={"Content-Disposition": "attachment; filename=12345-workorders.csv"})
    if fmt == "xlsx":
        return Response(to_12345_xlsx(rows), headers={"Content-Disposition": "attachment; filename=12345-workorders.xlsx"},
                        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    abort(404)
