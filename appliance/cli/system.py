"""backup, restore and update commands. None of them opens the whole runtime: a backup reads
the database beside a running box, a restore must run while the box is stopped."""

from __future__ import annotations

import getpass
import sys
from pathlib import Path

from appliance.cli.common import Progress
from appliance.config import load_config
from appliance.i18n import gettext as _


def register(sub) -> None:
    p = sub.add_parser("backup", help=_("make, list and restore backups of this box"))
    bsub = p.add_subparsers(dest="backup_command", metavar="ACTION")
    bsub.required = True
    a = bsub.add_parser("create", help=_("back up the database, keys and settings now"))
    a.add_argument("dir", nargs="?", help=_("folder to write to (default: backups/ in the data folder)"))
    a.set_defaults(func=cmd_create)
    a = bsub.add_parser("list", help=_("list the backups in a folder"))
    a.add_argument("dir", nargs="?")
    a.set_defaults(func=cmd_list)
    a = bsub.add_parser("restore", help=_("restore a backup (the box must be stopped)"))
    _restore_args(a)
    a = bsub.add_parser("key", help=_("print this box's recovery code (needed to restore onto a new card)"))
    a.set_defaults(func=cmd_key)

    p = sub.add_parser("restore", help=_("restore a backup (same as `backup restore`)"))
    _restore_args(p)

    p = sub.add_parser("factory-reset", help=_("delete every piece of this community's data from the box"))
    p.add_argument("--yes-delete-everything", action="store_true", help=_("confirm: nothing can be undone"))
    p.set_defaults(func=cmd_factory_reset)

    p = sub.add_parser("update", help=_("apply signed update bundles, with rollback"))
    usub = p.add_subparsers(dest="update_command", metavar="ACTION")
    usub.required = True
    a = usub.add_parser("apply", help=_("check, install and try a bundle; go back if it is not healthy"))
    a.add_argument("file", nargs="?")
    a.add_argument("--request", help=_("take the bundle's path from this file and remove it (the image's "
                                       "linli-update.service)"))
    a.add_argument("--allow-downgrade", action="store_true", help=_("accept a bundle that is not newer"))
    a.set_defaults(func=cmd_apply)
    a = usub.add_parser("check", help=_("only check a bundle's signature, board and contents"))
    a.add_argument("file")
    a.set_defaults(func=cmd_check)
    a = usub.add_parser("confirm", help=_("keep the version on trial if healthy, else go back (run at boot)"))
    a.set_defaults(func=cmd_confirm)
    a = usub.add_parser("status", help=_("running version and the last update"))
    a.set_defaults(func=cmd_status)
    a = usub.add_parser("keygen", help=_("make a signing key pair for bundles (on the build machine)"))
    a.add_argument("name", help=_("path without extension: NAME.key (keep secret) and NAME.pub (for the boxes)"))
    a.set_defaults(func=cmd_keygen)
    a = usub.add_parser("make", help=_("sign a payload into an update bundle (on the build machine)"))
    a.add_argument("payload")
    a.add_argument("out")
    a.add_argument("--key", required=True, help=_("the NAME.key file from keygen"))
    a.add_argument("--version", required=True)
    a.add_argument("--kind", choices=("app", "os"), default="app")
    a.add_argument("--board", action="append", help=_("board it is for (repeat); default: every Pi Linli supports"))
    a.add_argument("--install", nargs="*", default=[], help=_("command run in the new version's folder"))
    a.set_defaults(func=cmd_make)


def _restore_args(p) -> None:
    p.add_argument("file")
    p.add_argument("--other-box", action="store_true", help=_("accept a backup made by another box"))
    p.add_argument("--key", action="store_true", help=_("ask for the recovery code of the box that made the backup"))
    p.set_defaults(func=cmd_restore)


def _backups():
    from appliance.system.setup import make_backups

    config = load_config()
    home = config.home

    def read(name: str) -> str:
        path = home / name
        return path.read_text().strip() if path.is_file() else ""

    return make_backups(config, config.box.id or read("box_id"), read("secret_key"))


def _bytes_progress(desc: str) -> Progress:
    return Progress(desc, unit="B")


def cmd_create(args) -> int:
    backups = _backups()
    bar = _bytes_progress(_("Backing up"))
    try:
        path = backups.create(Path(args.dir) if args.dir else None, progress=bar)
    finally:
        bar.close()
    print(_("Backup written: %(path)s", path=path))
    return 0


def cmd_list(args) -> int:
    found = _backups().list(Path(args.dir) if args.dir else None)
    if not found:
        print(_("No backups."))
        return 0
    for info in found:
        print(f"{info.created}\t{info.box_id}\t{info.size // 1024} KiB\t{info.app_version}\t{info.path}")
    return 0


