"""The car-gate screen for the guard or the intercom: the waiting car big, with the plate
crop, the read, who it might be, and one-tap answers (送货/出租, 访客, 住户, 其他, 拒绝).
Kiosk-sized for an 800x480 touch screen and a phone; polls every 2 s like the staff list."""

from __future__ import annotations

from flask import abort, redirect, render_template, request, send_file, url_for
from flask_babel import gettext

from appliance.errors import LinliError, ValidationError
from appliance.i18n import N_
from appliance.parking.gate import who
from appliance.parking.service import WHY
from web.auth import READERS, STAFF, actor, roles
from web.parking import bp, htmx, parking

# The one-tap reasons: the text that goes into the log and the audit with the answer.
CHOICES = {"confirm": N_("It is the registered car"), "visitor": N_("Visitor of a resident"), "resident": N_("Resident's car, not registered"),
           "service": N_("Repairs or public service")}


def _gate_context(error=None):
    feature = parking()
    service = feature.service
    waiting = service.open_questions(service.settings.question_wait_s)
    waiting.sort(key=lambda q: q.asked_at)  # the car that waited longest first
    car = waiting[0] if waiting else None
    return {"car": car, "who": who(car) if car is not None else None, "more": max(0, len(waiting) - 1),
            "occupancy": service.occupancy(), "grace_minutes": service.settings.grace_minutes,
            "choices": CHOICES, "why": WHY, "error": error, "feature": feature}


@bp.get("/gate")
@roles(*READERS)
def gate():
    return render_template("parking/gate.html", **_gate_context())


@bp.get("/gate/car")
@roles(*READERS)
def gate_car():
    return render_template("parking/_gate_car.html", **_gate_context())


@bp.post("/gate/<int:question_id>")
@roles(*STAFF)
def gate_answer(question_id):
    choice = request.form.get("choice", "")[:20]
    text = request.form.get("reason", "")
    try:
        if choice == "grace":
            parking().answer(question_id, True, "", actor(), grace=True)
        elif choice in CHOICES:
            parking().answer(question_id, True, gettext(CHOICES[choice]), actor())
        elif choice in ("other", "refuse"):
            parking().answer(question_id, choice == "other", text, actor())
        else:
            raise ValidationError("Choose what to do with the car.", field="choice")
    except LinliError as exc:
        if htmx():
            return render_template("parking/_gate_car.html", **_gate_context(exc.message()))
        return render_template("parking/gate.html", **_gate_context(exc.message())), 400
    if htmx():
        return gate_car()
    return redirect(url_for("parking.gate"))


@bp.get("/picture/<name>")
@roles(*READERS)
def picture(name):
    store = parking().pictures
    path = store.path(name) if store is not None else None
    if path is None:
        abort(404)
    return send_file(path, mimetype="image/jpeg", max_age=3600)


@bp.post("/stays/<int:event_id>/workorder")
@roles(*STAFF)
def stay_workorder(event_id):
    order = parking().stays.open_work_order(event_id, actor())
    return redirect(url_for("workorders.order", order_id=order.id))
