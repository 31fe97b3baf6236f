"""``linli sync status|now|run``, ``linli sync usb export|import DIR``, ``linli sync pair-usb DIR``."""

from __future__ import annotations

import datetime
import json
import signal
import threading
import time

from appliance.cli.common import open_runtime
from appliance.i18n import gettext as _


def register(sub) -> None:
    p = sub.add_parser("sync", help=_("send data to the district hub and take its messages"))
    ssub = p.add_subparsers(dest="sync_command", metavar="ACTION")
    ssub.required = True
    a = ssub.add_parser("status", help=_("show backlog, last contact and data used this month"))
    a.add_argument("--json", action="store_true", help=_("print JSON"))
    a.set_defaults(func=cmd_status)
    a = ssub.add_parser("now", help=_("send the backlog over MQTT now and wait for the hub's ack"))
    a.add_argument("--timeout", type=float, default=60.0, help=_("seconds to wait"))
    a.set_defaults(func=cmd_now)
    a = ssub.add_parser("run", help=_("run only the sync service in the foreground"))
    a.set_defaults(func=cmd_run)
    a = ssub.add_parser("pair-usb", help=_("pair with the hub whose key is on the stick"))
    a.add_argument("dir")
    a.set_defaults(func=cmd_pair_usb)
    a = ssub.add_parser("pair-code", help=_("pair with the district hub over MQTT using its one-time code"))
    a.add_argument("code")
    a.add_argument("--timeout", type=float, default=30.0, help=_("seconds to wait"))
    a.set_defaults(func=cmd_pair_code)
    u = ssub.add_parser("usb", help=_("sync by USB stick"))
    usub = u.add_subparsers(dest="usb_command", metavar="ACTION")
    usub.required = True
    a = usub.add_parser("export", help=_("write unsent batches onto the stick (reads its acks first)"))
    a.add_argument("dir")
    a.set_defaults(func=cmd_usb_export)
    a = usub.add_parser("import", help=_("read the hub's acks and messages from the stick"))
    a.add_argument("dir")
    a.set_defaults(func=cmd_usb_import)


def _when(ts) -> str:
    return datetime.datetime.fromtimestamp(ts).strftime("%Y-%m-%d %H:%M:%S") if ts else _("never")


def cmd_status(args) -> int:
    with open_runtime() as runtime:
        st = runtime.services.sync.status()
    if args.json:
        print(json.dumps(st, ensure_ascii=False, indent=1, default=str))
        return 0
    print(_("Box: %(box)s  hub: %(hub)s", box=st["box"], hub=st["paired_hub"] or _("not paired")))
    print(_("Backlog: %(n)s entries (acknowledged up to %(seq)s)", n=st["backlog"], seq=st["acked"]))
    print(_("Last contact: %(when)s (%(channel)s)", when=_when(st["last_contact"]),
            channel=st["last_contact_channel"] or "-"))
    print(_("Data this month: %(bytes)s bytes", bytes=st["bytes_this_month"]))
    return 0


def cmd_now(args) -> int:
    with open_runtime() as runtime:
        sync = runtime.services.sync
        if not runtime.config.sync.mqtt_host:
            print(_("No MQTT broker configured ([sync] mqtt_host); use a USB stick: linli sync usb export DIR"))
            return 1
        if not sync.paired:
            print(_("This box is not paired with a district hub yet."))
            return 1
        runtime.start_sync()
        deadline = time.monotonic() + args.timeout
        while time.monotonic() < deadline and sync.backlog() > 0:
            time.sleep(0.2)
        left = sync.backlog()
    print(_("Backlog: %(n)s entries (acknowledged up to %(seq)s)", n=left, seq=sync.acked()))
    return 0 if left == 0 else 1


def cmd_run(args) -> int:
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_a: stop.set())
    with open_runtime() as runtime:
        runtime.start_sync()
        try:
            stop.wait()
        except KeyboardInterrupt:
            pass
    return 0


def cmd_pair_usb(args) -> int:
    from appliance.sync.pairing import pair_from_stick

    with open_runtime() as runtime:
        info = pair_from_stick(runtime.services.sync, args.dir, name=runtime.config.box.name)
    print(_("Paired with hub %(hub)s (key %(fp)s).", hub=info["hub"], fp=info["hub_fingerprint"]))
    print(_("This box's key %(fp)s is on the stick; take it back to the hub.", fp=info["box_fingerprint"]))
    return 0


def cmd_pair_code(args) -> int:
    from appliance.sync.keys import fingerprint
    from appliance.sync.mqtt import pair_over_mqtt

    with open_runtime() as runtime:
        if not runtime.config.sync.mqtt_host:
            print(_("No MQTT broker configured ([sync] mqtt_host); use a USB stick: linli sync usb export DIR"))
            return 1
        reply = pair_over_mqtt(runtime.services.sync, runtime.config.sync, args.code, runtime.config.box.name,
                               args.timeout)
    print(_("Paired with hub %(hub)s (key %(fp)s).", hub=reply["hub"], fp=fingerprint(reply["public_key"])))
    return 0


def cmd_usb_export(args) -> int:
    with open_runtime() as runtime:
        result = runtime.services.sync.channels["usb"].export_to(args.dir)
    print(_("Wrote %(files)s files with %(entries)s entries.", files=result["files"], entries=result["entries"]))
    for name, reason in result["imported"]["refused"]:
        print(_("Refused %(name)s: %(reason)s", name=name, reason=reason))
    return 0


def cmd_usb_import(args) -> int:
    with open_runtime() as runtime:
        result = runtime.services.sync.channels["usb"].import_from(args.dir)
        acked = runtime.services.sync.acked()
    print(_("Acknowledged up to %(seq)s; %(n)s district messages applied.", seq=acked, n=result["down_applied"]))
    for name, reason in result["refused"]:
        print(_("Refused %(name)s: %(reason)s", name=name, reason=reason))
    return 1 if result["refused"] else 0
