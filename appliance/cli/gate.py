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
    for key, value in sorted(answer.get("gate", {}).items()):
        print(f"{key}: {value}")
    return 0 if answer.get("ok") else 1


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
