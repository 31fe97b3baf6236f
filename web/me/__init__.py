"""Resident pages on their own phone (``/me``): sign in with phone number + gate PIN, see
their own code, invite guests.

A resident session lives under its own session key and never sets the staff ``uid``, so
it can never satisfy ``roles(...)``; a staff or kiosk session never opens these pages.
Public: the sign-in form (it is how one gets a session) and sign-out (clearing a session
needs none), like ``auth.login``/``auth.logout``.
"""

from __future__ import annotations

import datetime
import functools
import time

from flask import Blueprint, abort, g, redirect, render_template, request, session, url_for
from flask_babel import gettext

from appliance.access.portal import IDLE_MINUTES, MAX_MINUTES, ResidentPortal
from appliance.errors import LinliError, ValidationError
from appliance.i18n import N_
from web.access.credentials import qr_svg
from web.auth import load_user, services

bp = Blueprint("me", __name__, url_prefix="/me")
PUBLIC_ENDPOINTS = {"me.login", "me.logout"}
SESSION_KEY = "resident"


def portal() -> ResidentPortal:
    return services().portal


def current_resident():
    if "resident" in g:
        return g.resident
    g.resident = None
    data = session.get(SESSION_KEY)
    if isinstance(data, dict):
        now = time.time()
        try:
            fresh = (now - float(data["seen"]) < IDLE_MINUTES * 60 and now - float(data["since"]) < MAX_MINUTES * 60)
            resident = portal().session_resident(int(data["rid"]), data["cid"], data.get("tok")) if fresh else None
        except (KeyError, TypeError, ValueError):
            resident = None
        if resident is None:
            session.pop(SESSION_KEY, None)
        else:
            data["seen"] = now
            session.modified = True
            g.resident = resident
    return g.resident


def resident_required(view):
    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        resident = current_resident()
        if resident is None:
            if load_user() is not None:
                abort(403)  # staff and kiosk accounts are not residents
            if request.headers.get("HX-Request") == "true":
                return "", 401, {"HX-Redirect": url_for("me.login")}
            return redirect(url_for("me.login"))
        return view(resident, *args, **kwargs)

    wrapped.allowed_roles = ("resident",)
    return wrapped


PASS_STATES = {"active": N_("Can be used"), "not_yet_valid": N_("Not valid yet"), "expired": N_("Expired"),
               "used_up": N_("Used up"), "revoked": N_("Cancelled")}


def pass_state(state: str) -> str:
    return gettext(PASS_STATES.get(state, "Expired"))


@bp.app_context_processor
def _me_globals():
    return {"me_resident": g.get("resident"), "pass_state": pass_state, "timedelta_day": datetime.timedelta(days=1)}


@bp.route("/login", methods=["GET", "POST"])
def login():
    error, field = None, None
    if request.method == "POST":
        try:
            cred = portal().sign_in(request.form.get("phone", ""), request.form.get("pin", ""),
                                    request.remote_addr or "")
        except ValidationError as exc:
            error, field = exc.message(), exc.field
        except LinliError as exc:
            error = exc.message()
        else:
            lang = session.get("lang")
            session.clear()  # never mix a resident with a staff session in one cookie
            if lang:
                session["lang"] = lang
            session.permanent = False  # gone when the browser closes, besides the idle limit
            now = time.time()
            session[SESSION_KEY] = {"rid": cred.resident_id, "cid": cred.id, "since": now, "seen": now,
                                    "tok": portal().open_session(cred)}
            return redirect(url_for("me.home"))
    return render_template("me/login.html", error=error, field=field,
                           phone=(request.form.get("phone", "") or "")[:20]), 401 if error else 200


@bp.post("/logout")
def logout():
    data = session.pop(SESSION_KEY, None)
    if isinstance(data, dict):
        portal().end_session(data.get("tok"))  # a copy of the cookie stops working too
    return redirect(url_for("me.login"))


@bp.get("/")
@resident_required
def home(resident):
    info = portal().my_pass(resident.id)
    return render_template("me/home.html", svg=qr_svg(info["code"]) if info["code"] else None, **info)


@bp.get("/guests")
@resident_required
def guests(resident, error=None, field=None, form=None, status=200):
    access = services().access
    return render_template("me/guests.html", passes=portal().guest_passes(resident.id), error=error, field=field,
                           form=form or {}, now=access.now(), max_days=access.settings.resident_pass_max_days), status


@bp.post("/guests")
@resident_required
def create_guest(resident):
    form = request.form
    try:
        vp, _code = portal().create_guest_pass(resident.id, form.get("note", ""), form.get("valid_from", ""),
                                               form.get("valid_until", ""), form.get("max_uses", ""))
    except ValidationError as exc:
        return guests.__wrapped__(resident, error=exc.message(), field=exc.field,
                                  form={k: form.get(k, "")[:40] for k in ("note", "valid_from", "valid_until",
                                                                           "max_uses")}, status=400)
    return redirect(url_for("me.guest_pass", pass_id=vp.id))


@bp.get("/guests/<int:pass_id>")
@resident_required
def guest_pass(resident, pass_id):
    vp, code, state = portal().guest_pass(resident.id, pass_id)
    return render_template("me/guest_pass.html", vp=vp, code=code, state=state,
                           svg=qr_svg(code) if state in ("active", "not_yet_valid") else None)


@bp.post("/guests/<int:pass_id>/revoke")
@resident_required
def revoke_guest(resident, pass_id):
    portal().revoke_guest_pass(resident.id, pass_id)
    return redirect(url_for("me.guests"))


# Owners' votes on the phone live under /me/votes (endpoints me.votes.*).
from web.votes.me import bp as votes_bp  # noqa: E402

bp.register_blueprint(votes_bp)
