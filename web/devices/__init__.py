"""Staff pages for lamps and sensors: the list (lamps with big on/off/schedule buttons, then
sensors with trouble first), one device with its drawn history, and the lamp schedule."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _

from appliance.errors import LinliError, NotFound
from appliance.i18n import N_
from web.auth import READERS, STAFF, actor, roles, services
from web.params import choice_arg, int_arg, text_arg

bp = Blueprint("devices", __name__, url_prefix="/devices")


def dev():
    return services().devices


def _htmx() -> bool:
    return request.headers.get("HX-Request") == "true"


@bp.get("/")
@roles(*READERS)
def index():
    return render_template("devices/index.html", o=dev().overview())


@bp.get("/d/<name>")
@roles(*READERS)
def device(name: str):
    days = int_arg("days", 2, lo=1, hi=31)
    return render_template("devices/device.html", d=dev().device(name, days))


@bp.get("/schedule")
@roles(*READERS)
def schedule():
    return render_template("devices/schedule.html", s=dev().schedule_preview(int_arg("days", 7, lo=1, hi=31)))


def _lamp_answer(name: str, error: str | None = None, status: int = 200):
    lamp = next((lamp for lamp in dev().overview()["lamps"] if lamp["device"].name == name), None)
    if lamp is None or not _htmx():
        if error:
            return render_template("devices/index.html", o=dev().overview(), error=error), status
        return redirect(url_for("devices.index"))
    return render_template("devices/_lamp.html", lamp=lamp, error=error), status


@bp.post("/lamps/<name>/override")
@roles(*STAFF)
def override(name: str):
    form = request.form
    try:
        dev().override(name, choice_arg("on", ("on", "off"), "", source=form), actor(),
                       level=text_arg("level", 10, source=form) or None,
                       hours=text_arg("hours", 10, source=form) or None)
    except LinliError as exc:
        return _lamp_answer(name, exc.message(), 404 if exc.__class__.__name__ == "NotFound" else 400)
    return _lamp_answer(name)


@bp.post("/lamps/<name>/schedule")
@roles(*STAFF)
def back_to_schedule(name: str):
    try:
        dev().cancel_override(name, actor())
    except LinliError as exc:
        return _lamp_answer(name, exc.message(), 404)
    return _lamp_answer(name)


ALARM_WORDS = {"leak": N_("water leak"), "smoke": N_("smoke"), "tilt": N_("cover tilted"), "full": N_("full"),
               "sos": N_("SOS pressed"), "battery": N_("battery low"), "silent": N_("not reporting"),
               "lamp_dark": N_("on but no current"), "lamp_stuck": N_("off but drawing current")}
METRIC_WORDS = {"water_leak": N_("Water detected (share of readings)"), "smoke": N_("Smoke (share of readings)"),
                "contact": N_("Door closed (share of readings)"), "tilt": N_("Tilt (degrees)"),
                "fill": N_("Fill (%)"), "temperature": N_("Temperature (°C)"), "humidity": N_("Humidity (%)"),
                "battery": N_("Battery (%)"), "on_s": N_("Seconds on per hour"), "wh": N_("Energy per hour (Wh)"),
                "total": N_("Meter reading")}


@bp.app_template_filter("device_alarm")
def _alarm_word(code: str) -> str:
    return _(ALARM_WORDS[code]) if code in ALARM_WORDS else code


@bp.app_template_filter("device_metric")
def _metric_word(metric: str) -> str:
    return _(METRIC_WORDS[metric]) if metric in METRIC_WORDS else metric


@bp.get("/plan")
@roles(*READERS)
def plan(error: str | None = None, status: int = 200):
    return render_template("devices/plan.html", p=dev().plan_view(), error=error), status


@bp.get("/plan.jpg")
@roles(*READERS)
def plan_image():
    return send_file(dev().plan_image(), mimetype="image/jpeg", max_age=0)


@bp.post("/plan")
@roles(*STAFF)
def plan_upload():
    upload = request.files.get("plan")
    try:
        dev().upload_plan(upload.read() if upload else None, actor())
    except LinliError as exc:
        return plan(exc.message(), 400)
    return redirect(url_for("devices.plan"))


@bp.post("/d/<name>/place")
@roles(*STAFF)
def place(name: str):
    form = request.form
    try:
        device = dev().place_device(name, text_arg("x", 30, source=form), text_arg("y", 30, source=form), actor())
    except LinliError as exc:
        return {"error": exc.message(), "field": getattr(exc, "field", None)}, 404 if isinstance(exc, NotFound) else 400
    return {"name": device.name, "x": device.plan_x, "y": device.plan_y}


@bp.post("/d/<name>/silence")
@roles(*STAFF)
def silence(name: str):
    try:
        dev().silence(name, text_arg("hours", 10, source=request.form) or "2", actor())
    except LinliError as exc:
        if isinstance(exc, NotFound):
            raise
        return render_template("devices/device.html", d=dev().device(name), error=exc.message()), 400
    return redirect(url_for("devices.device", name=name))
