"""Admin page: sync state at a glance (last contact, backlog, bytes this month), drawn."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for

from appliance.sync.report import sync_page
from web.auth import roles, services

bp = Blueprint("sync", __name__)


@bp.get("/sync")
@roles("admin", "volunteer")
def state():
    return render_template("sync/state.html", **sync_page(services().sync))


@bp.post("/sync/now")
@roles("admin")
def now():
    services().sync.wakeup.set()  # the MQTT drainer sends at once if the link is up
    return redirect(url_for("sync.state"))