def cmd_key(args) -> int:
    print(_("Recovery code of this box (write it down and keep it apart from the box):"))
    print(_backups().recovery_code())
    return 0


def cmd_restore(args) -> int:
    from appliance.system.backup import key_from_code

    key = key_from_code(getpass.getpass(_("Recovery code: ")) if sys.stdin.isatty()
                        else sys.stdin.readline()) if args.key else None
    bar = _bytes_progress(_("Restoring"))
    try:
        result = _backups().restore(Path(args.file), key=key, other_box=args.other_box, progress=bar)
    finally:
        bar.close()
    print(_("Restored the backup of %(box)s made %(created)s (%(files)s files). Start Linli again.",
            box=result["box_id"], created=result["created"], files=result["files"]))
    return 0


def _updates():
    from appliance.system.setup import make_updates

    return make_updates(load_config())


def cmd_check(args) -> int:
    manifest = _updates().check(Path(args.file))
    print(_("Bundle OK: version %(version)s (%(kind)s) for %(boards)s, signed by key %(key)s.",
            version=manifest.version, kind=manifest.kind, boards=", ".join(manifest.compatible),
            key=manifest.signed_by))
    return 0


def cmd_apply(args) -> int:
    from appliance.system.stick_updates import take_request

    if bool(args.file) == bool(args.request):
        print(_("Name one bundle: a FILE or --request."), file=sys.stderr)
        return 2
    path = take_request(Path(args.request)) if args.request else Path(args.file)
    bar = Progress(_("Updating"), unit=_("steps"))
    try:
        result = _updates().apply(path, allow_downgrade=args.allow_downgrade, progress=bar)
    finally:
        bar.close()
    if result["result"] == "rebooting":
        print(_("System %(version)s written to slot %(slot)s; restarting into it once to try it.",
                version=result["version"], slot=result["slot"]))
    else:
        print(_("Version %(version)s is running and healthy.", version=result["running"]))
    return 0


def cmd_confirm(args) -> int:
    result = _updates().confirm()
    if result.get("kind") == "os":
        return _print_os_confirm(result)
    if result["result"] == "rolled back":
        print(_("The new version was not healthy (%(detail)s); back to %(running)s.", detail=result["detail"],
                running=result["running"]))
        return 1
    print(_("Running version %(running)s.", running=result["running"] or "-"))
    return 0


def _print_os_confirm(result: dict) -> int:
    if result["result"] == "kept":
        print(_("System %(version)s in slot %(slot)s is healthy and kept.", version=result["version"],
                slot=result["slot"]))
        return 0
    if result["result"] == "rolled back":
        print(_("System %(version)s was not kept (%(detail)s); the box goes back to slot %(slot)s.",
                version=result["version"], detail=result["detail"], slot=result["slot"]))
        return 1
    print(_("System %(version)s is still on trial; the running slot is not known.", version=result["version"]))
    return 0


def cmd_status(args) -> int:
    status = _updates().status()
    print(_("Running version: %(v)s", v=status["running"] or "-"))
    print(_("Board: %(b)s; trusted update keys: %(n)s", b=status["board"], n=status["trusted_keys"]))
    if status.get("trying_os"):
        print(_("Trying system %(version)s in slot %(slot)s since %(since)s.", **status["trying_os"]))
    if status["last"]:
        last = status["last"]
        print(_("Last update: %(version)s %(result)s at %(time)s (%(detail)s)", **last))
    return 0


def cmd_keygen(args) -> int:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from appliance.files import write_private

    key = Ed25519PrivateKey.generate()
    write_private(Path(args.name + ".key"), key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    Path(args.name + ".pub").write_bytes(key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    print(_("Wrote %(key)s (keep it off the boxes) and %(pub)s (copy it into system.update_keys).",
            key=args.name + ".key", pub=args.name + ".pub"))
    return 0


def cmd_make(args) -> int:
    from cryptography.hazmat.primitives import serialization

    from appliance.system.bundle import make_bundle

    key = serialization.load_pem_private_key(Path(args.key).read_bytes(), password=None)
    boards = tuple(args.board) if args.board else ("rpi3", "rpi4", "rpi-zero2w")
    out = make_bundle(Path(args.out), Path(args.payload), key, args.version, kind=args.kind, compatible=boards,
                      install=tuple(args.install))
    print(_("Bundle written: %(path)s", path=out))
    return 0


def cmd_factory_reset(args) -> int:
    from appliance.system.reset import factory_reset

    if not args.yes_delete_everything:
        print(_("This deletes the database, keys, settings and backups on this box. Run again with "
                "--yes-delete-everything to do it."), file=sys.stderr)
        return 1
    config = load_config()
    removed = factory_reset(config.home, config.db_path)
    print(_("Factory reset done: %(n)s items deleted. The next start is a first boot.", n=len(removed)))
    return 0
