"""``linli hub run``, ``linli hub import-usb DIR``, ``linli hub pair-usb DIR``, ``linli hub notice``,
``linli hub broker-config DIR``, ``linli hub box-login BOX``, ``linli hub migrate``, ``linli hub prune``."""

from __future__ import annotations

import contextlib
import logging
import signal
import threading

from appliance.config import load_config
from appliance.i18n import gettext as _

logger = logging.getLogger(__name__)


def register(sub) -> None:
    p = sub.add_parser("hub", help=_("district hub: collect data from boxes, send notices down"))
    hsub = p.add_subparsers(dest="hub_command", metavar="ACTION")
    hsub.required = True
    a = hsub.add_parser("run", help=_("receive batches over MQTT until stopped"))
    a.add_argument("--workers", type=int, default=1, help=_("MQTT workers in this process"))
    a.add_argument("--worker-id", default="", help=_("this worker's stable name (one per systemd instance)"))
    a.set_defaults(func=cmd_run)
    a = hsub.add_parser("import-usb", help=_("import the boxes' batches from a stick, write acks and messages back"))
    a.add_argument("dir")
    a.set_defaults(func=cmd_import_usb)
    a = hsub.add_parser("pair-usb", help=_("put the hub key on a stick and pair the boxes whose keys are on it"))
    a.add_argument("dir")
    a.set_defaults(func=cmd_pair_usb)
    a = hsub.add_parser("pair-code", help=_("print a one-time code to pair a box over MQTT (valid for a day)"))
    a.set_defaults(func=cmd_pair_code)
    a = hsub.add_parser("notice", help=_("queue a notice for boxes"))
    a.add_argument("title")
    a.add_argument("--body", default="")
    a.add_argument("--box", action="append", help=_("box id (repeat); all boxes when left out"))
    a.set_defaults(func=cmd_notice)
    a = hsub.add_parser("broker-config", help=_("write the broker's password and ACL files (one login per box)"))
    a.add_argument("dir", help=_("folder for the passwd and acl files (mosquitto's password_file and acl_file)"))
    a.add_argument("--pid-file", help=_("the broker's pid file: tell it to re-read the files"))
    a.add_argument("--pairing-password", default="",
                   help=_("also write a login that may only ask to pair (for pairing by code over MQTT)"))
    a.set_defaults(func=cmd_broker_config)
    a = hsub.add_parser("box-login", help=_("give a paired box a new broker password"))
    a.add_argument("box")
    a.set_defaults(func=cmd_box_login)
    a = hsub.add_parser("migrate", help=_("bring the hub database up to date"))
    a.set_defaults(func=cmd_migrate)
    a = hsub.add_parser("offer-update", help=_("offer a signed update bundle to the boxes (it goes on every sync "
                                               "stick)"))
    a.add_argument("file", nargs="?", help=_("the bundle (.lub); without it: list what is offered"))
    a.add_argument("--withdraw", metavar="VERSION", help=_("stop offering this version"))
    a.add_argument("--mqtt", metavar="BOX", action="append", default=[],
                   help=_("also send it over MQTT to this box (repeat it; 'all' for every box)"))
    a.set_defaults(func=cmd_offer_update)
    a = hsub.add_parser("broker-ca", help=_("make the broker's TLS certificate under a CA kept by the hub"))
    a.add_argument("--host", action="append", default=[], help=_("name or address boxes use for the broker (repeat)"))
    a.set_defaults(func=cmd_broker_ca)
    a = hsub.add_parser("prune", help=_("delete raw entries older than hub.retention allows (day counts stay)"))
    a.add_argument("--dry-run", action="store_true", help=_("only count what would be deleted"))
    a.set_defaults(func=cmd_prune)


@contextlib.contextmanager
def open_hub():
    from appliance.hub.service import HubService
    from appliance.hub.store import open_hub_db

    config = load_config()
    db = open_hub_db(config.hub.db_url, config.home)
    try:
        yield config, HubService(db, config.hub.id, config.home)
    finally:
        db.close()


