"""Staff pages for work orders: the queue (overdue first, in red), one order with its
timeline and actions (assign, note, status, merge), and the weekly chart."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext as _

from appliance.errors import LinliError, ValidationError
from appliance.workorders import states
from appliance.workorders.categories import MACHINE_GROUPS, MAX_DUE_HOURS
from appliance.workorders.place import place_words
from appliance.workorders.service import QUEUE_FILTERS
from web.auth import READERS, STAFF, actor, load_user, roles, services
from web.params import choice_arg, int_arg, page_arg, text_arg

bp = Blueprint("workorders", __name__, url_prefix="/workorders")
MAX_NOTE = 2000


def wo():
    return services().workorders


@bp.app_template_filter("wo_status")
def _status_word(status: str) -> str:
    return states.status_word(status)


@bp.app_template_filter("wo_action")
def _action_word(status: str) -> str:
    return states.action_word(status)


@bp.app_template_filter("wo_source")
def _source_word(source: str) -> str:
    return states.source_word(source)


@bp.app_template_filter("wo_actor")
def _actor_word(name: str) -> str:
    if name in ("", "system"):
        return _("Linli")
    if name.startswith("resident:"):
        return _("the resident")
    return name


@bp.app_context_processor
def _badge():
    # The nav shows how many orders are overdue, on every staff page.
    if load_user() is None:
        return {"workorders_badge": 0}
    return {"workorders_badge": wo().overdue_count()}


@bp.app_template_filter("wo_place")
def _place(order) -> str:
    return place_words(order)


@bp.get("/")
@roles(*READERS)
def queue():
    status = choice_arg("status", QUEUE_FILTERS, "open")
    category = text_arg("category", 40) or None
    overdue = True if choice_arg("overdue", ("1",)) else None
    page = page_arg()
    rows, more = wo().queue(status, category, overdue, page)
    context = {"orders": rows, "more": more, "page": page, "status": status, "category": category or "",
               "overdue": overdue, "categories": wo().categories(active_only=False), "filters": QUEUE_FILTERS,
               "late": {o.id for o in rows if wo().is_overdue(o)}}
    if request.headers.get("HX-Request") == "true" and request.headers.get("HX-Target") == "wo-queue":
        return render_template("workorders/_queue.html", **context)
    return render_template("workorders/queue.html", **context)


@bp.get("/stats")
@roles(*READERS)
def stats():
    weeks = int_arg("weeks", 12, lo=4, hi=52)
    return render_template("workorders/stats.html", figures=wo().stats(weeks), weeks=weeks)


def _order_page(order_id, error: str | None = None, field: str | None = None, form=None):
    """The order with its timeline: the htmx panel or the whole page (400 after bad input)."""
    service = wo()
    order = service.get(order_id)
    context = {"order": order, "timeline": service.timeline(order_id), "late": service.is_overdue(order),
               "moves": service.next_statuses(order), "assignees": service.assignees(),
               "error": error, "error_field": field, "form": form or {}}
    if request.headers.get("HX-Request") == "true":
        return render_template("workorders/_order.html", **context), 200
    return render_template("workorders/order.html", **context), 400 if error else 200


@bp.get("/<int:order_id>")
@roles(*READERS)
def order(order_id):
    return _order_page(order_id)


def _act(order_id, action):
    """Run one change; bad input comes back on the same page, naming the field."""
    try:
        action()
    except LinliError as exc:
        return _order_page(order_id, exc.message(), getattr(exc, "field", None), request.form)
    if request.headers.get("HX-Request") == "true":
        return _order_page(order_id)
    return redirect(url_for("workorders.order", order_id=order_id))


def _public() -> bool:
    return request.form.get("public") == "1"


def _text(name: str) -> str:
    value = request.form.get(name, "")
    if len(value) > MAX_NOTE:
        raise ValidationError("Too long (at most %(n)s characters).", field=name, n=MAX_NOTE)
    return value


@bp.post("/<int:order_id>/assign")
@roles(*STAFF)
def assign(order_id):
    return _act(order_id, lambda: wo().assign(order_id, _text("assignee"), actor()))


@bp.post("/<int:order_id>/note")
@roles(*STAFF)
def note(order_id):
    return _act(order_id, lambda: wo().add_note(order_id, _text("text"), _public(), actor()))


@bp.post("/<int:order_id>/status")
@roles(*STAFF)
def status(order_id):
    def move():
        target = request.form.get("to", "").strip()[:40]
        if not target:
            raise ValidationError("Choose the new status.", field="to")
        wo().transition(order_id, target, actor(), note=_text("note"), public=_public())

    return _act(order_id, move)


@bp.post("/<int:order_id>/merge")
@roles(*STAFF)
def merge(order_id):
    return _act(order_id, lambda: wo().merge(order_id, text_arg("into", 60, source=request.form), actor()))


CATEGORY_FIELDS = ("name_zh", "name_en", "due_hours", "default_assignee", "group", "active")


def _categories_page(error=None, field=None, code=None, form=None, status=200):
    service = wo()
    context = {"rows": service.categories(active_only=False), "accounts": service.account_names(),
               "error": error, "error_field": field, "error_code": code, "form": form or {},
               "machine_groups": MACHINE_GROUPS, "max_due": MAX_DUE_HOURS}
    return render_template("workorders/categories.html", **context), status


@bp.get("/categories")
@roles(*READERS)
def categories():
    return _categories_page()


@bp.post("/categories/<code>")
@roles("admin")
def save_category(code):
    data = {k: request.form.get(k, "") for k in CATEGORY_FIELDS if k != "active"}
    data["active"] = "1" if request.form.get("active") == "1" else "0"
    try:
        wo().update_category(code[:40], data, actor())
    except LinliError as exc:
        return _categories_page(exc.message(), getattr(exc, "field", None), code[:40], request.form, 400)
    return redirect(url_for("workorders.categories", saved=code[:40]) + "#cat-" + code[:40])
