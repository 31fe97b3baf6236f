"""刷脸进门 at the kiosk: the page asks for an attempt, then polls while the box's own camera
feeds it (frames never come from the browser and are dropped after each step).

Nested under the kiosk face pages (``/kiosk/face/entry/...``, endpoints kiosk.face.entry.*);
only the kiosk device account may use it, like the PIN pad. The decision itself is the access
service's (appliance/face/entry.py), so the result, log row and relay pulse are a PIN's.
"""

from __future__ import annotations

import logging

from flask import Blueprint, abort, render_template

from appliance.face.entry import FaceProgress
from web.auth import load_user, roles, services

logger = logging.getLogger(__name__)

bp = Blueprint("entry", __name__, url_prefix="/entry")
CHALLENGE_SOUNDS = {None: "face_look", "turn_left": "face_turn_left", "turn_right": "face_turn_right",
                    "nod": "face_nod"}


def _face():
    face = services().face
    if face is None or not face.entry_offered():
        abort(404)
    return face


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
        face = services().face
        return bool(face is not None and face.entry_offered())

    return {"face_entry_offered": offered}


@bp.post("/start")
@roles("kiosk")
def start():
    progress = _face().entry.start(_kiosk_name())
    return render_template("kiosk/face/_entry_progress.html", p=progress,
                           sound=CHALLENGE_SOUNDS.get(progress.challenge))


@bp.post("/step")
@roles("kiosk")
def step():
    outcome = _face().entry_step(_kiosk_name())
    if outcome is None:
        return render_template("kiosk/face/_entry_idle.html")
    if isinstance(outcome, FaceProgress):
        return render_template("kiosk/face/_entry_progress.html", p=outcome, sound=None)
    return render_template("kiosk/_result.html", d=outcome, sound=_sound(outcome))


@bp.post("/cancel")
@roles("kiosk")
def cancel():
    _face().entry.cancel(_kiosk_name())
    return render_template("kiosk/face/_entry_idle.html")
