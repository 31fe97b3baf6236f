"""``linli open311 key add NAME | list | revoke NAME``: API keys for GeoReport v2 clients.
The new key is printed once; only its hash is kept."""

from __future__ import annotations

import getpass

from appliance.cli.common import open_runtime
from appliance.i18n import gettext as _


def register(sub) -> None:
    p = sub.add_parser("open311", help=_("Open311 GeoReport v2: API keys for city systems"))
    osub = p.add_subparsers(dest="open311_command", metavar="ACTION")
    osub.required = True
    k = osub.add_parser("key", help=_("add, list or revoke API keys"))
    ksub = k.add_subparsers(dest="key_command", metavar="ACTION")
    ksub.required = True
    a = ksub.add_parser("add", help=_("issue a new key and print it (shown only once)"))
    a.add_argument("name")
    a.set_defaults(func=cmd_add)
    a = ksub.add_parser("list", help=_("list the keys (never the keys themselves)"))
    a.set_defaults(func=cmd_list)
    a = ksub.add_parser("revoke", help=_("stop a key from working"))
    a.add_argument("name")
    a.set_defaults(func=cmd_revoke)


def _actor() -> str:
    try:
        return "cli:" + getpass.getuser()
    except (KeyError, OSError):
        return "cli"


def cmd_add(args) -> int:
    with open_runtime() as rt:
        _row, key = rt.services.participation.keys.add(args.name, _actor())
    print(key)
    return 0


def cmd_list(args) -> int:
    with open_runtime() as rt:
        for row in rt.services.participation.keys.list():
            state = _("revoked %(at)s", at=row.revoked_at) if row.revoked_at else _("active")
            used = row.last_used_at.strftime("%Y-%m-%d %H:%M") if row.last_used_at else "-"
            print(f"{row.name}\t{row.prefix}…\t{state}\t{used}")
    return 0


def cmd_revoke(args) -> int:
    with open_runtime() as rt:
        row = rt.services.participation.keys.revoke(args.name, _actor())
    print(_("%(name)s revoked", name=row.name))
    return 0
