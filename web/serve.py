"""``linli run``: everything on the production WSGI server (waitress).

The command lives in the web package because it needs the web app, and appliance never
imports web: the ``linli`` CLI finds it through the ``linli.commands`` entry point that
pyproject.toml declares (``python -m appliance run`` is the same).
"""

from __future__ import annotations

import io
import logging
import signal
import sys

from waitress.channel import HTTPChannel
from waitress.task import ErrorTask, WSGITask
from waitress.utilities import RequestEntityTooLarge

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
    server = make_server(app, host, port, threads=config.web.threads, max_upload_mb=config.web.max_upload_mb)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        runtime.close()
    return 0


class _TooLargeAnsweredByTheApp(WSGITask):
    """Waitress refuses a body over its limit before the app sees it, with its own English page.
    The app answers instead (its translated 413, with a way back): it gets the request's headers,
    an empty body and a length it will refuse. The body is never read or stored, and the
    connection closes after the answer. Every other protocol error keeps waitress's answer."""

    def execute(self):
        if not isinstance(self.request.error, RequestEntityTooLarge):
            self.complete = True
            return ErrorTask.execute(self)
        self.set_close_on_finish()
        super().execute()
        self.set_close_on_finish()

    def get_environment(self):
        environ = super().get_environment()
        if isinstance(self.request.error, RequestEntityTooLarge):
            declared = int(environ.get("CONTENT_LENGTH") or 0)
            environ["CONTENT_LENGTH"] = str(max(declared, self.channel.server.adj.max_request_body_size))
            environ["wsgi.input"] = io.BytesIO()
            environ.pop("HTTP_TRANSFER_ENCODING", None)
        return environ


class _Channel(HTTPChannel):
    error_task_class = _TooLargeAnsweredByTheApp


def make_server(app, host: str, port: int, *, threads: int, max_upload_mb: int, **kw):
    """The production server. Waitress stops reading a body a little over the app's upload cap
    (so nothing huge is spooled to the SD card), and the app says why in the person's language."""
    from waitress.server import create_server

    server = create_server(app, host=host, port=port, threads=threads, ident="linli",
                           max_request_body_size=max_upload_mb * 1024 * 1024 + 65536, **kw)
    server.channel_class = _Channel
    return server
