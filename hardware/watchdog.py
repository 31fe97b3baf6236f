"""systemd notify protocol (sd_notify) without a dependency: READY=1, WATCHDOG=1, STATUS=.

With ``WatchdogSec=`` in the unit, systemd kills and restarts the service when no
WATCHDOG=1 arrives in time. The caller pings only while the gate's supervisor loop is
alive, so a hung gate (not just a hung process) leads to a restart, and the restarted
process releases the relay at start.
"""

from __future__ import annotations

import logging
import os
import socket

logger = logging.getLogger(__name__)


class SystemdNotifier:
    def __init__(self, environ=None):
        env = os.environ if environ is None else environ
        self.address = env.get("NOTIFY_SOCKET") or None
        usec = env.get("WATCHDOG_USEC")
        pid = env.get("WATCHDOG_PID")
        valid = usec and usec.isdigit() and (not pid or pid == str(os.getpid()))
        self.watchdog_s = int(usec) / 1_000_000 if valid else None
        self.sent: list[str] = []  # what was sent, for status pages and tests

    @property
    def enabled(self) -> bool:
        return self.address is not None

    def ping_interval(self) -> float | None:
        """Half the watchdog period, as systemd recommends; None when no watchdog is set."""
        return self.watchdog_s / 2 if self.watchdog_s else None

    def notify(self, message: str) -> bool:
        if not self.address:
            return False
        address = self.address
        if address.startswith("@"):  # abstract namespace socket
            address = "\0" + address[1:]
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
                sock.connect(address)
                sock.sendall(message.encode())
        except OSError as exc:
            logger.warning("sd_notify failed: %s", exc)
            return False
        self.sent.append(message)
        return True

    def ready(self) -> bool:
        return self.notify("READY=1")

    def ping(self) -> bool:
        return self.notify("WATCHDOG=1")

    def status(self, text: str) -> bool:
        return self.notify(f"STATUS={text}")

    def stopping(self) -> bool:
        return self.notify("STOPPING=1")
