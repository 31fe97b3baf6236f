"""Update bundles the box finds on a USB stick (the same stick district staff use for sync),
under ``linli/updates/*.lub``. The backups page lists each with what the check says, and an
administrator starts the install with one button.

The install runs outside linli.service (``systemd-run``): ``apply`` restarts the service,
which would otherwise end the process doing the install. Off the box a simulated launcher
keeps a history of what it was asked to start.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from appliance.errors import LinliError
from appliance.i18n import N_
from appliance.system.bundle import SUFFIX

STICK_FOLDER = Path("linli") / "updates"


@dataclass(frozen=True)
class StickBundle:
    path: Path
    version: str
    ok: bool
    detail: str  # the refusal, translated at display; empty when ok


def bundles_on_sticks(updates, sticks) -> list[StickBundle]:
    found = []
    for stick in sticks():
        folder = Path(stick) / STICK_FOLDER
        for path in sorted(folder.glob(f"*{SUFFIX}")) if folder.is_dir() else []:
            try:
                manifest = updates.check(path)
            except LinliError as exc:
                found.append(StickBundle(path, "", False, exc.message()))
            else:
                found.append(StickBundle(path, manifest.version, True, ""))
    return found


class SystemdRunLauncher:
    def __init__(self, linli_bin: str = "/var/lib/linli/app/current/venv/bin/linli"):
        self.linli_bin = linli_bin

    def start_apply(self, path: Path) -> None:
        if shutil.which("systemd-run") is None:
            raise LinliError(N_("systemctl was not found: updates are applied on the box itself."))
        done = subprocess.run(["systemd-run", "--unit=linli-update", "--collect", "--setenv=LINLI_HOME=/var/lib/linli",
                               self.linli_bin, "update", "apply", str(path)], capture_output=True, text=True,
                              timeout=30)
        if done.returncode != 0:
            raise LinliError(N_("The update could not be started: %(error)s"), error=done.stderr.strip()[-300:])


class SimulatedLauncher:
    def __init__(self):
        self.history: list[str] = []

    def start_apply(self, path: Path) -> None:
        self.history.append(str(path))
