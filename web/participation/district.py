"""District hub: residents' reports across communities (overdue first) and the 12345 package."""

from __future__ import annotations

from flask import Response, abort, redirect, render_template, request, url_for

from appliance.errors import ValidationError
from appliance.participation.district import (district_notices, district_reports, send_ref, to_12345_csv,
                                              to_12345_xlsx)
from web.auth import actor, roles, services
from web.participation import bp


def _rows():
    hub = services().hub
    if hub is None:
        abort(404)
    box = (request.args.get("box") or "")[:100] or None
    return hub, district_reports(hub, box=box), box


@bp.get("/district/reports")
@roles("district")
def district_list(error=None, status=200):
    hub, rows, box = _rows()
    return render_template("participation/district_reports.html", rows=rows[:500], total=len(rows),
                           boxes=hub.boxes(), box=box, error=error), status


@bp.post("/district/reports/ref")
@roles("district")
def district_ref():
    hub, _rows_, _box = _rows()
    form = request.form
    try:
        send_ref(hub, (form.get("box") or "")[:100], (form.get("uuid") or "")[:40], form.get("ref", ""), actor())
    except ValidationError as exc:
        return district_list.__wrapped__(error=exc.message(), status=400)
    return redirect(url_for("participation.district_list", sent=1))


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


@bp.get("/district/community-notices")
@roles("district")
def district_notice_list():
    hub = services().hub
    if hub is None:
        abort(404)
    box = (request.args.get("box") or "")[:100] or None
    rows = district_notices(hub, box=box)
    return render_template("participation/district_notices.html", rows=rows[:500], total=len(rows),
                           boxes=hub.boxes(), box=box)


@bp.get("/district/ratings")
@roles("district")
def district_rating_list():
    from appliance.participation.district_ratings import district_ratings
    from appliance.participation.ratings import ASPECTS

    hub = services().hub
    if hub is None:
        abort(404)
    return render_template("participation/district_ratings.html", rows=district_ratings(hub), aspects=ASPECTS)
