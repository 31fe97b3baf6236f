"""The gate panel: live state, remote open with a reason, fire-alarm reset, simulated inputs."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for

from appliance.errors import LinliError
from appliance.i18n import N_
from web.access import bp
from web.once import redirect_after, taken
from web.auth import READERS, STAFF, actor, roles, services


def _panel(message=None, error=None, status=200):
    access = services().access
    message = message or taken().get("message")
    template = "access/_gate_state.html" if request.headers.get("HX-Request") == "true" else "access/gate.html"
    return render_template(template, gate=access.gate_status(), message=message, error=error,
                           history=_history(access)), status


EVENT_LABELS = {
    "started": N_("started"), "opened": N_("opened"), "locked": N_("locked"), "exit_button": N_("exit button"),
    "door_opened": N_("door opened"), "door_closed": N_("door closed"), "forced_open": N_("door forced open"),
    "held_open": N_("door held open"), "fire_alarm": N_("fire alarm"), "fire_reset": N_("fire alarm reset"),
    "fail_safe": N_("fail-safe release"),
}


def _history(access):
    from appliance.i18n import gettext as _

    gate = access.gate
    if gate is None:
        return []
    return [_(EVENT_LABELS.get(kind, kind)) for _t, kind, _d in list(gate.history)[-8:]][::-1]


def _done(message):
    if request.headers.get("HX-Request") == "true":
        return _panel(message=message)
    return redirect_after(url_for("access.gate"), message=message)


@bp.get("/gate")
@roles(*READERS)
def gate():
    return _panel()


@bp.get("/gate/state")
@roles(*READERS)
def gate_state():
    access = services().access
    return render_template("access/_gate_state.html", gate=access.gate_status(), history=_history(access))


@bp.post("/gate/open")
@roles(*STAFF)
def gate_open():
    from appliance.i18n import gettext as _

    try:
        decision = services().access.remote_open(request.form.get("reason", ""), actor())
    except LinliError as exc:
        return _panel(error=exc.message(), status=400)
    if not decision.granted:
        return _panel(error=_(decision.msgid), status=409)
    return _done(_(decision.msgid))


@bp.post("/gate/fire/reset")
@roles(*STAFF)
def fire_reset():
    from appliance.i18n import gettext as _

    if services().access.reset_fire(actor()):
        return _done(_("Fire alarm reset. The gate is locked again."))
    return _panel(error=_("The fire panel still signals an alarm; it cannot be reset yet."), status=409)


@bp.post("/gate/simulate/<action>")
@roles(*STAFF)
def simulate(action):
    services().access.simulate(action, actor())
    if request.headers.get("HX-Request") == "true":
        return gate_state()
    return redirect(url_for("access.gate"))
