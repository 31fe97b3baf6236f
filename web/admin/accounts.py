"""Staff accounts (admin only) and the audit log."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for

from appliance.errors import LinliError
from appliance.validation import clean_date
from web.admin import bp
from web.auth import READERS, actor, roles, services
from web.once import redirect_after, taken
from web.params import page_arg


@bp.get("/users")
@roles("admin")
def users(errors=None, form=None):
    shown = taken()  # what the form just done left for this page: shown once, never on a reload
    # A one-time password is on this page only once: no browser or proxy cache keeps it.
    return render_template("admin/users.html", users=services().accounts.list(), errors=errors or {},
                           form=form or {}, created=shown.get("created"), reset=shown.get("reset")), \
        400 if errors else 200, {"Cache-Control": "no-store"}


@bp.post("/users")
@roles("admin")
def user_create():
    form = request.form
    try:
        user = services().accounts.create(form.get("username", ""), form.get("role", ""), form.get("password", ""),
                                          display_name=form.get("display_name", ""), actor=actor())
    except LinliError as exc:
        return users({getattr(exc, "field", None) or "form": exc.message()}, form)
    return redirect_after(url_for("admin.users"), created=user.username)


@bp.post("/users/<int:user_id>/active")
@roles("admin")
def user_active(user_id):
    services().accounts.set_active(user_id, request.form.get("active") == "1", actor())
    return redirect(url_for("admin.users"))


@bp.post("/users/<int:user_id>/password")
@roles("admin")
def user_password_reset(user_id):
    """A one-time password, shown on this answer only; never stored in plain text."""
    try:
        user, password = services().accounts.reset_password(user_id, actor())
    except LinliError as exc:
        if getattr(exc, "field", None) is None:
            raise
        return users({"account": exc.message()})
    return redirect_after(url_for("admin.users"), reset={"username": user.username, "password": password})


@bp.post("/users/<int:user_id>/role")
@roles("admin")
def user_role(user_id):
    try:
        services().accounts.set_role(user_id, request.form.get("role", ""), actor())
    except LinliError as exc:
        if getattr(exc, "field", None) is None:
            raise
        return users({"account": exc.message()})
    return redirect(url_for("admin.users"))


@bp.get("/audit")
@roles(*READERS)
def audit():
    args = request.args
    filters = {"actor": args.get("actor", "")[:100] or None, "entity": args.get("entity", "")[:50] or None,
               "date_from": _day(args.get("date_from")), "date_to": _day(args.get("date_to"))}
    page = page_arg()
    entries, more = services().audit.entries(page=page, **filters)
    return render_template("admin/audit.html", entries=entries, more=more, page=page, filters=filters,
                           choices=services().audit.filter_choices())


def _day(text):
    """A date filter; a bad one is dropped, never an error page."""
    try:
        return clean_date(text, "date")
    except LinliError:
        return None
