"""星级评价: the resident's monthly form on /me and the public page of averages beside the
measured facts (no login: a notice board on the LAN shows it)."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for

from appliance.errors import ValidationError
from appliance.participation.ratings import ASPECTS
from web.auth import services
from web.me import resident_required
from web.participation import bp


def ratings():
    return services().participation.ratings


@bp.route("/me/rate", methods=["GET", "POST"])
@resident_required
def rate(resident):
    error, field, status = None, None, 200
    if request.method == "POST":
        try:
            ratings().rate(resident.id, {code: request.form.get(code, "") for code, _w in ASPECTS})
        except ValidationError as exc:
            error, field, status = exc.message(), exc.field, 400
        else:
            return redirect(url_for("participation.rate", done=1))
    return render_template("participation/rate.html", aspects=ASPECTS, rated=ratings().has_rated(resident.id),
                           done=request.args.get("done") == "1", error=error, field=field,
                           period=ratings().period()), status


@bp.get("/ratings")
def public_ratings():
    months = ratings().averages(6)
    return render_template("participation/ratings.html", aspects=ASPECTS, months=months,
                           facts={m["period"]: ratings().facts(m["period"]) for m in months})
