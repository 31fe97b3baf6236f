"""Care pages for staff and volunteers (phone first): open alerts with one-tap answers, the
monthly visit plan (overdue in red), one elder's page (plan, alert ladder, visit form,
visits), and the monthly coverage chart and export."""

from __future__ import annotations

import datetime

from flask import Blueprint, Response, redirect, render_template, request, url_for

from appliance.care.alerts import kind_word, outcome_word, step_word
from appliance.care.directory import service_kind_word
from appliance.care.meals import meal_word
from appliance.care.visits import condition_word
from appliance.db.models.care import CONDITIONS
from appliance.errors import LinliError, NotFound, ValidationError
from web.auth import READERS, STAFF, actor, load_user, roles, services
from web.care.grid import bp as grid_bp
from web.care.guide import bp as guide_bp
from web.care.guide import kitchen_page, waste_extras
from web.care.police import bp as police_bp
from web.params import date_arg, id_arg, int_arg, text_arg

bp = Blueprint("care", __name__, url_prefix="/care")
bp.register_blueprint(grid_bp)
bp.register_blueprint(police_bp)
bp.register_blueprint(guide_bp)
MAX_TEXT = 1000


def care():
    return services().care


bp.add_app_template_filter(kind_word, "care_kind")
bp.add_app_template_filter(step_word, "care_step")
bp.add_app_template_filter(outcome_word, "care_outcome")
bp.add_app_template_filter(condition_word, "care_condition")
bp.add_app_template_filter(meal_word, "care_meal")
bp.add_app_template_filter(service_kind_word, "care_service_kind")


@bp.app_context_processor
def _badge():
    if load_user() is None or load_user().role not in STAFF:
        return {"care_badge": 0}
    return {"care_badge": len(care().open_alerts())}


@bp.get("/")
@roles(*STAFF)
def home():
    return render_template("care/home.html", me=load_user().username, **care().overview())


def _elder_page(resident_id, error=None, field=None, form=None, status=200):
    return render_template("care/elder.html", conditions=CONDITIONS, error=error, error_field=field, form=form or {},
                           **care().elder_page(resident_id, load_user())), status


@bp.get("/elder/<int:resident_id>")
@roles(*STAFF)
def elder(resident_id):
    return _elder_page(resident_id)


def _act(resident_id, action):
    try:
        action()
    except NotFound:
        raise
    except LinliError as exc:
        return _elder_page(resident_id, exc.message(), getattr(exc, "field", None), request.form, 400)
    return redirect(url_for("care.elder", resident_id=resident_id))


def _text(name: str) -> str:
    value = request.form.get(name, "")
    if len(value) > MAX_TEXT:
        raise ValidationError("Too long (at most %(n)s characters).", field=name, n=MAX_TEXT)
    return value


def _when() -> datetime.datetime | None:
    raw = request.form.get("at", "").strip()
    if not raw:
        return None
    try:
        value = datetime.datetime.fromisoformat(raw[:19])
    except ValueError:
        raise ValidationError("Not a date and time.", field="at") from None
    if not datetime.datetime(2000, 1, 1) <= value <= datetime.datetime(2199, 12, 31):
        raise ValidationError("Not a date and time.", field="at")
    return value


@bp.post("/elder/<int:resident_id>/visit")
@roles(*STAFF)
def visit(resident_id):
    def record():
        care().record_visit(resident_id, {"condition": request.form.get("condition", "good")[:20],
                                          "notes": _text("notes"), "needs": _text("needs"), "at": _when()}, actor())

    return _act(resident_id, record)


@bp.post("/elder/<int:resident_id>/plan")
@roles("admin")
def plan(resident_id):
    keys = ("consent_by", "health_consent", "volunteer", "family_name", "family_phone", "call_elder", "use_gate",
            "water_meter", "door_sensor", "floor_hours", "sos_button")
    data = {k: request.form.get(k, "")[:200] for k in keys}
    for flag in ("health_consent", "call_elder", "use_gate"):
        data[flag] = "1" if request.form.get(flag) == "1" else "0"
    return _act(resident_id, lambda: care().save_plan(resident_id, data, actor()))


