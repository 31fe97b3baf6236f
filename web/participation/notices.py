"""Notices: the staff page (post, withdraw, 已读 counts per building), the resident's "已读",
and the template globals the kiosk, /me and the dashboard show notices with."""

from __future__ import annotations

import time

from flask import abort, redirect, render_template, request, send_file, url_for

from appliance.errors import LinliError, ValidationError
from web.auth import READERS, STAFF, actor, roles, services
from web.me import current_resident, resident_required
from web.participation import bp
from web.params import id_arg

KIOSK_SECONDS = 10  # each notice stays this long at the gate


def notices():
    return services().participation.notices


@bp.app_template_global("kiosk_notice")
def _kiosk_notice():
    return notices().kiosk_pick(int(time.time() // KIOSK_SECONDS))


@bp.app_template_global("current_notices")
def _current_notices():
    return notices().current()


@bp.app_template_global("my_notices")
def _my_notices():
    resident = current_resident()
    return notices().for_resident(resident.id) if resident else ([], set())


@bp.route("/notices", methods=["GET"])
@roles(*READERS)
def staff_notices(error=None, field=None, form=None, status=200):
    rows = notices().all_local()
    counts = {n.id: notices().read_counts(n.id) for n in rows if n.important}
    return render_template("participation/notices.html", rows=rows, counts=counts, district=[
        v for v in notices().current() if v.source == "district"], buildings=services().registry.buildings(),
        error=error, field=field, form=form or {}, now=notices().now()), status


@bp.post("/notices")
@roles(*STAFF)
def post_notice():
    form = request.form
    picture = request.files.get("picture")
    limit = int(services().config.participation.photo_max_mb * 1024 * 1024) + 1
    try:
        notices().post({"title": form.get("title"), "body": form.get("body"), "audience": form.get("audience"),
                        "buildings": form.getlist("buildings")[:200], "pinned": form.get("pinned") == "1",
                        "important": form.get("important") == "1", "expires": form.get("expires")}, actor(),
                       picture=picture.read(limit) if picture and picture.filename else None)
    except ValidationError as exc:
        kept = {k: (form.get(k) or "")[:500] for k in ("title", "body", "audience", "expires", "pinned", "important")}
        return staff_notices.__wrapped__(error=exc.message(), field=exc.field, form=kept, status=400)
    return redirect(url_for("participation.staff_notices"))


@bp.post("/notices/<int:notice_id>/withdraw")
@roles(*STAFF)
def withdraw_notice(notice_id):
    notices().withdraw(notice_id, actor())
    return redirect(url_for("participation.staff_notices"))


@bp.post("/me/notices/<int:notice_id>/read")
@resident_required
def read_notice(resident, notice_id):
    try:
        notices().mark_read(notice_id, resident.id)
    except LinliError as exc:
        return render_template("participation/_read.html", error=exc.message()), 400
    return render_template("participation/_read.html", error=None)


@bp.get("/notices/speech/<key>.wav")
def notice_speech(key):
    """The gate's notice read aloud (public: the gate shows the same words to everyone)."""
    text = notices().gate_text(key.replace("-", ":", 1)[:20])
    path = services().participation.speaker.wav(text) if text else None
    if path is None:
        abort(404)
    return send_file(path, mimetype="audio/wav", max_age=3600)
