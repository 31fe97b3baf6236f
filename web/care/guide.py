"""Staff keep the residents' pages current: the canteen menu (on the kitchen page) and the
community's own entries in the waste-sorting guide (admins)."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for

from appliance.care.waste import BINS, bin_name
from appliance.errors import LinliError, NotFound
from web.auth import STAFF, actor, load_user, roles, services
from web.params import date_arg

bp = Blueprint("guide", __name__)


@bp.app_template_filter("care_bin")
def _bin_word(kind: str) -> str:
    from flask_babel import get_locale

    if kind not in BINS:
        return kind
    return bin_name(kind, services().care.settings.waste_city, "en" if str(get_locale()).startswith("en") else "zh_CN")


def kitchen_page(day, error=None, field=None, status=200):
    care = services().care
    menus = care.menus([day])
    return render_template("care/meals.html", menus=menus, error=error, error_field=field, **care.kitchen(day)), status


def waste_extras() -> dict:
    """The local entries and their form, for admins on the staff guide page."""
    user = load_user()
    if user is None or user.role != "admin":
        return {"items": None}
    return {"items": services().care.waste_items(), "bins": BINS}


@bp.post("/meals/menu")
@roles(*STAFF)
def save_menu():
    form = request.form
    day = date_arg("day", source=form) or services().care.now().date()  # a garbage date: 400 from the helper
    try:
        services().care.save_menu(day, form.get("meal", "")[:20], form.get("dishes", "")[:200],
                                  form.get("price", "")[:100], actor())
    except LinliError as exc:
        return kitchen_page(day, exc.message(), getattr(exc, "field", None), 400)
    return redirect(url_for("care.kitchen", day=day.isoformat()))


@bp.post("/waste/items")
@roles("admin")
def save_waste_item():
    data = {k: request.form.get(k, "")[:100] for k in ("name", "kind", "note", "hidden")}
    try:
        services().care.save_waste_item(data, actor())
    except NotFound:
        raise
    except LinliError as exc:
        from web.care import waste_page

        return waste_page("care.waste", error=exc.message(), error_field=getattr(exc, "field", None)), 400
    return redirect(url_for("care.waste", q=data["name"].strip()[:20]))


@bp.post("/waste/items/<int:item_id>/delete")
@roles("admin")
def delete_waste_item(item_id):
    services().care.delete_waste_item(item_id, actor())
    return redirect(url_for("care.waste"))
