"""Community services on the resident's own phone (/me/care): the services directory, the
elders' canteen menu with booking and cancelling, 平安打卡 for elders living alone, and the
waste-sorting guide. Signed in the /me way (phone number + gate PIN)."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext as _

from appliance.errors import LinliError
from web.auth import services
from web.me import resident_required
from web.params import date_arg, id_arg, text_arg

bp = Blueprint("me_care", __name__, url_prefix="/me/care")
ACTOR = "resident"
DAYS = 5


def _page(resident, message=None, error=None, status=200):
    care = services().care
    view = care.kiosk_view(resident.id, days=DAYS)
    return render_template("care/me_care.html", message=message, error=error, rows=care.directory(),
                           menus=care.menus(view["days"]), **view), status


@bp.get("/")
@resident_required
def home(resident):
    return _page(resident)


@bp.post("/meal")
@resident_required
def meal(resident):
    care = services().care
    try:
        day = date_arg("day", source=request.form)
        what = request.form.get("meal", "")[:20]
        if request.form.get("action") == "cancel":
            care.cancel_meal(resident.id, day, what, ACTOR)
        else:
            care.book_meal(resident.id, day, what, ACTOR, diet=request.form.get("diet", "")[:60])
    except LinliError as exc:
        return _page(resident, error=exc.message(), status=400)
    return redirect(url_for("me_care.home"))


@bp.post("/checkin")
@resident_required
def checkin(resident):
    try:
        services().care.check_in(resident.id, ACTOR)
    except LinliError as exc:
        return _page(resident, error=exc.message(), status=400)
    return _page(resident, message=_("Thank you. We know you are well today."))


@bp.get("/waste")
@resident_required
def waste(resident):
    query = text_arg("q", 20)
    context = {"q": query, "results": services().care.waste_search(query), "endpoint": "me_care.waste"}
    if request.headers.get("HX-Request") == "true":
        return render_template("care/_waste_results.html", **context)
    return render_template("care/me_waste.html", **context)


@bp.post("/request")
@resident_required
def request_service(resident):
    """家政/维修上门 asked for from the resident's own phone: a work order for the provider."""
    try:
        order = services().care.request_service_myself(resident.id, id_arg("service", source=request.form),
                                                       request.form.get("text", "")[:600])
    except LinliError as exc:
        return _page(resident, error=exc.message(), status=400)
    return _page(resident, message=_("Your request went to %(name)s (order %(number)s). They will call you.",
                                      name=order.assignee, number=order.number))