@bp.post("/elder/<int:resident_id>/checkin")
@roles(*STAFF)
def checkin(resident_id):
    return _act(resident_id, lambda: care().check_in(resident_id, actor()))


@bp.post("/alerts/<int:alert_id>/ack")
@roles(*STAFF)
def acknowledge(alert_id):
    alert = care().alert(alert_id)
    return _act(alert.resident_id, lambda: care().acknowledge(alert_id, actor()))


@bp.post("/alerts/<int:alert_id>/false")
@roles(*STAFF)
def false_alarm(alert_id):
    alert = care().alert(alert_id)
    return _act(alert.resident_id, lambda: care().close_alert(alert_id, "false_alarm", actor()))


@bp.get("/coverage")
@roles(*READERS)
def coverage():
    months = int_arg("months", 12, lo=3, hi=36)
    return render_template("care/coverage.html", chart=care().coverage_chart(months), months=months)


@bp.get("/coverage.csv")
@roles(*READERS)
def coverage_csv():
    months = int_arg("months", 12, lo=3, hi=36)
    return Response(care().coverage_csv(months), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=care-coverage.csv"})


@bp.get("/meals")
@roles(*STAFF)
def kitchen():
    day = date_arg("day") or services().care.now().date()
    return kitchen_page(day)


@bp.post("/elder/<int:resident_id>/meal")
@roles(*STAFF)
def book_for(resident_id):
    def book():
        day, what = date_arg("day", source=request.form), request.form.get("meal", "")[:20]
        if request.form.get("action") == "cancel":
            care().cancel_meal(resident_id, day, what, actor())
        else:
            care().book_meal(resident_id, day, what, actor(), diet=_text("diet")[:200])

    return _act(resident_id, book)


def waste_page(endpoint: str, kiosk: bool = False, error=None, error_field=None):
    """The waste-sorting guide; an htmx search swaps only the results."""
    query = text_arg("q", 20)
    context = {"q": query, "results": care().waste_search(query), "endpoint": endpoint, "kiosk": kiosk,
               "error": error, "error_field": error_field, **({"items": None} if kiosk else waste_extras())}
    if request.headers.get("HX-Request") == "true":
        return render_template("care/_waste_results.html", **context)
    return render_template("care/waste.html", **context)


@bp.get("/waste")
@roles(*READERS)
def waste():
    return waste_page("care.waste")


@bp.get("/services")
@roles(*READERS)
def directory():
    return _directory_page()


def _directory_page(error=None, field=None, form=None, status=200):
    from appliance.db.models.care import SERVICE_KINDS

    return render_template("care/services.html", rows=care().directory(), kinds=SERVICE_KINDS, error=error,
                           error_field=field, form=form or {}, kiosk=False), status


@bp.post("/services")
@roles("admin")
def save_service():
    keys = ("kind", "name", "hours", "phone", "address")
    data = {k: request.form.get(k, "")[:200] for k in keys}
    try:
        care().save_service(data, actor())
    except NotFound:
        raise
    except LinliError as exc:
        return _directory_page(exc.message(), getattr(exc, "field", None), request.form, 400)
    return redirect(url_for("care.directory"))


@bp.post("/services/<int:service_id>/delete")
@roles("admin")
def delete_service(service_id):
    care().delete_service(service_id, actor())
    return redirect(url_for("care.directory"))


@bp.post("/elder/<int:resident_id>/service")
@roles(*STAFF)
def request_service(resident_id):
    made = []

    def ask():
        made.append(care().request_service(resident_id, id_arg("service", source=request.form), _text("text"), actor()))

    response = _act(resident_id, ask)
    return redirect(url_for("workorders.order", order_id=made[0].id)) if made else response
