"""The care corner of the gate kiosk (800×480, touch; nested in the kiosk's blueprint, so
/kiosk/care/ and endpoints kiosk.care.*): a resident proves who they are with their PIN
(nothing opens), then taps 平安打卡 (elders living alone) and books or cancels the
coming days' meals at the elders' canteen."""

from __future__ import annotations

import logging

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext as _

from appliance.errors import LinliError
from web.auth import roles, services
from web.kiosk.pin import kiosk_name as _kiosk_name
from web.kiosk.pin import kiosk_resident, pin_pad, sign_in
from web.params import date_arg

logger = logging.getLogger(__name__)

bp = Blueprint("care", __name__, url_prefix="/care")


@bp.get("/")
@roles("kiosk")
def pin_page():
    return pin_pad("care/kiosk_pin.html")


@bp.post("/")
@roles("kiosk")
def pin_check():
    return sign_in("care/kiosk_pin.html", lambda resident: url_for("kiosk.care.me"))


def _page(message=None, error=None, status=200):
    resident_id = kiosk_resident()
    if resident_id is None:
        return redirect(url_for("kiosk.care.pin_page"))
    return render_template("care/kiosk_me.html", message=message, error=error,
                           **services().care.kiosk_view(resident_id)), status


@bp.get("/me")
@roles("kiosk")
def me():
    return _page()


@bp.post("/checkin")
@roles("kiosk")
def checkin():
    resident_id = kiosk_resident()
    if resident_id is None:
        return redirect(url_for("kiosk.care.pin_page"))
    try:
        services().care.check_in(resident_id, _kiosk_name())
    except LinliError as exc:
        return _page(error=exc.message(), status=400)
    return _page(message=_("Thank you. We know you are well today."))


@bp.post("/meal")
@roles("kiosk")
def meal():
    resident_id = kiosk_resident()
    if resident_id is None:
        return redirect(url_for("kiosk.care.pin_page"))
    care = services().care
    try:
        day = date_arg("day", source=request.form)
        what = request.form.get("meal", "")[:20]
        if request.form.get("action") == "cancel":
            care.cancel_meal(resident_id, day, what, _kiosk_name())
        else:
            care.book_meal(resident_id, day, what, _kiosk_name(), diet=request.form.get("diet", "")[:60])
    except LinliError as exc:
        return _page(error=exc.message(), status=400)
    return _page()


@bp.get("/waste")
@roles("kiosk")
def waste():
    from web.care import waste_page

    return waste_page("kiosk.care.waste", kiosk=True)


@bp.get("/services")
@roles("kiosk")
def directory():
    return render_template("care/services.html", rows=services().care.directory(), kiosk=True, form={})
