"""First-boot wizard (/setup), the acceptance table (/acceptance) and backups (/system/backups)."""

from __future__ import annotations

import datetime
import functools

from flask import Blueprint, abort, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from appliance.errors import LinliError, ValidationError
from web.auth import READERS, STAFF, actor, load_user, roles, services
from appliance.system.location import CITIES
from web.params import choice_arg, text_arg

bp = Blueprint("system", __name__)

STEPS = ("community", "location", "admin", "time", "network", "gate", "camera", "pairing")
FIELDS = ("name", "address", "password", "password2", "timezone", "clock", "mode", "ssid", "wifi_password", "apn",
          "method", "mqtt_host", "code", "camera_name", "source", "city", "latitude", "longitude")


def system():
    return services().system


@bp.app_context_processor
def _clock_warning():
    # Every page says so while the clock cannot be trusted (votes, logs and alarms need it).
    from appliance.system.clock import clock_known

    return {"clock_unknown": not clock_known(datetime.datetime.now())}


def setup_access(view):
    """Before the wizard is finished: the setup code (or an administrator); after: administrators."""

    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        user = load_user()
        if user is not None and user.role == "admin" and not user.must_change_password:
            return view(*args, **kwargs)
        if user is not None and user.role != "admin":
            abort(403)  # staff and kiosk devices never set up the box
        if not system().wizard.finished() and session.get("setup_code_ok"):
            return view(*args, **kwargs)
        if system().wizard.finished():
            return redirect(url_for("auth.login", next=request.full_path))
        return redirect(url_for("system.setup_home"))

    return wrapped


def _setup_actor() -> str:
    user = load_user()
    return user.username if user is not None else "setup"


@bp.get("/setup")
def setup_home():
    wizard = system().wizard
    user = load_user()
    if user is not None and user.role != "admin":
        abort(403)
    allowed = (user is not None and user.role == "admin") or (not wizard.finished() and session.get("setup_code_ok"))
    if not allowed:
        if wizard.finished():
            return redirect(url_for("auth.login", next=request.full_path))
        return render_template("system/setup_code.html", error=None)
    return render_template("system/setup.html", steps=wizard.steps(), finished=wizard.finished())


@bp.post("/setup/code")
def setup_code():
    user = load_user()
    if user is not None and user.role != "admin":
        abort(403)
    wizard = system().wizard
    if wizard.check_code(text_arg("code", 32, source=request.form)):
        session["setup_code_ok"] = True
        return redirect(url_for("system.setup_home"))
    return render_template("system/setup_code.html", error=_("The setup code is wrong. It is shown on the box's "
                                                             "screen.")), 400


@bp.route("/setup/<step>", methods=["GET", "POST"])
@setup_access
def setup_step(step: str):
    if step not in STEPS:
        abort(404)
    wizard = system().wizard
    errors, values = {}, wizard.values(step)
    if request.method == "POST":
        form = {name: request.form.get(name, "")[:500] for name in FIELDS}
        try:
            wizard.save(step, form, actor=_setup_actor())
        except ValidationError as exc:
            errors[exc.field or "form"] = exc.message()
            values = {**values, **{k: v for k, v in form.items() if "password" not in k and k != "code"}}
        except LinliError as exc:
            errors["form"] = exc.message()
        else:
            return redirect(_next_step_url(step))
    if step == "gate" and request.method == "GET":
        wizard.gate_test.begin()
    template = render_template("system/setup_step.html", step=step, steps=wizard.steps(), values=values,
                               errors=errors, timezones=wizard.timezones() if step == "time" else [],
                               gate=wizard.gate_test.state() if step == "gate" else None,
                               sun=_sun(values) if step == "location" and not errors else None, cities=CITIES,
                               find_timeout=wizard.camera_finder.timeout_s if wizard.camera_finder else 0)
    return template, 400 if errors else 200


@bp.get("/setup/gate/state")
@setup_access
def setup_gate_state():
    return render_template("system/_setup_gate_state.html", gate=system().wizard.gate_test.state())


@bp.post("/setup/gate/click")
@setup_access
def setup_gate_click():
    error = None
    try:
        system().wizard.gate_test.click(_setup_actor())
    except LinliError as exc:
        error = exc.message()
    return render_template("system/_setup_gate_state.html", gate=system().wizard.gate_test.state(),
                           error=error), 400 if error else 200


