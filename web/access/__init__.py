"""Admin pages for gate access: the gate panel (state, remote open, fire reset, simulated
inputs), the access log with its Excel export, visitor passes and residents' credentials.
No GPIO here: every action is one access-service call."""

from flask import Blueprint, session

from web.auth import services

bp = Blueprint("access", __name__)


@bp.app_context_processor
def _gate_banner():
    # The fire-alarm banner shows on every staff page until a volunteer resets the gate.
    if not session.get("uid") or session.get("role") == "kiosk":
        return {"gate_fire": False}
    access = services().access
    return {"gate_fire": bool(access and access.fire_active())}


from web.access import credentials, gate, log  # noqa: E402,F401  (views attach to bp)
