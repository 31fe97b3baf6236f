"""Practice mode in the browser: start, leave, and routing a practising member's requests to
their sandbox (appliance/practice/rooms.py).

Sign-in, sign-out, the language switch and the password page always work on the box's
own accounts, so they never see the sandbox.
"""

from __future__ import annotations

from flask import Blueprint, g, redirect, render_template, request, session, url_for

from appliance.db import router
from appliance.errors import LinliError
from web.auth import STAFF, box_services, load_user, roles

bp = Blueprint("practice", __name__, url_prefix="/practice")
REAL_ENDPOINTS = ("auth.", "static", "practice.")


@bp.before_app_request
def _route_to_sandbox():
    if not session.get("practice") or (request.endpoint or "").startswith(REAL_ENDPOINTS):
        return
    user = load_user()  # the box's own accounts, before the sandbox is chosen
    room = box_services().practice.room(user.id) if user is not None else None
    if room is None:  # Linli restarted, or the member left in another tab
        session.pop("practice", None)
        if request.method not in ("GET", "HEAD"):
            # A button pressed on a stale practice page must not act on the real box.
            return redirect(url_for("practice.start_page", ended=1))
        return
    g.practice_services = room.services
    g.practice_token = router.enter(room.db)


@bp.teardown_app_request
def _back_to_the_box(_exc=None):
    token = g.pop("practice_token", None)
    if token is not None:
        router.leave(token)


@bp.app_context_processor
def _banner():
    return {"practising": bool(g.get("practice_services"))}


@bp.get("/")
@roles(*STAFF)
def start_page():
    return render_template("practice/start.html", error=None)


@bp.post("/start")
@roles(*STAFF)
def start():
    try:
        box_services().practice.enter(load_user().id)
    except LinliError as exc:
        return render_template("practice/start.html", error=exc.message()), 409
    session["practice"] = True
    return redirect(url_for("admin.dashboard"))


@bp.post("/leave")
@roles(*STAFF)
def leave():
    box_services().practice.leave(load_user().id)
    session.pop("practice", None)
    return redirect(url_for("admin.dashboard"))
