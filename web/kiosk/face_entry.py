"""刷脸进门 at the kiosk: the page asks for an attempt, then polls while the box's own camera
feeds it (frames never come from the browser and are dropped after each step).

Nested under the kiosk face pages (``/kiosk/face/entry/...``, endpoints kiosk.face.entry.*);
only the kiosk device account may use it, like the PIN pad. The decision itself is the access
service's (appliance/access/face.py), so the result, log row and relay pulse are a PIN's.
"""

from __future__ import annotations

import logging

from flask import Blueprint, abort, render_template

from appliance.access.face import FaceProgress
from web.auth import load_user, roles, services

logger = logging.getLogger(__name__)

bp = Blueprint("entry", __name__, url_prefix="/entry")
STEP_FRAMES = 5  # frames read per poll: about a third of a second of a kiosk camera
CHALLENGE_SOUNDS = {None: "face_look", "turn_left": "face_turn_left", "turn_right": "face_turn_right",
                    "nod": "face_nod"}


def _entry():
    entry = services().extra.get("face_entry")
    if entry is None or not entry.available:
        abort(404)
    return entry


def _camera():
    return services().extra.get("kiosk_camera")


def _kiosk_name() -> str:
    user = load_user()
    return user.username if user else "kiosk"


def _sound(decision) -> str:
    if decision.granted:
        return "granted"
    return "face_refused" if decision.reason.startswith("face_") else "refused"


@bp.app_context_processor
def _face_entry_offered():
    """The kiosk home shows the 刷脸进门 button only where face entry can work."""
    def offered() -> bool:
        entry = services().extra.get("face_entry")
        return bool(entry is not None and entry.available and _camera() is not None)

    return {"face_entry_offered": offered}


@bp.post("/start")
@roles("kiosk")
def start():
    entry = _entry()
    if _camera() is None:
        abort(404)
    progress = entry.start(_kiosk_name())
    return render_template("kiosk/face/_entry_progress.html", p=progress,
                           sound=CHALLENGE_SOUNDS.get(progress.challenge))


@bp.post("/step")
@roles("kiosk")
def step():
    entry = _entry()
    camera = _camera()
    if camera is None:
        abort(404)
    from appliance.services.face import capture_frames

    kiosk = _kiosk_name()
    if not entry.active(kiosk):
        return render_template("kiosk/face/_entry_idle.html")
    # Short reads: a quiet camera must not hold the request past the page's idle reset.
    outcome = entry.feed(kiosk, capture_frames(camera, STEP_FRAMES, timeout=0.3))
    if outcome is None:
        return render_template("kiosk/face/_entry_idle.html")
    if isinstance(outcome, FaceProgress):
        return render_template("kiosk/face/_entry_progress.html", p=outcome, sound=None)
    return render_template("kiosk/_result.html", d=outcome, sound=_sound(outcome))


@bp.post("/cancel")
@roles("kiosk")
def cancel():
    _entry().cancel(_kiosk_name())
    return render_template("kiosk/face/_entry_idle.html")
