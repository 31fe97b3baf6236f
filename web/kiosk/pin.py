"""The kiosk's "whose PIN is this" step for pages where a resident acts for themself (face
consent and enrollment, the care corner; the ballot page keeps its own short pass because
it must survive the vote being picked). Nothing opens. The kiosk is a shared screen, so the
resident may act only for the next few minutes: whoever walks up after them must not."""

from __future__ import annotations

import logging
import time

from flask import redirect, render_template, request, session

from appliance.errors import LinliError
from web.auth import load_user, services

logger = logging.getLogger(__name__)

KIOSK_RESIDENT = "kiosk_resident_id"
KIOSK_RESIDENT_UNTIL = "kiosk_resident_until"
KIOSK_RESIDENT_S = 300


def kiosk_name() -> str:
    """Which kiosk is asking: wrong PINs lock out per kiosk, as at the gate."""
    user = load_user()
    return user.username if user else "kiosk"


def allow_resident_at_kiosk(resident_id: int) -> None:
    session[KIOSK_RESIDENT] = int(resident_id)
    session[KIOSK_RESIDENT_UNTIL] = time.time() + KIOSK_RESIDENT_S


def kiosk_resident() -> int | None:
    if session.get(KIOSK_RESIDENT_UNTIL, 0) < time.time():
        return None
    return session.get(KIOSK_RESIDENT)


def forget_kiosk_resident() -> None:
    session.pop(KIOSK_RESIDENT, None)
    session.pop(KIOSK_RESIDENT_UNTIL, None)


def pin_pad(template: str, error: str | None = None, status: int = 200):
    return render_template(template, pin_length=services().access.settings.pin_length, error=error), status


def sign_in(template: str, then):
    """Check the posted PIN: on success remember the resident and go to ``then(resident)``;
    otherwise show the PIN pad again with the reason in words."""
    try:
        resident = services().access.identify_by_pin(request.form.get("pin", "")[:32], kiosk_name())
    except LinliError as exc:
        return pin_pad(template, exc.message(), 400)
    allow_resident_at_kiosk(resident.id)
    logger.info("resident %s identified by PIN at %s", resident.id, request.path)
    return redirect(then(resident))