def cmd_run(args) -> int:
    import dataclasses

    from appliance.hub.worker import HubWorker

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_a: stop.set())
    with open_hub() as (config, hub):
        workers = []
        base = dataclasses.replace(config.hub, worker_id=args.worker_id) if args.worker_id else config.hub
        for i in range(args.workers):
            cfg = base
            if args.workers > 1:
                cfg = dataclasses.replace(cfg, worker_id=f"{cfg.worker_id or 'w'}-{i}")
            worker = HubWorker(hub, cfg)
            worker.start()
            workers.append(worker)
        print(_("Hub %(hub)s is receiving from %(host)s:%(port)s.", hub=config.hub.id, host=config.hub.mqtt_host,
                port=config.hub.mqtt_port), flush=True)
        try:
            stop.wait()
        except KeyboardInterrupt:
            pass
        for worker in workers:
            worker.stop()
    return 0


def cmd_import_usb(args) -> int:
    from appliance.hub.usb import import_stick

    from appliance.hub.updates import HubUpdates

    with open_hub() as (config, hub):
        report = import_stick(hub, args.dir)
        written = HubUpdates(config.home, config.system.update_keys).to_stick(args.dir)
    for name in written:
        print(_("Update bundle %(name)s put on the stick for the boxes.", name=name))
    for box, info in report["boxes"].items():
        print(_("%(box)s: %(files)s files, %(new)s new entries; ack and messages written.", box=box,
                files=info["files"], new=info["new_entries"]))
    for name, reason in report["refused"]:
        print(_("Refused %(name)s: %(reason)s", name=name, reason=reason))
    return 1 if report["refused"] else 0


def cmd_pair_usb(args) -> int:
    from appliance.hub.usb import write_pairing
    from appliance.sync.keys import fingerprint

    with open_hub() as (_config, hub):
        boxes = write_pairing(hub, args.dir)
        print(_("Hub key %(fp)s is on the stick.", fp=fingerprint(hub.public_key)))
    for box in boxes:
        print(_("Paired box %(box)s.", box=box))
    return 0


def cmd_pair_code(args) -> int:
    from appliance.sync.keys import fingerprint

    with open_hub() as (_config, hub):
        code = hub.new_pair_code()
        print(_("One-time pairing code: %(code)s (hub key %(fp)s). On the box: linli sync pair-code %(code)s",
                code=code, fp=fingerprint(hub.public_key)))
    return 0


def cmd_notice(args) -> int:
    import uuid

    with open_hub() as (_config, hub):
        boxes = args.box or [b.box_id for b in hub.boxes()]
        n = hub.queue_downlink(boxes, "notice", {"uuid": str(uuid.uuid4()), "title": args.title, "body": args.body},
                               actor="cli")
    print(_("Notice queued for %(n)s boxes.", n=n))
    return 0


def cmd_broker_config(args) -> int:
    from appliance.hub.broker import reload_broker, write_broker_files

    with open_hub() as (config, hub):
        out = write_broker_files(hub.broker_accounts(), args.dir, config.hub.mqtt_username,
                                 config.hub.mqtt_password, args.pairing_password)
    print(_("Broker files written: %(passwd)s and %(acl)s, %(n)s box logins.", passwd=str(out["passwd"]),
            acl=str(out["acl"]), n=out["boxes"]))
    if out["without_login"]:
        print(_("Boxes without a login (give them one with linli hub box-login): %(boxes)s",
                boxes=", ".join(out["without_login"])))
    if args.pid_file:
        reload_broker(args.pid_file)
        print(_("The broker re-reads them now."))
    return 0


def cmd_box_login(args) -> int:
    with open_hub() as (_config, hub):
        hub.new_box_login(args.box)
        print(_("New broker login for %(box)s in %(file)s; run linli hub broker-config again.", box=args.box,
                file=str(hub.login_file(args.box))))
    return 0


def cmd_migrate(args) -> int:
    from appliance.hub.store import connect_hub_db, migrate_hub

    config = load_config()
    db = connect_hub_db(config.hub.db_url, config.home)
    try:
        applied = migrate_hub(db)
    finally:
        db.close()
    print(_("Hub database up to date (applied: %(names)s).", names=", ".join(applied) or "-"))
    return 0


