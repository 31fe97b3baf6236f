"""District hub pages: boxes with last seen / health / backlog, events across communities,
notices to send down, CSV/XLSX exports. Served where ``[hub] enabled = true``."""

from __future__ import annotations

import uuid

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for

from appliance.errors import ValidationError
from appliance.hub.export import to_csv, to_xlsx
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


@bp.get("/events.<fmt>")
@roles("district")
def export(fmt):
    h = hub()
    kind, box = _filters()
    entries = h.events(kind, box, limit=0)
    if fmt == "csv":
        return Response(to_csv(entries), mimetype="text/csv",
                        headers={"Content-Disposition": "attachment; filename=linli-events.csv"})
    if fmt == "xlsx":
        return Response(to_xlsx(entries), headers={"Content-Disposition": "attachment; filename=linli-events.xlsx"},
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
