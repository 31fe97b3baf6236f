"""Admin page for Open311 API keys: issue (the key is shown once), list, revoke."""

from __future__ import annotations

from flask import render_template, request

from appliance.errors import LinliError
from web.auth import actor, roles, services
from web.participation import bp


def keys():
    return services().participation.keys


@bp.route("/admin/open311-keys", methods=["GET", "POST"])
@roles("admin")
def open311_keys():
    new_key, error, status = None, None, 200
    if request.method == "POST":
        try:
            if request.form.get("revoke"):
                keys().revoke(request.form.get("revoke", "")[:60], actor())
            else:
                _row, new_key = keys().add(request.form.get("name", ""), actor())
        except LinliError as exc:
            error, status = exc.message(), 400
    return render_template("participation/open311_keys.html", keys=keys().list(), new_key=new_key,
                           error=error), status
