"""Fire-lane pages: open incidents with their evidence, zones drawn over a snapshot, settings."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, send_file, url_for

from appliance.errors import LinliError
from appliance.firelane import messages
from web.auth import READERS, STAFF, actor, load_user, roles, services
from web.params import float_arg, int_arg

bp = Blueprint("firelane", __name__, url_prefix="/firelane")


def firelane():
    return services().firelane


@bp.app_context_processor
def _badge():
    # The nav shows how many incidents wait for a person, on every page.
    if load_user() is None:
        return {"firelane_badge": 0, "firelane_occupancy": {}, "firelane_alerts": list}
    # Parking occupancy per zone, and the open incidents, for the overview page.
    return {"firelane_badge": firelane().incidents.badge_count(), "firelane_occupancy": firelane().zones.occupancy,
            "firelane_alerts": firelane().incidents.open_now}


@bp.get("/badge")
@roles(*READERS)
def badge():
    """The nav badge, polled by every staff page so a new incident shows without a reload."""
    return render_template("firelane/_badge.html", firelane_badge=firelane().incidents.badge_count())


@bp.get("/")
@roles(*READERS)
def home():
    fl = firelane()
    return render_template("firelane/home.html", open_incidents=fl.incidents.open_now(),
                           recent=fl.incidents.recent(30), occupancy=fl.zones.occupancy)


@bp.get("/incidents/<int:incident_id>")
@roles(*READERS)
def incident(incident_id):
    fl = firelane()
    return render_template("firelane/incident.html", inc=fl.incidents.get(incident_id),
                           notices=fl.incidents.notices(incident_id), now=fl.clock())


@bp.get("/incidents/<int:incident_id>/evidence/<name>")
@roles(*READERS)
def evidence(incident_id, name):
    if name not in ("first", "latest", "plate"):
        return "", 404
    return send_file(firelane().incidents.evidence_path(incident_id, name), mimetype="image/jpeg")


@bp.post("/incidents/<int:incident_id>/acknowledge")
@roles(*STAFF)
def acknowledge(incident_id):
    firelane().incidents.acknowledge(incident_id, actor())
    return redirect(url_for("firelane.incident", incident_id=incident_id))


@bp.post("/incidents/<int:incident_id>/close")
@roles(*STAFF)
def close(incident_id):
    firelane().incidents.close_by_hand(incident_id, actor())
    return redirect(url_for("firelane.incident", incident_id=incident_id))


@bp.get("/zones")
@roles(*READERS)
def zones(errors=None, form=None, editing=None):
    fl = firelane()
    editing = editing or int_arg("zone", None, lo=1)
    if form is None and editing:
        form = fl.zones.form_values(editing)
    form = form or {}
    configured = [c.get("name", "") for c in services().config.firelane.cameras if isinstance(c, dict)]
    cameras = fl.zones.cameras(configured)
    camera = request.args.get("camera") or form.get("camera") or next(iter(cameras), "cam1")
    snap = fl.zones.snapshot(camera)
    size = (snap[1], snap[2]) if snap else (1280, 720)
    return render_template("firelane/zones.html", zones=fl.zones.list(), errors=errors or {}, form=form,
                           camera=camera, cameras=cameras, has_snapshot=snap is not None, size=size,
                           editing=editing,
                           objects=form.getlist("objects") if hasattr(form, "getlist") else form.get("objects")
                           ), 400 if errors else 200


@bp.get("/cameras/<camera>/snapshot.jpg")
@roles(*READERS)
def snapshot(camera):
    snap = firelane().zones.snapshot(camera)
    if snap is None:
        return "", 404
    return snap[0], 200, {"Content-Type": "image/jpeg", "Cache-Control": "no-store"}


@bp.post("/zones")
@roles(*STAFF)
def zone_create():
    data = request.form.to_dict()
    data["objects"] = request.form.getlist("objects")
    try:
        firelane().zones.save(data, actor())
    except LinliError as exc:
        return zones({getattr(exc, "field", None) or "form": exc.message()}, request.form)
    return redirect(url_for("firelane.zones"))


@bp.post("/zones/<int:zone_id>")
@roles(*STAFF)
def zone_update(zone_id):
    data = request.form.to_dict()
    data["objects"] = request.form.getlist("objects")
    try:
        firelane().zones.save(data, actor(), zone_id)
    except LinliError as exc:
        return zones({getattr(exc, "field", None) or "form": exc.message()}, request.form, editing=zone_id)
    return redirect(url_for("firelane.zones", camera=data.get("camera", "")))


@bp.post("/zones/<int:zone_id>/delete")
@roles(*STAFF)
def zone_delete(zone_id):
    firelane().zones.delete(zone_id, actor())
    return redirect(url_for("firelane.zones"))


@bp.get("/settings")
@roles(*STAFF)
def settings(errors=None, form=None):
    fl = firelane()
    values = fl.settings.values()
    defaults = {k: messages.default_template(k) for k in messages.TEMPLATE_KEYS}
    return render_template("firelane/settings.html", values=values, defaults=defaults,
                           errors=errors or {}, form=form), 400 if errors else 200


@bp.post("/settings")
@roles(*STAFF)
def settings_save():
    data = request.form.to_dict()
    try:
        for key, default in (("t2_min", 10.0), ("t3_min", 30.0)):  # minutes, at most a week
            data[key] = float_arg(key, default, lo=0, hi=7 * 24 * 60, source=request.form)
        firelane().settings.save(data, actor())
    except LinliError as exc:
        return settings({getattr(exc, "field", None) or "form": exc.message()}, request.form)
    return redirect(url_for("firelane.settings"))
