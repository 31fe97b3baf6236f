"""``linli gate``: ask the running service to open or report the gate; manage PINs and passes.

Opening goes through the running process (it alone owns the GPIO pins); PINs and visitor
passes only touch the database, so they work while Linli runs or not.
"""

from __future__ import annotations

import getpass
import sys

from appliance.cli.common import open_runtime
from appliance.config import linli_home
from appliance.i18n import gettext as _


def register(sub) -> None:
    p = sub.add_parser("gate", help=_("gate: open remotely, status, fire reset, PINs, visitor passes"))
    gsub = p.add_subparsers(dest="gate_command", metavar="ACTION")
    gsub.required = True
    a = gsub.add_parser("open", help=_("open the gate now (the reason goes to the access log)"))
    a.add_argument("--reason", required=True)
    a.set_defaults(func=cmd_open)
    a = gsub.add_parser("status", help=_("show the relay, door and fire-alarm state"))
    a.add_argument("--details", action="store_true", help=_("also print the technical values"))
    a.set_defaults(func=cmd_status)
    a = gsub.add_parser("reset-fire", help=_("reset the fire alarm hold once the panel is quiet"))
    a.set_defaults(func=cmd_reset_fire)
    a = gsub.add_parser("pin", help=_("give a resident a new PIN (printed once)"))
    a.add_argument("resident_id", type=int)
    a.set_defaults(func=cmd_pin)
    a = gsub.add_parser("pass", help=_("create a visitor pass and print its QR code"))
    a.add_argument("--hours", type=float, default=4)
    a.add_argument("--uses", type=int, default=1)
    a.add_argument("--note", default="")
    a.set_defaults(func=cmd_pass)


def _actor() -> str:
    try:
        return "cli:" + getpass.getuser()
    except (KeyError, OSError):
        return "cli"


def _send(request: dict) -> dict:
    from appliance.access.control import send

    return send(linli_home(), dict(request, actor=_actor()))


def cmd_open(args) -> int:
    answer = _send({"cmd": "open", "reason": args.reason})
    print(answer.get("message") or answer.get("error", ""))
    return 0 if answer.get("ok") else 1


def cmd_status(args) -> int:
    answer = _send({"cmd": "status"})
    gate = answer.get("gate", {})
    for line in gate_lines(gate):
        print(line)
    if getattr(args, "details", False):
        print(_("Details:"))
        for key, value in sorted(gate.items()):
            print(f"  {key}: {value}")
    return 0 if answer.get("ok") else 1


def gate_lines(gate: dict) -> list[str]:
    """The gate's state in plain words, one fact a line, with what to do where something is wrong."""
    if not gate.get("present", True):
        return [_("The gate is not running. Check the gate settings (linli selfcheck says more).")]
    lines = [_("Lock: open") if gate.get("relay_energised") else _("Lock: locked")]
    if gate.get("door_open") is not None:
        lines.append(_("Door: open") if gate.get("door_open") else _("Door: closed"))
    if gate.get("fire_latched"):
        lines.append(_("Fire alarm: the gate is held open until a volunteer resets it (linli gate reset-fire)."))
    else:
        lines.append(_("Fire alarm: none"))
    if gate.get("forced_open"):
        lines.append(_("Alarm: the door was forced open. Go and look."))
    if gate.get("held_open"):
        lines.append(_("Alarm: the door has been open too long. Please close it."))
    beat = gate.get("seconds_since_heartbeat")
    if beat is not None:
        lines.append(_("Gate control: working") if beat < 5 else
                     _("Gate control: not responding. Restart Linli."))
    if gate.get("simulated"):
        lines.append(_("No gate wiring on this machine: the gate is simulated."))
    return lines


def cmd_reset_fire(args) -> int:
    answer = _send({"cmd": "reset_fire"})
    print(_("Fire alarm reset. The gate is locked again.") if answer.get("ok")
          else _("The fire panel still signals an alarm; it cannot be reset yet."))
    return 0 if answer.get("ok") else 1


def cmd_pin(args) -> int:
    with open_runtime() as runtime:
        pin = runtime.services.credentials.new_pin(args.resident_id, _actor())
    print(pin)
    return 0


def cmd_pass(args) -> int:
    import segno

    with open_runtime() as runtime:
        vp, code = runtime.services.credentials.create_pass(_actor(), None, args.hours, args.uses,
                                                                   note=args.note)
    print(_("Valid until %(t)s", t=vp.valid_until))
    print(code)
    if sys.stdout.isatty():
        segno.make(code, error="m").terminal(compact=True)
    return 0
