"""Face enrollment at the kiosk: separate consent, guided capture, withdrawal.

Nested under the kiosk blueprint (``/kiosk/face/...``). The kiosk device or a volunteer with
the resident present drives it; frames come from the box's own kiosk camera, never from the
browser, and are dropped as soon as the template is made.
"""

from __future__ import annotations

import logging

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _

from appliance.errors import LinliError
from web.auth import actor, load_user, roles, services
from web.kiosk.pin import forget_kiosk_resident, kiosk_resident, pin_pad, sign_in

logger = logging.getLogger(__name__)

bp = Blueprint("face", __name__, url_prefix="/face")
ROLES = ("kiosk", "volunteer", "admin")
EXTRA_FRAMES = 3  # a few more than needed: some frames fail the quality gates
# The kiosk device may only enroll or withdraw the resident who gave their PIN (web/kiosk/pin.py);
# staff (with the resident present) may act for anyone.


def _face_feature():
    face = services().face
    if face is None or not face.enabled:
        abort(404)
    return face


def face_service(resident_id: int):
    face = _face_feature()
    if channel() == "kiosk" and kiosk_resident() != resident_id:
        abort(403)
    return face.service


def channel() -> str:
    user = load_user()
    return "kiosk" if user is not None and user.role == "kiosk" else "staff"


def capture(count: int) -> list:
    return _face_feature().capture(count)


@bp.get("/")
@roles("kiosk")
def pin_page():
    """A resident alone at the kiosk proves who they are with their PIN (nothing opens)."""
    _face_feature()
    return pin_pad("kiosk/face/pin.html")


@bp.post("/")
@roles("kiosk")
def pin_check():
    _face_feature()
    return sign_in("kiosk/face/pin.html", lambda resident: url_for("kiosk.face.enroll_page", resident_id=resident.id))


@bp.post("/done")
@roles(*ROLES)
def done():
    forget_kiosk_resident()
    return redirect(url_for("kiosk.home"))


@bp.get("/<int:resident_id>/consent")
@roles(*ROLES)
def consent(resident_id: int):
    face = face_service(resident_id)
    resident = services().registry.resident(resident_id)
    from appliance.face.enrollment import NOTICE

    return render_template("kiosk/face/consent.html", resident=resident, notice=NOTICE,
                           version=face.settings.notice_version, needs_guardian=face.needs_guardian(resident_id),
                           enrolled=face.is_enrolled(resident_id), error=None)


@bp.post("/<int:resident_id>/consent")
@roles(*ROLES)
def give_consent(resident_id: int):
    face = face_service(resident_id)
    resident = services().registry.resident(resident_id)
    try:
        face.give_consent(resident_id, actor(), channel(), agreed=request.form.get("agree") == "yes",
                          guardian_name=request.form.get("guardian_name", ""),
                          guardian_relation=request.form.get("guardian_relation", ""))
    except LinliError as exc:
        from appliance.face.enrollment import NOTICE

        return render_template("kiosk/face/consent.html", resident=resident, notice=NOTICE,
                               version=face.settings.notice_version,
                               needs_guardian=face.needs_guardian(resident_id),
                               enrolled=face.is_enrolled(resident_id), error=exc.message()), 400
    return redirect(url_for("kiosk.face.enroll_page", resident_id=resident_id))


@bp.get("/<int:resident_id>/enroll")
@roles(*ROLES)
def enroll_page(resident_id: int):
    face = face_service(resident_id)
    resident = services().registry.resident(resident_id)
    if face.active_consent(resident_id) is None:
        return redirect(url_for("kiosk.face.consent", resident_id=resident_id))
    return render_template("kiosk/face/enroll.html", resident=resident, enrolled=face.is_enrolled(resident_id))


@bp.post("/<int:resident_id>/enroll")
@roles(*ROLES)
def enroll(resident_id: int):
    face = face_service(resident_id)
    try:
        frames = capture(face.settings.enroll_frames + EXTRA_FRAMES)
        result = face.enroll(resident_id, frames, actor())
    except LinliError as exc:
        return render_template("kiosk/face/_result.html", ok=False, message=exc.message())
    return render_template("kiosk/face/_result.html", ok=True,
                           message=_("Done. Face entry is ready (%(n)s good pictures used; none were kept).",
                                     n=result.frames_used))


@bp.post("/<int:resident_id>/withdraw")
@roles(*ROLES)
def withdraw(resident_id: int):
    face = face_service(resident_id)
    services().registry.resident(resident_id)
    face.withdraw(resident_id, actor(), reason="withdrawn_at_kiosk" if channel() == "kiosk" else "withdrawn_by_staff")
    return render_template("kiosk/face/_result.html", ok=True,
                           message=_("Face entry withdrawn. The face template was deleted."))


# 刷脸进门 (face entry at the gate) lives under /kiosk/face/entry (endpoints kiosk.face.entry.*).
from web.kiosk.face_entry import bp as entry_bp  # noqa: E402

bp.register_blueprint(entry_bp)
