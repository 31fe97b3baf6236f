"""Residents' PINs, cards, personal QR codes and schedules; visitor passes."""

from __future__ import annotations

import datetime

import segno
from flask import redirect, render_template, request, url_for
from markupsafe import Markup

from appliance.errors import LinliError
from appliance.validation import clean_date
from web.access import bp
from web.once import redirect_after, taken
from web.auth import STAFF, actor, roles, services


def qr_svg(payload: str) -> Markup:
    # The payload is ASCII we generated; segno's SVG is markup we trust. A viewBox and no fixed size,
    # so CSS scales the whole code (60 mm on paper); 4 modules of quiet zone as the standard asks.
    return Markup(segno.make(payload, error="m").svg_inline(scale=6, border=4, omitsize=True))


def panel_data(resident_id) -> dict:
    creds = services().credentials
    return {"credentials": creds.credentials(resident_id), "schedule": creds.schedule(resident_id)}


@bp.app_context_processor
def _panel_helper():
    return {"access_panel": panel_data}


def _panel(resident_id, **extra):
    resident = services().registry.resident(resident_id)
    status = 400 if extra.get("access_error") else 200
    if request.headers.get("HX-Request") == "true":
        return render_template("access/_resident_access.html", resident=resident, **extra), status
    if extra.get("access_error"):
        return render_template("access/resident_access.html", resident=resident, **extra), status
    if extra.get("new_pin"):  # shown once on the page the redirect leads to, never on a reload
        return redirect_after(url_for("access.resident_access", resident_id=resident_id), **extra)
    return redirect(url_for("admin.resident_form", resident_id=resident_id) + "#access")


@bp.get("/residents/<int:resident_id>/access")
@roles(*STAFF)
def resident_access(resident_id):
    resident = services().registry.resident(resident_id)
    return render_template("access/resident_access.html", resident=resident, **taken()), 200, {
        "Cache-Control": "no-store"}


@bp.post("/residents/<int:resident_id>/access/pin")
@roles(*STAFF)
def new_pin(resident_id):
    try:
        pin = services().credentials.new_pin(resident_id, actor())
    except LinliError as exc:
        return _panel(resident_id, access_error=exc.message())
    return _panel(resident_id, new_pin=pin)


@bp.post("/residents/<int:resident_id>/access/card")
@roles(*STAFF)
def add_card(resident_id):
    try:
        services().credentials.add_card(resident_id, request.form.get("card", ""), actor())
    except LinliError as exc:
        return _panel(resident_id, access_error=exc.message())
    return _panel(resident_id)


@bp.post("/residents/<int:resident_id>/access/qr")
@roles(*STAFF)
def issue_qr(resident_id):
    services().credentials.issue_qr(resident_id, actor())
    return redirect(url_for("access.print_qr", resident_id=resident_id))


@bp.get("/residents/<int:resident_id>/access/qr")
@roles(*STAFF)
def print_qr(resident_id):
    resident = services().registry.resident(resident_id)
    found = services().credentials.resident_qr(resident_id)
    if found is None:
        return redirect(url_for("admin.resident_form", resident_id=resident_id) + "#access")
    cred, payload = found
    return render_template("access/print_qr.html", title=resident.name, svg=qr_svg(payload), payload=payload,
                           until=cred.expires_at, uses=None, back=url_for("admin.resident_form", resident_id=resident_id))


@bp.post("/residents/<int:resident_id>/access/schedule")
@roles(*STAFF)
def set_schedule(resident_id):
    try:
        services().credentials.set_schedule(resident_id, request.form.getlist("weekdays"),
                                                   request.form.get("start", ""), request.form.get("end", ""), actor())
    except LinliError as exc:
        return _panel(resident_id, access_error=exc.message())
    return _panel(resident_id)


@bp.post("/residents/<int:resident_id>/access/pass")
@roles(*STAFF)
def resident_guest_pass(resident_id):
    """A pass for a resident's guest, made by a volunteer on the resident's behalf."""
    form = request.form
    try:
        vp, _code = services().credentials.create_pass(actor(), None, form.get("hours", ""),
                                                              form.get("max_uses", ""), note=form.get("note", ""),
                                                              host_id=resident_id)
    except LinliError as exc:
        return _panel(resident_id, access_error=exc.message())
    return redirect(url_for("access.print_pass", pass_id=vp.id))


@bp.post("/access/credentials/<int:credential_id>/revoke")
@roles(*STAFF)
def revoke_credential(credential_id):
    cred = services().credentials.revoke(credential_id, actor())
    return _panel(cred.resident_id)


# --- visitor passes ------------------------------------------------------------------------------
@bp.get("/access/passes")
@roles(*STAFF)
def passes(error=None, status=200):
    return render_template("access/passes.html", passes=services().credentials.passes(),
                           residents=None, error=error, now=services().access.now()), status


@bp.post("/access/passes")
@roles(*STAFF)
def create_pass():
    form = request.form
    try:
        day = clean_date(form.get("date"), "date")
        start = None
        if day:
            hour = form.get("time") or "00:00"
            start = datetime.datetime.combine(day, datetime.time.fromisoformat(hour if len(hour) == 5 else "00:00"))
        vp, _code = services().credentials.create_pass(actor(), start, form.get("hours", ""),
                                                              form.get("max_uses", ""), note=form.get("note", ""))
    except LinliError as exc:
        return passes(error=exc.message(), status=400)
    except ValueError:
        return passes(error=None, status=400)
    return redirect(url_for("access.print_pass", pass_id=vp.id))


@bp.get("/access/passes/<int:pass_id>")
@roles(*STAFF)
def print_pass(pass_id):
    creds = services().credentials
    vp = creds.get_pass(pass_id)
    return render_template("access/print_qr.html", title=vp.note, svg=qr_svg(creds.pass_payload(vp)),
                           payload=creds.pass_payload(vp), until=vp.valid_until, since=vp.valid_from,
                           uses=vp.max_uses, used=creds.pass_uses(vp), state=creds.pass_state(vp),
                           back=url_for("access.passes"))


@bp.post("/access/passes/<int:pass_id>/revoke")
@roles(*STAFF)
def revoke_pass(pass_id):
    services().credentials.revoke_pass(pass_id, actor())
    return redirect(url_for("access.passes"))