def cmd_prune(args) -> int:
    from appliance.hub.retention import parse_policy, prune

    with open_hub() as (config, hub):
        policy = parse_policy(config.hub.retention)
        if not any(policy.values()):
            print(_("hub.retention is not set: every entry is kept."))
            return 0

        def progress(kind: str, n: int) -> None:
            print(_("%(kind)s: %(n)s deleted so far", kind=kind, n=n), end="\r", flush=True)

        done = prune(hub.db, policy, dry_run=args.dry_run, progress=progress)
        if not done.total:
            print(_("Nothing is old enough to delete."))
            return 0
        if done.months:
            if args.dry_run:
                print(_("Whole months that would be dropped (%(n)s entries): %(months)s", n=done.month_rows,
                        months=", ".join(done.months)))
            else:
                print(_("Whole months dropped (%(n)s entries): %(months)s", n=done.month_rows,
                        months=", ".join(done.months)))
        for kind, n in sorted(done.rows.items()):
            if args.dry_run:
                print(_("%(kind)s: %(n)s entries would be deleted", kind=kind, n=n))
            else:
                print(_("%(kind)s: %(n)s entries deleted", kind=kind, n=n))
        if args.dry_run:
            print(_("Dry run: nothing was changed."))
    return 0


def cmd_offer_update(args) -> int:
    from appliance.hub.updates import HubUpdates

    config = load_config()
    updates = HubUpdates(config.home, config.system.update_keys)
    if args.withdraw:
        if not any(p.name == f"linli-{args.withdraw}.lub" for p in updates.offered()):
            print(_("Version %(v)s is not offered.", v=args.withdraw))
            return 1
        if args.mqtt:
            from appliance.hub.updates import withdraw_over_mqtt

            with open_hub() as (config, hub):
                boxes = [b.box_id for b in hub.boxes()] if "all" in args.mqtt else args.mqtt
                n = withdraw_over_mqtt(updates, hub, config.hub, args.withdraw, boxes)
            print(_("Version %(v)s taken off the broker for %(n)s boxes; they drop what they fetched of it.",
                    v=args.withdraw, n=n))
        updates.withdraw(args.withdraw)
        print(_("Version %(v)s is no longer offered; the next sync stick takes it off.", v=args.withdraw))
        return 0
    if args.file:
        manifest = updates.offer(args.file)
        print(_("Version %(v)s (for %(boards)s) is offered: it goes on every sync stick from now on.",
                v=manifest.version, boards=", ".join(manifest.compatible)))
        if args.mqtt:
            from appliance.hub.updates import send_over_mqtt

            with open_hub() as (config, hub):
                boxes = [b.box_id for b in hub.boxes()] if "all" in args.mqtt else args.mqtt

                def progress(n: int, total: int) -> None:
                    print(_("%(n)s of %(total)s boxes", n=n, total=total), end="\r", flush=True)

                n = send_over_mqtt(updates, hub, config.hub, manifest.version, boxes, progress=progress)
            print(_("Version %(v)s sent over MQTT to %(n)s boxes; each fetches it within its data budget.",
                    v=manifest.version, n=n))
        return 0
    for path in updates.offered():
        print(path.name)
    return 0


def cmd_broker_ca(args) -> int:
    from appliance.hub.ca import make_broker_certs

    config = load_config()
    made = make_broker_certs(config.home / "hub" / "broker-ca", config.hub.id, args.host)
    print(_("Broker certificate for %(hosts)s made; CA fingerprint %(fp)s. Add to the broker's listener:",
            hosts=", ".join(args.host), fp=made["fingerprint"]))
    for line in (f"cafile {made['ca']}", f"certfile {made['cert']}", f"keyfile {made['key']}"):
        print("    " + line)
    print(_("Pairing sticks made from now on carry the CA for the boxes (linli/pairing/broker-ca.pem)."))
    return 0
