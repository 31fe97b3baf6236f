"""Setting the box's time zone and clock: ``timedatectl`` on the box, simulated elsewhere."""

from __future__ import annotations

import datetime
import shutil
import subprocess


class ClockError(Exception):
    pass


class TimedatectlClock:
    def _run(self, *args: str) -> None:
        if shutil.which("timedatectl") is None:
            raise ClockError("timedatectl (systemd) is not available on this machine")
        done = subprocess.run(["timedatectl", *args], capture_output=True, text=True, timeout=30)
        if done.returncode != 0:
            raise ClockError(done.stderr.strip()[-300:])

    def set_timezone(self, zone: str) -> None:
        self._run("set-timezone", zone)

    def set_time(self, when: datetime.datetime) -> None:
        # Only possible while NTP is off or unreachable; the box then keeps this time.
        self._run("set-ntp", "false")
        self._run("set-time", when.strftime("%Y-%m-%d %H:%M:%S"))


class SimulatedClock:
    def __init__(self):
        self.history: list[tuple[str, str]] = []

    def set_timezone(self, zone: str) -> None:
        self.history.append(("timezone", zone))

    def set_time(self, when: datetime.datetime) -> None:
        self.history.append(("time", when.isoformat()))
