"""init, run, check-config, selfcheck and user commands."""

from __future__ import annotations

import logging
import sys

from appliance.cli.common import open_runtime
from appliance.config import explain, load_config
from appliance.i18n import gettext as _

logger = logging.getLogger(__name__)


def register(sub) -> None:
    p = sub.add_parser("init", help=_("create the data folder, database and an admin account"))
    p.add_argument("--demo", action="store_true", help=_("add a demo community"))
    p.set_defaults(func=cmd_init)

    p = sub.add_parser("check-config", help=_("validate config.toml and name every bad key"))
    p.add_argument("--explain", action="store_true", help=_("list every setting with its default and help"))
    p.set_defaults(func=cmd_check_config)

    p = sub.add_parser("selfcheck", help=_("print each subsystem OK/FAIL with the fix"))
    p.add_argument("--details", action="store_true", help=_("also print the technical values"))
    p.set_defaults(func=cmd_selfcheck)

    p = sub.add_parser("user", help=_("staff accounts"))
    usub = p.add_subparsers(dest="user_command", metavar="ACTION")
    usub.required = True
    a = usub.add_parser("add", help=_("add an account"))
    a.add_argument("name")
    a.add_argument("--role", required=True, choices=("admin", "volunteer", "district", "kiosk"))
    a.add_argument("--password-stdin", action="store_true", help=_("read the password from standard input"))
    a.set_defaults(func=cmd_user_add)
    a = usub.add_parser("passwd", help=_("set an account's password (ends its sessions)"))
    a.add_argument("name")
    a.add_argument("--password-stdin", action="store_true", help=_("read the password from standard input"))
    a.set_defaults(func=cmd_user_passwd)


def initialise(runtime, demo: bool) -> str | None:
    """Create the first admin (returns its one-time password) and the demo data if asked."""
    from appliance.registry.demo import create_demo

    accounts = runtime.services.accounts
    password = None
    cameras = ""
    if demo:
        from appliance.firelane.demo import create_demo_lane

        made = create_demo(runtime.db, accounts)
        logger.info("demo community: %s", made)
        cameras = create_demo_lane(runtime.config.home, runtime.services.firelane)
    if not any(u.role == "admin" for u in accounts.list()):
        password = accounts.generate_password()
        accounts.create("admin", "admin", password, display_name=_("Administrator"), actor="init")
    if demo:
        _write_demo_flag(runtime.config.home, cameras)
    return password


def _write_demo_flag(home, extra: str = "") -> None:
    path = home / "config.toml"
    if not path.exists():
        path.write_text("# Linli configuration. `linli check-config --explain` lists every setting.\n"
                        "[box]\ndemo = true\n" + extra, encoding="utf-8")


def cmd_init(args) -> int:
    from appliance.registry.demo import DEMO_ACCOUNTS

    with open_runtime() as runtime:
        first_use = runtime.services.accounts.count() == 0
        password = initialise(runtime, args.demo)
        print(_("Data folder: %(path)s", path=runtime.config.home))
        if password:
            print(_("Admin account: admin  one-time password: %(password)s", password=password))
            print(_("Write it down now; it is not shown again."))
        code = runtime.services.system.wizard.ensure_code() if runtime.services.system else None
        if code:
            print(_("Setup code for the first-boot pages (http://THIS-BOX:%(port)s/setup): %(code)s",
                    port=runtime.config.web.port, code=code))
        elif args.demo and first_use:
            print(_("Demo community created. Demo accounts:"))
            for username, role, demo_password, _display in DEMO_ACCOUNTS:
                print(f"  {username} / {demo_password}  ({role})")
        else:
            print(_("Already initialised; no new admin account created."))
        if args.demo:
            counts = runtime.services.registry.counts()
            print(_("Demo community: %(buildings)s buildings, %(units)s units, %(residents)s residents, "
                    "%(vehicles)s vehicles.", **counts))
    return 0


def cmd_check_config(args) -> int:
    if args.explain:
        for key, default, help_text in explain():
            # The key and its default are what a person types into config.toml; the help is in their language.
            print(f"{key} = {default!r}\n    {_(help_text) if help_text else ''}")
        return 0
    config = load_config()
    if config.problems:
        print(_("config.toml has %(n)s problem(s):", n=len(config.problems)))
        for problem in config.problems:
            print("  - " + problem)
        return 1
    print(_("config.toml is valid."))
    return 0


def cmd_selfcheck(args) -> int:
    with open_runtime(hardware=True) as runtime:
        report = runtime.services.health.report()
    for result in report["subsystems"].values():
        mark = _("Normal") if result["ok"] else _("Has a problem")
        print(f"{'✔' if result['ok'] else '✖'} {mark}  {result['label']}：{result['detail']}")
        if getattr(args, "details", False) and result.get("technical"):
            print("      " + _("Details: %(text)s", text=result["technical"]))
    return 0 if report["ok"] else 1


def cmd_user_add(args) -> int:
    if not args.password_stdin:
        print(_("Give the password on standard input with --password-stdin."), file=sys.stderr)
        return 2
    password = sys.stdin.readline().rstrip("\r\n")
    with open_runtime() as runtime:
        user = runtime.services.accounts.create(args.name, args.role, password, actor="cli")
    from appliance.services.audit_words import STAFF_ROLES

    print(_("Account %(name)s created with role %(role)s.", name=user.username,
            role=_(STAFF_ROLES[user.role]) if user.role in STAFF_ROLES else user.role))
    return 0


def cmd_user_passwd(args) -> int:
    if not args.password_stdin:
        print(_("Give the password on standard input with --password-stdin."), file=sys.stderr)
        return 2
    password = sys.stdin.readline().rstrip("\r\n")
    with open_runtime() as runtime:
        accounts = runtime.services.accounts
        user = accounts.set_password(accounts.by_name(args.name).id, password, actor="cli")
    print(_("The password of %(name)s is changed; every session of this account has ended.", name=user.username))
    return 0
