"""Local control socket: other processes (the ``linli gate`` CLI) ask the one process that
owns the GPIO pins to act, instead of touching the pins themselves.

A unix stream socket in the data folder, mode 0600: only the service's own user (and
root) can connect. One JSON request line, one JSON answer line.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import socketserver
import threading
from pathlib import Path

from appliance.errors import LinliError

logger = logging.getLogger(__name__)

SOCKET_NAME = "gate.sock"


class _Handler(socketserver.StreamRequestHandler):
    def handle(self):
        line = self.rfile.readline(4096)
        if not line.strip():
            return  # a liveness probe (service_running): connect and leave
        try:
            request = json.loads(line)
            answer = self.server.dispatch(request)
        except (ValueError, TypeError):
            answer = {"ok": False, "error": "bad request"}
        except LinliError as exc:
            answer = {"ok": False, "error": exc.message()}
        except Exception:  # top of this thread: log, answer, keep serving
            logger.exception("control request failed")
            answer = {"ok": False, "error": "internal error"}
        try:
            self.wfile.write(json.dumps(answer, ensure_ascii=False).encode() + b"\n")
        except OSError:
            pass  # the client went away


class _Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True

    def __init__(self, path, access):
        self.access = access
        super().__init__(str(path), _Handler)

    def dispatch(self, request: dict) -> dict:
        from appliance.i18n import gettext as _

        cmd = request.get("cmd")
        actor = str(request.get("actor") or "cli")[:64]
        if cmd == "status":
            return {"ok": True, "gate": self.access.gate_status()}
        if cmd == "open":
            d = self.access.remote_open(str(request.get("reason") or ""), actor)
            return {"ok": d.granted, "reason": d.reason, "message": _(d.msgid)}
        if cmd == "reset_fire":
            return {"ok": self.access.reset_fire(actor)}
        return {"ok": False, "error": "unknown command"}


class ControlServer:
    def __init__(self, home: Path, access):
        self.path = Path(home) / SOCKET_NAME
        self.access = access
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self.path.exists():
            self.path.unlink()  # left by a crashed process; this process owns the pins now
        old = os.umask(0o177)
        try:
            self._server = _Server(self.path, self.access)
        finally:
            os.umask(old)
        self._thread = threading.Thread(target=self._server.serve_forever, name="gate-control", daemon=True)
        self._thread.start()

    def close(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
            try:
                self.path.unlink()
            except FileNotFoundError:
                pass


def service_running(home: Path) -> bool:
    """True when a live process answers on the control socket (a stale file does not count)."""
    path = Path(home) / SOCKET_NAME
    if not path.exists():
        return False
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(1.0)
            sock.connect(str(path))
    except OSError:
        return False
    return True


def send(home: Path, request: dict, timeout: float = 5.0) -> dict:
    path = Path(home) / SOCKET_NAME
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(timeout)
            sock.connect(str(path))
            sock.sendall(json.dumps(request, ensure_ascii=False).encode() + b"\n")
            data = b""
            while not data.endswith(b"\n"):
                chunk = sock.recv(65536)
                if not chunk:
                    break
                data += chunk
    except OSError:
        raise LinliError("Linli is not running on this box (no gate control socket); start it with `linli run`.")
    return json.loads(data or b"{}")
