"""The community police page: fire-lane incidents (read-only) and access-log queries for one
person or one time window, each with a stated reason that goes to the audit log."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from appliance.errors import LinliError
from web.auth import actor, roles, services
from web.params import date_arg, text_arg

bp = Blueprint("police", __name__, url_prefix="/police")


def _page(rows=None, error=None, field=None, form=None, status=200):
    care = services().care
    return render_template("care/police.html", incidents=care.police_incidents(), rows=rows, error=error,
                           error_field=field, form=form or {}), status


@bp.get("/")
@roles("police")
def home():
    return _page()


@bp.post("/access")
@roles("police")
def access_query():
    try:
        rows = services().care.police_access_query(
            actor(), text_arg("reason", 200, source=request.form), text_arg("resident", 60, source=request.form),
            date_arg("start", source=request.form), date_arg("end", source=request.form))
    except LinliError as exc:
        return _page(error=exc.message(), field=getattr(exc, "field", None), form=request.form, status=400)
    return _page(rows=rows, form=request.form)