@bp.post("/setup/camera/snapshot")
@setup_access
def setup_camera_snapshot():
    from appliance.system.wiring import snapshot

    try:
        picture = snapshot(request.form.get("source", "")[:500])
    except ValidationError as exc:
        return render_template("system/_setup_snapshot.html", error=exc.message()), 400
    return render_template("system/_setup_snapshot.html", picture=picture)


def _sun(values: dict) -> dict | None:
    try:
        return system().wizard.sun_preview(values, datetime.date.today())
    except ValidationError:
        return None


@bp.post("/setup/location/preview")
@setup_access
def setup_location_preview():
    form = {name: request.form.get(name, "")[:50] for name in ("city", "latitude", "longitude")}
    try:
        sun = system().wizard.sun_preview(form, datetime.date.today())
    except ValidationError as exc:
        return render_template("system/_setup_sun.html", error=exc.message(), field=exc.field), 400
    return render_template("system/_setup_sun.html", sun=sun)


@bp.post("/setup/camera/find")
@setup_access
def setup_camera_find():
    try:
        cameras = system().wizard.find_cameras()
    except LinliError as exc:
        return render_template("system/_setup_cameras.html", error=exc.message()), 400
    return render_template("system/_setup_cameras.html", cameras=cameras)


@bp.post("/setup/camera/fill")
@setup_access
def setup_camera_fill():
    form = {name: request.form.get(name, "")[:300] for name in ("host", "maker", "xaddr", "camera_user",
                                                                 "camera_password")}
    try:
        source, how = system().wizard.camera_address(form)
    except ValidationError as exc:
        return render_template("system/_setup_source.html", value=request.form.get("source", "")[:300],
                               errors={"source": exc.message()}), 400
    return render_template("system/_setup_source.html", value=source, errors={}, filled=how)


@bp.post("/setup/<step>/skip")
@setup_access
def setup_skip(step: str):
    if step not in STEPS:
        abort(404)
    system().wizard.skip(step, actor=_setup_actor())
    return redirect(_next_step_url(step))


@bp.post("/setup/finish")
@setup_access
def setup_finish():
    wizard = system().wizard
    try:
        wizard.finish(actor=_setup_actor())
    except LinliError as exc:
        return render_template("system/setup.html", steps=wizard.steps(), finished=False,
                               error=exc.message()), 400
    session.pop("setup_code_ok", None)
    return redirect(url_for("auth.login"))


def _next_step_url(step: str) -> str:
    index = STEPS.index(step)
    if index + 1 < len(STEPS):
        return url_for("system.setup_step", step=STEPS[index + 1])
    return url_for("system.setup_home")


@bp.get("/acceptance")
@roles(*READERS)
def acceptance():
    table = system().acceptance
    rows = table.rows()
    return render_template("system/acceptance.html", rows=rows, summary=table.summary(rows),
                           box_id=services().box_id, now_text=datetime.datetime.now().strftime("%Y-%m-%d %H:%M"))


@bp.post("/acceptance/<key>")
@roles(*STAFF)
def acceptance_fill(key: str):
    table = system().acceptance
    status = choice_arg("status", ("pass", "fail", "na"), source=request.form)
    try:
        table.fill(key, status or "", text_arg("evidence", 2000, source=request.form), actor())
    except ValidationError as exc:
        rows = table.rows()
        return render_template("system/acceptance.html", rows=rows, summary=table.summary(rows),
                               box_id=services().box_id, error=exc.message(), error_key=key), 400
    return redirect(url_for("system.acceptance") + f"#row-{key}")


@bp.post("/acceptance/send")
@roles(*STAFF)
def acceptance_send():
    system().acceptance.send_to_district(actor())
    return redirect(url_for("system.acceptance", sent=1))


@bp.get("/system/backups")
@roles("admin")
def backups():
    feature = system()
    return render_template("system/backups.html", backups=feature.backups.list(), updates=feature.updates.status(),
                           bundles=feature.stick_bundles(), started=request.args.get("started"))


@bp.post("/system/update")
@roles("admin")
def update_from_stick():
    system().install_from_stick(text_arg("path", 1000, source=request.form))
    return redirect(url_for("system.backups", started=1))


@bp.post("/system/backups")
@roles("admin")
def backup_now():
    system().backups.create()
    return redirect(url_for("system.backups"))
