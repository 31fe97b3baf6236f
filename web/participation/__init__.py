"""Residents' reports on their phone (``/me/reports``): 随手拍 with a photo, nearby
duplicates with "me too", my reports with their public notes, reopening and the "fixed?"
stars; a volunteer's 代报 form; and the report photos themselves (public, like Open311's
``media_url``: a photo of a broken lamp, stripped of its metadata)."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, send_file, url_for

from appliance.errors import LinliError, ValidationError
from web.auth import STAFF, actor, roles, services
from web.me import resident_required
from web.params import choice_arg, float_arg, id_arg, text_arg

bp = Blueprint("participation", __name__)
FORM_FIELDS = ("category", "building_id", "unit_id", "spot", "description", "sms", "phone", "plan_x", "plan_y",
               "draft_key")


def reports():
    return services().participation.reports


def followups():
    return services().participation.followups


@bp.app_template_global("report_photos")
def _report_photos(order_id):
    return reports().photos_of(order_id)


def _uploads() -> list[bytes]:
    limit = services().config.participation.photo_max_mb * 1024 * 1024 + 1
    return [f.read(int(limit)) for f in request.files.getlist("photo")[:4] if f and f.filename]


def _place(form) -> dict:
    return {"building_id": id_arg("building_id", form), "unit_id": id_arg("unit_id", form),
            "spot": text_arg("spot", 100, source=form),
            # The tapped point on the site plan (0..1 of its width and height); checked by the service.
            "x": text_arg("plan_x", 20, source=form) or None, "y": text_arg("plan_y", 20, source=form) or None}


# --- photos (public) ---------------------------------------------------------------------------
@bp.get("/photos/<name>")
def photo(name):
    stem, _, kind = name.partition(".")
    if kind not in ("jpg", "t.jpg"):
        abort(404)
    path = services().participation.photos.path(stem, thumb=kind == "t.jpg")
    if path is None:
        abort(404)
    return send_file(path, mimetype="image/jpeg", max_age=86400)


# --- resident ----------------------------------------------------------------------------------
@bp.get("/me/reports")
@resident_required
def my_reports(resident):
    rows = reports().mine(resident.id)
    return render_template("participation/my_reports.html", orders=rows,
                           asking={o.id for o in rows if followups().open_question(o)})


def _form_page(resident, form=None, error=None, field=None, status=200):
    form = dict(form or {})
    place = reports().place_of(resident.id)
    building = form.get("building_id") or place["building_id"]
    category = form.get("category", "")
    nearby = reports().nearby(category, building) if category else []
    return render_template("participation/new_report.html", categories=reports().categories(),
                           buildings=services().registry.buildings(), form=form, building=building,
                           nearby=nearby, error=error, field=field, has_plan=site_plan_path() is not None,
                           draft_key=form.get("draft_key") or new_draft_key()), status


@bp.get("/me/reports/new")
@resident_required
def new_report(resident):
    return _form_page(resident)


@bp.get("/me/reports/nearby")
@resident_required
def nearby(resident):
    category = text_arg("category", 60)
    building = id_arg("building_id")
    x, y = float_arg("plan_x", lo=0.0, hi=1.0), float_arg("plan_y", lo=0.0, hi=1.0)
    rows = reports().nearby(category, building, x, y) if category else []
    return render_template("participation/_nearby.html", nearby=rows)


@bp.post("/me/reports")
@resident_required
def submit(resident):
    form = request.form
    try:
        order = reports().submit(category=text_arg("category", 60, source=form),
                                 description=form.get("description", ""), place=_place(form), photos=_uploads(),
                                 resident_id=resident.id,
                                 phone=resident.phone if form.get("sms") == "1" else "",
                                 draft_key=text_arg("draft_key", 80, source=form))
    except ValidationError as exc:
        kept = {k: (form.get(k) or "")[:200] for k in FORM_FIELDS}
        return _form_page(resident, kept, exc.message(), exc.field, 400)
    return redirect(url_for("participation.my_report", order_id=order.id, sent=1))


@bp.get("/me/reports/<int:order_id>")
@resident_required
def my_report(resident, order_id, error=None, field=None, status=200):
    order = reports().my_order(resident.id, order_id)
    return render_template("participation/my_report.html", order=order, notes=reports().public_notes(order.id),
                           photos=reports().photos_of(order.id), can_reopen=reports().can_reopen(order),
                           question=followups().open_question(order), sent=request.args.get("sent") == "1",
                           error=error, field=field), status


@bp.post("/me/reports/<int:order_id>/plus-one")
@resident_required
def plus_one(resident, order_id):
    try:
        order = reports().plus_one(resident.id, order_id)
    except LinliError as exc:
        return render_template("participation/_plus_one.html", error=exc.message(), order=None), 400
    return render_template("participation/_plus_one.html", order=order, error=None)


@bp.post("/me/reports/<int:order_id>/reopen")
@resident_required
def reopen(resident, order_id):
    try:
        reports().reopen(resident.id, order_id, request.form.get("reason", ""))
    except LinliError as exc:
        return my_report.__wrapped__(resident, order_id, error=exc.message(), field=getattr(exc, "field", None),
                                     status=400)
    return redirect(url_for("participation.my_report", order_id=order_id))


@bp.post("/me/reports/<int:order_id>/answer")
@resident_required
def answer(resident, order_id):
    form = request.form
    try:
        followups().answer(resident.id, order_id, choice_arg("fixed", ("yes", "no"), "yes", source=form) == "yes",
                           form.get("stars", ""), text_arg("comment", 300, source=form))
    except LinliError as exc:
        return my_report.__wrapped__(resident, order_id, error=exc.message(), field=getattr(exc, "field", None),
                                     status=400)
    return redirect(url_for("participation.my_report", order_id=order_id))


# --- volunteer: 代报 -----------------------------------------------------------------------------
@bp.route("/workorders/report-for", methods=["GET", "POST"])
@roles(*STAFF)
def report_for():
    form, error, field = {}, None, None
    if request.method == "POST":
        form = request.form
        try:
            order = reports().submit(category=text_arg("category", 60, source=form),
                                     description=form.get("description", ""), place=_place(form),
                                     photos=_uploads(), phone=text_arg("phone", 20, source=form),
                                     on_behalf_by=actor(), actor=actor())
        except ValidationError as exc:
            error, field = exc.message(), exc.field
            form = {k: (form.get(k) or "")[:200] for k in FORM_FIELDS}
        else:
            return redirect(url_for("workorders.order", order_id=order.id))
    return render_template("participation/report_for.html", categories=reports().categories(),
                           buildings=services().registry.buildings(), form=form, error=error,
                           field=field), 400 if error else 200


from web.participation import keys as _keys  # noqa: E402,F401  (registers the admin key page)
from web.participation import notices as _notices  # noqa: E402,F401  (notice pages and globals)
from web.participation import ratings as _ratings  # noqa: E402,F401  (ratings pages)
from web.participation import district as _district  # noqa: E402,F401  (district hub pages)
from web.participation import sms as _sms  # noqa: E402,F401  (staff page: text messages received)
from web.participation.plan import new_draft_key, site_plan_path  # noqa: E402  (site plan for reports)


@bp.post("/workorders/<int:order_id>/followup")
@roles(*STAFF)
def followup_for(order_id):
    form = request.form
    try:
        followups().answer_for(order_id, choice_arg("fixed", ("yes", "no"), "yes", source=form) == "yes",
                               form.get("stars", ""), actor(), text_arg("comment", 200, source=form))
    except ValidationError as exc:
        return render_template("error.html", status=400, message=exc.message()), 400
    return redirect(url_for("workorders.order", order_id=order_id))
