"""``linli run``: everything on the production WSGI server (waitress).

The command lives in the web package because it needs the web app, and appliance never
imports web: the ``linli`` CLI finds it through the ``linli.commands`` entry point that
pyproject.toml declares (``python -m appliance run`` is the same).
"""

from __future__ import annotations

import logging
import signal
import sys

from appliance.cli.core import initialise
from appliance.config import load_config
from appliance.i18n import gettext as _


def register(sub) -> None:
    p = sub.add_parser("run", help=_("start everything (web, gate, vision, sync, tasks)"))
    p.add_argument("--host", default=None)
    p.add_argument("--port", type=int, default=None)
    p.add_argument("--init-demo", action="store_true", help=_("on first use, initialise the demo community"))
    p.set_defaults(func=cmd_run)


def cmd_run(args) -> int:
    import waitress

    from appliance.runtime import build_runtime
    from appliance.registry.demo import DEMO_ACCOUNTS
    from web import create_app

    config = load_config()
    if not args.verbose:
        # The service logs at the configured level ([logging] level; the CLI's own default is
        # warnings only), so journald shows what the box did.
        logging.getLogger().setLevel(config.logging.level)
    if config.safe_mode:
        print(_("The configuration file has errors; Linli runs in safe mode (gate locked, vision and sync off) "
                "until they are fixed."), file=sys.stderr)
        for problem in config.problems:
            print("  - " + problem, file=sys.stderr)
    runtime = build_runtime(config)
    if args.init_demo and runtime.services.accounts.count() == 0:
        initialise(runtime, demo=True)
        runtime.close()
        config = load_config()
        runtime = build_runtime(config)
        print(_("Demo community created. Demo accounts:"))
        for username, role, password, _display in DEMO_ACCOUNTS:
            print(f"  {username} / {password}  ({role})")
    app = create_app(config, runtime.services)
    host = args.host or config.web.host
    port = args.port or config.web.port
    runtime.start_background()

    def stop(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    print(_("Linli is running: open http://%(host)s:%(port)s/ (kiosk: /kiosk). Press Ctrl+C to stop.",
            host=shown, port=port), flush=True)
    try:
        waitress.serve(app, host=host, port=port, threads=config.web.threads, ident="linli",
                       max_request_body_size=config.web.max_upload_mb * 1024 * 1024 + 65536)
    except KeyboardInterrupt:
        pass
    finally:
        runtime.close()
    return 0
