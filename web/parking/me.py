"""The resident's own visitor car passes on /me: a plate, how long, how many entries."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for

from appliance.errors import ValidationError
from web.auth import services
from web.me import resident_required

bp = Blueprint("me_cars", __name__, url_prefix="/me/cars")
MAX_RESIDENT_HOURS = 72  # a resident invites a car for up to three days; longer ones go through staff


def _spaces(occupancy) -> dict | None:
    """Free spaces (or "full") for a resident about to invite a car; only where the box counts
    the cars leaving and knows the car park's size, or the figure would mislead."""
    return occupancy if occupancy["counted"] and occupancy["capacity"] else None


def _page(resident, error=None, field=None, form=None, status=200):
    occupancy = services().parking.service.occupancy()
    return render_template("parking/me_cars.html", passes=services().parking.service.passes(resident=resident),
                           spaces=_spaces(occupancy), zone_free=occupancy["zone_free"],
                           error=error, field=field, form=form or {}, max_hours=MAX_RESIDENT_HOURS), status


@bp.get("/")
@resident_required
def cars(resident):
    return _page(resident)


@bp.post("/")
@resident_required
def create(resident):
    f = request.form
    try:
        services().parking.service.create_pass(f.get("plate", ""), f.get("hours", ""), f.get("max_entries", ""),
                                               f.get("note", ""), "resident", resident=resident,
                                               max_hours=MAX_RESIDENT_HOURS)
    except ValidationError as exc:
        return _page(resident, exc.message(), exc.field,
                     {k: f.get(k, "")[:40] for k in ("plate", "hours", "max_entries", "note")}, 400)
    return redirect(url_for("me_cars.cars"))


@bp.post("/<int:pass_id>/revoke")
@resident_required
def revoke(resident, pass_id):
    services().parking.service.revoke_pass(pass_id, "resident", resident=resident)
    return redirect(url_for("me_cars.cars"))
