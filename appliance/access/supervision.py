"""systemd watchdog for ``linli run``: ping only while the gate's supervisor loop is alive.

A process that still serves web pages but whose gate loop hangs is not healthy: systemd
(``WatchdogSec=``) kills and restarts it, and the new process releases the relay at start.
"""

from __future__ import annotations

import logging
import threading

logger = logging.getLogger(__name__)


def start_watchdog(notifier, alive, stop: threading.Event) -> threading.Thread | None:
    """``alive()`` -> bool is asked before every ping; returns the thread (None without systemd)."""
    if not notifier.enabled:
        return None
    notifier.ready()
    interval = notifier.ping_interval()
    if interval is None:
        return None

    def run():
        while not stop.wait(interval):
            try:
                healthy = alive()
            except Exception:
                logger.exception("watchdog probe failed")
                healthy = False
            if healthy:
                notifier.ping()
            else:
                logger.error("gate supervisor is not alive; withholding the watchdog ping")
        notifier.stopping()

    thread = threading.Thread(target=run, name="watchdog", daemon=True)
    thread.start()
    return thread
