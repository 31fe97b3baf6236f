"""What the gate and the car barrier share: a relay device that keeps a history of events, tells
a listener, releases its relays when an input handler or its supervisor loop fails, and at
interpreter exit.

A mixin in front of gpiozero's CompositeDevice. The device provides ``history``, ``_clock``,
``_on_event``, ``_stop``, ``poll_s``, ``_exit_hook``, ``tick()``, ``_fail_safe(why)`` and
``close()``; ``device_name`` names it in the log.
"""

from __future__ import annotations

import atexit
import logging

logger = logging.getLogger(__name__)


class FailSafeDevice:
    device_name = "device"

    def _event(self, kind: str, detail: dict) -> None:
        self.history.append((self._clock(), kind, detail))
        logger.info("%s: %s", self.device_name, kind)
        if self._on_event is not None:
            try:
                self._on_event(kind, detail)
            except Exception:
                # A broken listener (database locked, ...) must never stop the device.
                logger.exception("%s event listener failed for %s", self.device_name, kind)

    def _guarded(self, handler):
        """``handler`` for a gpiozero input callback: if it fails, the relays are released."""
        def run():
            try:
                handler()
            except Exception:
                logger.exception("%s input handler failed; relays released", self.device_name)
                self._fail_safe("handler error")
        return run

    def _supervise(self) -> None:
        while not self._stop.wait(self.poll_s):
            try:
                self.tick()
            except Exception:
                logger.exception("%s supervisor failed; relays released", self.device_name)
                self._fail_safe("supervisor error")

    def release_on_exit(self) -> None:
        """Release the relays when the interpreter exits (normal exit, sys.exit, an unhandled
        exception in the main thread, SIGTERM turned into an exception by the caller)."""
        if self._exit_hook is None:
            self._exit_hook = self.close
            atexit.register(self._exit_hook)

    def _forget_exit_hook(self) -> None:
        if self._exit_hook is not None:
            atexit.unregister(self._exit_hook)
            self._exit_hook = None
