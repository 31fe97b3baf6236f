"""District hub pages: boxes with last seen / health / backlog, events across communities,
notices to send down, CSV/XLSX exports. Served where ``[hub] enabled = true``."""

from __future__ import annotations

import uuid

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for

from appliance.errors import ValidationError
from appliance.hub.export import csv_chunks, xlsx_file
from web.auth import actor, roles, services
from web.params import page_arg

bp = Blueprint("district", __name__, url_prefix="/district")
PAGE = 100


def hub():
    h = services().hub
    if h is None:
        abort(404)
    return h


def _filters():
    return request.args.get("kind") or None, request.args.get("box") or None


@bp.get("/")
@roles("district")
def boxes():
    h = hub()
    page = page_arg()
    # A page of boxes: a city's thousand rows took longer to draw than every query together.
    return render_template("district/boxes.html", rows=h.overview(PAGE, (page - 1) * PAGE),
                           batches=h.recent_batches(20), page=page, page_size=PAGE)


@bp.get("/events")
@roles("district")
def events():
    h = hub()
    kind, box = _filters()
    page = page_arg()
    return render_template("district/events.html", events=h.events(kind, box, PAGE, (page - 1) * PAGE),
                           kinds=h.kinds(), boxes=h.boxes(), kind=kind, box=box, page=page, page_size=PAGE)


def _month():
    """?month=2026-03 -> (first day, first day of the next month); absent or bad: (None, None)."""
    import datetime

    text = request.args.get("month") or ""
    try:
        start = datetime.datetime.strptime(text, "%Y-%m")
    except ValueError:
        return None, None
    return start, (start + datetime.timedelta(days=32)).replace(day=1)


@bp.get("/events.<fmt>")
@roles("district")
def export(fmt):
    import tempfile

    from flask import send_file, stream_with_context

    h = hub()
    kind, box = _filters()
    since, until = _month()
    entries = h.iter_events(kind, box, since, until)
    name = f"linli-events-{request.args.get('month')}" if since else "linli-events"
    if fmt == "csv":
        # Streamed: a month of a city is hundreds of thousands of rows.
        return Response(stream_with_context(csv_chunks(entries)), mimetype="text/csv",
                        headers={"Content-Disposition": f"attachment; filename={name}.csv"})
    if fmt == "xlsx":
        tmp = tempfile.TemporaryFile(suffix=".xlsx")
        xlsx_file(entries, tmp)
        tmp.seek(0)
        return send_file(tmp, download_name=f"{name}.xlsx",
                         mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    abort(404)


@bp.get("/notices")
@roles("district")
def notices(errors=None):
    h = hub()
    acked = {b.box_id: b.down_acked for b in h.boxes()}
    return render_template("district/notices.html", boxes=h.boxes(), downlinks=h.downlinks(), acked=acked,
                           errors=errors or {}), 400 if errors else 200


@bp.post("/notices")
@roles("district")
def notice_send():
    h = hub()
    title = request.form.get("title", "").strip()
    chosen = request.form.getlist("box") or [b.box_id for b in h.boxes()]
    try:
        if not title:
            raise ValidationError("Give the notice a title.", field="title")
        known = {b.box_id for b in h.boxes()}
        if not set(chosen) <= known:
            raise ValidationError("Unknown box.", field="box")
        h.queue_downlink(chosen, "notice", {"uuid": str(uuid.uuid4()), "title": title,
                                            "body": request.form.get("body", "").strip()}, actor=actor())
    except ValidationError as exc:
        return notices({exc.field or "form": exc.message()})
    return redirect(url_for("district.notices"))
