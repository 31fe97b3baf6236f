"""The gate kiosk: a full-screen, touch-first page at the gate.

The kiosk device account may use only these views. Every view parses input and calls
one access-service method; the service decides and drives the gate.
"""

from __future__ import annotations

from flask import Blueprint, render_template, request

from web.auth import load_user, roles, services
from web.kiosk.pin import allow_resident_at_kiosk

bp = Blueprint("kiosk", __name__, url_prefix="/kiosk")

# Reason code -> pre-rendered prompt in static/vendor/sounds (missing files stay silent).
SOUNDS = {"granted": "granted", "visitor": "visitor", "remote": "granted", "bad_pin": "pin_wrong",
          "unknown_pin": "pin_wrong", "locked_out": "locked", "expired": "expired", "fire_alarm": "fire"}


def _kiosk_name() -> str:
    user = load_user()
    return user.username if user else "kiosk"


def _result(decision):
    sound = SOUNDS.get(decision.reason, "granted" if decision.granted else "refused")
    return render_template("kiosk/_result.html", d=decision, sound=sound, checkin=_offer_checkin(decision))


def _offer_checkin(decision) -> bool:
    """After an elder's own entry, one big 平安打卡 button (the care corner's check-in) for a
    few seconds; the entry alone already counts as a sign of life."""
    care = services().care
    if not (decision.granted and decision.resident_id and care is not None
            and care.offers_checkin(decision.resident_id)):
        return False
    allow_resident_at_kiosk(decision.resident_id)
    return True


@bp.get("/")
def home():
    user = load_user()
    ready = bool(user and user.role == "kiosk")
    access = services().access
    return render_template("kiosk/home.html", device_ready=ready, pin_length=access.settings.pin_length,
                           fire=ready and access.fire_active(), notice=access.settings.kiosk_notice)


@bp.post("/pin")
@roles("kiosk")
def pin():
    return _result(services().access.pin_attempt(request.form.get("pin", "")[:32], _kiosk_name()))


@bp.post("/scan")
@roles("kiosk")
def scan():
    return _result(services().access.scan(request.form.get("code", "")[:600], _kiosk_name()))


@bp.post("/frame")
@roles("kiosk")
def frame():
    from appliance.access.camera import decode_qr

    upload = request.files.get("frame")
    text = decode_qr(upload.read(3 * 1024 * 1024 + 1)) if upload else None
    if not text:
        return "", 204  # no code in this frame: the page keeps scanning
    return _result(services().access.scan(text[:600], _kiosk_name()))


@bp.get("/status")
@roles("kiosk")
def status():
    access = services().access
    return render_template("kiosk/_notices.html", fire=access.fire_active(), notice=access.settings.kiosk_notice,
                           locked_s=int(access.lockout_remaining(_kiosk_name())))


# Face enrollment pages live under /kiosk/face (endpoints kiosk.face.*).
from web.kiosk.face import bp as face_bp  # noqa: E402

bp.register_blueprint(face_bp)

from web.care.kiosk import bp as care_bp  # noqa: E402  (the care corner: 平安打卡, canteen meals)

bp.register_blueprint(care_bp)
# Owners' votes at the kiosk live under /kiosk/votes (endpoints kiosk.votes.*).
from web.votes.kiosk import bp as votes_bp  # noqa: E402

bp.register_blueprint(votes_bp)
