"""The community site plan in reports: residents tap where the problem is (the picture comes
from the devices feature's site plan, read through its service), staff see open reports as
dots on the same plan."""

from __future__ import annotations

import secrets

from flask import abort, send_file

from appliance.errors import NotFound
from web.auth import STAFF, roles, services
from web.me import resident_required
from web.participation import bp, reports


def site_plan_path():
    """The plan picture's path, or None when the box has none (then reports have no tap)."""
    devices = getattr(services(), "devices", None)
    if devices is None:
        return None
    try:
        return devices.plan_image()
    except (NotFound, AttributeError):
        return None


def new_draft_key() -> str:
    return secrets.token_hex(16)


def _plan_file():
    path = site_plan_path()
    if path is None:
        abort(404)
    return send_file(path, mimetype="image/jpeg", max_age=0)


@bp.get("/me/reports/plan.jpg")
@resident_required
def resident_plan_image(resident):
    return _plan_file()


@bp.get("/workorders/plan.jpg")
@roles(*STAFF)
def staff_plan_image():
    return _plan_file()


@bp.app_template_global("reports_plan")
def _reports_plan():
    """For the staff queue: (plan exists, open orders with a point on it, ids of the overdue ones)."""
    if site_plan_path() is None:
        return False, [], set()
    orders = reports().on_plan()
    now = reports().wo.now()
    return True, orders, {o.id for o in orders if o.due_at is not None and o.due_at < now}


@bp.app_template_global("site_plan_exists")
def _site_plan_exists() -> bool:
    return site_plan_path() is not None
