"""Admin page: sync state at a glance (last contact, backlog, bytes this month), drawn."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for

from appliance.sync.report import CHART_W, sync_page, update_download
from web.auth import roles, services

bp = Blueprint("sync", __name__)


@bp.get("/sync")
@roles("admin", "volunteer")
def state():
    return render_template("sync/state.html", **sync_page(services().sync))


@bp.get("/sync/update")
@roles("admin", "volunteer")
def update():
    """The update download's bar alone, refreshed by htmx while it downloads."""
    return render_template("sync/_update.html", update=update_download(services().sync), chart_w=CHART_W)


@bp.post("/sync/now")
@roles("admin")
def now():
    services().sync.wakeup.set()  # the MQTT drainer sends at once if the link is up
    return redirect(url_for("sync.state"))
