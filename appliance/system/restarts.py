"""What an update uses around the switch: restarting Linli (systemd's unit) or the whole box,
asking /healthz whether a version came up healthy, and which board this is (bundles name the
boards they are for). Off the box, appliance.system.simulated stands in for the restarts."""

from __future__ import annotations

import json
import logging
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

from appliance.errors import LinliError
from appliance.i18n import N_

logger = logging.getLogger(__name__)


class UpdateFailed(LinliError):
    msgid = N_("The update failed.")


class HttpProbe:
    """Asks the box's ``/healthz``. A new version is healthy when it answers and nothing fails
    that did not already fail before the switch: a camera that was broken before is no reason
    to throw away an update, a database that stops working is."""

    def __init__(self, url: str, interval_s: float = 1.0):
        self.url = url
        self.interval_s = interval_s

    def failing(self) -> tuple[set[str] | None, str]:
        """(names of failing subsystems, detail); None when nothing answers."""
        try:
            with urllib.request.urlopen(self.url, timeout=3) as response:
                return self._failing(response.read()), "ok"
        except urllib.error.HTTPError as exc:
            names = self._failing(exc.read())
            return names, f"HTTP {exc.code}: " + ", ".join(sorted(names))
        except (OSError, ValueError) as exc:
            return None, str(exc) or type(exc).__name__

    @staticmethod
    def _failing(body: bytes) -> set[str]:
        try:
            report = json.loads(body or b"{}")
        except ValueError:
            return {"healthz"}
        names = {k for k, v in (report.get("subsystems") or {}).items() if not (v or {}).get("ok")}
        if not names and report.get("ok") is False:
            names = {"healthz"}
        return names

    def wait_healthy(self, timeout_s: float, tolerate: set[str] | frozenset = frozenset()) -> tuple[bool, str]:
        deadline = time.monotonic() + timeout_s
        detail = "no answer"
        while time.monotonic() < deadline:
            names, detail = self.failing()
            if names is not None and names <= set(tolerate):
                return True, "ok" if not names else "ok (already failing before: %s)" % ", ".join(sorted(names))
            time.sleep(self.interval_s)
        return False, detail


class SystemdRebooter:
    """Restarts the whole box (on the box, as root). ``trial``: the restart that tries a freshly
    written system slot; the bootloader already knows (RAUC gave the slot its one start), so
    the command is the same, only the log differs."""

    def __init__(self):
        self.history: list[bool] = []

    def reboot(self, trial: bool) -> None:
        self.history.append(trial)
        logger.warning("restarting the box%s", " into the other system slot, once" if trial else "")
        try:
            done = subprocess.run(["systemctl", "reboot"], capture_output=True, text=True, timeout=60)
        except FileNotFoundError as exc:
            raise UpdateFailed(N_("systemctl was not found: updates are applied on the box itself.")) from exc
        except subprocess.TimeoutExpired as exc:
            raise UpdateFailed(N_("The box could not be restarted: %(error)s"), error=str(exc)) from exc
        if done.returncode != 0:
            raise UpdateFailed(N_("The box could not be restarted: %(error)s"), error=done.stderr.strip()[-300:])


class SystemdRestarter:
    """Restarts the service that runs ``<root>/current`` (on the box, as root)."""

    def __init__(self, unit: str = "linli.service"):
        self.unit = unit
        self.history: list[str] = []

    def restart(self) -> None:
        self.history.append(self.unit)
        try:
            done = subprocess.run(["systemctl", "restart", "--no-block", self.unit], capture_output=True, text=True,
                                  timeout=60)
        except FileNotFoundError as exc:
            raise UpdateFailed(N_("systemctl was not found: updates are applied on the box itself.")) from exc
        if done.returncode != 0:
            raise UpdateFailed(N_("The service could not be restarted: %(error)s"), error=done.stderr.strip())


def detect_board(setting: str = "auto", model_file: Path = Path("/proc/device-tree/compatible")) -> str:
    if setting != "auto":
        return setting
    try:
        text = model_file.read_bytes().decode(errors="replace")
    except OSError:
        return "generic"
    for marker, board in (("raspberrypi,model-zero-2-w", "rpi-zero2w"), ("raspberrypi,4-", "rpi4"),
                          ("raspberrypi,3-", "rpi3"), ("raspberrypi,5-", "rpi5")):
        if marker in text:
            return board
    return "generic"
