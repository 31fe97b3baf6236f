"""Staff pages for the car gate: cars waiting for a volunteer (放行 / 拒绝 with one tap), the
car park's count, today's cars drawn per hour, visitor car passes."""

from __future__ import annotations

import datetime

from flask import Blueprint, redirect, render_template, request, url_for

from appliance.charts import BarChart
from appliance.errors import LinliError
from appliance.parking.service import REASONS, WHY
from web.auth import READERS, STAFF, actor, load_user, roles, services
from web.params import date_arg

bp = Blueprint("parking", __name__, url_prefix="/parking")
CHART_W, CHART_H = 600, 160


def parking():
    return services().parking


def htmx() -> bool:
    return request.headers.get("HX-Request") == "true"


@bp.app_context_processor
def _badge():
    # Cars waiting at the barrier show on every staff page, like an open fire-lane incident.
    feature = services().parking if load_user() is not None else None
    if feature is None or not feature.enabled:
        return {"parking_badge": 0, "parking_enabled": False}
    if request.headers.get("HX-Request") == "true":  # partials carry no menu
        return {"parking_badge": 0, "parking_enabled": True}
    return {"parking_badge": len(feature.service.open_questions(feature.service.settings.question_wait_s)),
            "parking_enabled": True}


@bp.app_template_filter("car_reason")
def _reason(code: str) -> str:
    from flask_babel import gettext

    return gettext(REASONS[code]) if code in REASONS else code


def hourly_chart(hourly: dict) -> dict:
    grid = BarChart.fit(CHART_W, CHART_H, hourly["entry"] + hourly["exit"], 24, per_slot=2, headroom=0)
    bars = []
    for hour in range(24):
        cars_in, cars_out = hourly["entry"][hour], hourly["exit"][hour]
        bars.append({"hour": hour, "in": cars_in, "out": cars_out, "x": grid.x(hour), "x_out": grid.x(hour, 1),
                     "w": grid.bar_w, "y_in": grid.y(cars_in), "h_in": grid.h(cars_in),
                     "y_out": grid.y(cars_out), "h_out": grid.h(cars_out)})
    return {"bars": bars, "top": grid.top, "w": CHART_W, "h": CHART_H}


def inside_chart(inside: list, capacity: int) -> dict:
    """A step line of cars inside at the end of each hour, with the capacity as a dashed line."""
    grid = BarChart.fit(CHART_W, CHART_H, [v for v in inside if v is not None] + [capacity], 24, headroom=10)
    points, x = [], 0.0
    for hour, value in enumerate(inside):
        if value is None:
            break
        x = round((hour + 1) * grid.slot_w, 1)
        y = grid.y(value)
        points += [(round(hour * grid.slot_w, 1), y), (x, y)]
    return {"points": " ".join(f"{px},{py}" for px, py in points), "top": grid.top, "w": CHART_W, "h": CHART_H,
            "capacity_y": grid.y(capacity) if capacity else None,
            "last": next((v for v in reversed(inside) if v is not None), None),
            "peak": max((v for v in inside if v is not None), default=None),
            "hours": [{"hour": h, "x": round(h * grid.slot_w, 1)} for h in range(0, 24, 6)]}


SHARE_COLOURS = {"resident": "#1f6feb", "visitor": "#d29922", "volunteer": "#cf222e", "grace": "#8250df"}


def share_bar(kinds: dict, width: int = CHART_W) -> dict:
    """One horizontal bar split by who was let in; each part's width is its share."""
    total = sum(kinds.values())
    parts, x = [], 0.0
    for kind, n in kinds.items():
        w = round(width * n / total, 1) if total else 0
        parts.append({"kind": kind, "n": n, "x": x, "w": w, "colour": SHARE_COLOURS[kind],
                      "percent": round(100 * n / total) if total else 0})
        x = round(x + w, 1)
    return {"parts": parts, "total": total, "w": width}


def _page(error: str | None = None, field: str | None = None, form=None, status: int = 200):
    service = parking().service
    day = date_arg("day")
    profile = service.day(day)
    context = {"feature": parking(), "waiting": service.open_questions(service.settings.question_wait_s),
               "occupancy": service.occupancy(), "events": service.events(day), "day": day,
               "chart": hourly_chart(service.hourly(day)), "profile": profile,
               "inside_chart": inside_chart(profile["inside"], service.settings.capacity),
               "share": share_bar(profile["kinds"]), "passes": service.passes(),
               "overnight": service.visitors_inside_overnight(), "why": WHY,
               "stays": parking().stays.flags() if parking().stays else [],
               "exit_camera": bool(service.settings.exit_camera), "grace_minutes": service.settings.grace_minutes,
               "export_from": (service.clock().date() - datetime.timedelta(days=30)).isoformat(),
               "export_to": service.clock().date().isoformat(),
               "error": error, "field": field, "form": form or {}}
    return render_template("parking/home.html", **context), status


@bp.get("/")
@roles(*READERS)
def home():
    return _page()


@bp.get("/waiting")
@roles(*READERS)
def waiting():
    service = parking().service
    return render_template("parking/_waiting.html", waiting=service.open_questions(service.settings.question_wait_s))


def _act(action, form_keys=()):
    try:
        action()
    except LinliError as exc:
        if htmx():
            service = parking().service
            # 200: htmx swaps only 2xx answers by default, and the partial carries the error.
            return render_template("parking/_waiting.html", error=exc.message(),
                                   waiting=service.open_questions(service.settings.question_wait_s))
        return _page(exc.message(), getattr(exc, "field", None),
                     {k: request.form.get(k, "")[:40] for k in form_keys}, 400)
    if htmx():
        return waiting()
    return redirect(url_for("parking.home"))


@bp.post("/waiting/<int:question_id>")
@roles(*STAFF)
def answer(question_id):
    let_in = request.form.get("let_in") == "1"
    return _act(lambda: parking().answer(question_id, let_in, request.form.get("reason", ""), actor()))


@bp.post("/passes")
@roles(*STAFF)
def create_pass():
    f = request.form
    return _act(lambda: parking().service.create_pass(f.get("plate", ""), f.get("hours", ""), f.get("max_entries", ""),
                                                      f.get("note", ""), actor()),
                ("plate", "hours", "max_entries", "note"))


@bp.post("/passes/<int:pass_id>/revoke")
@roles(*STAFF)
def revoke_pass(pass_id):
    return _act(lambda: parking().service.revoke_pass(pass_id, actor()))


@bp.post("/count")
@roles(*STAFF)
def count():
    return _act(lambda: parking().service.count_cars(request.form.get("inside", ""), actor()), ("inside",))


from web.parking import export, gate  # noqa: E402,F401  (their routes live on this blueprint)
