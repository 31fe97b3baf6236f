"""Update bundles the box finds on a USB stick (the same stick district staff use for sync),
under ``linli/updates/*.lub``. The backups page lists each with what the check says, and an
administrator starts the install with one button.

The install runs outside linli.service (``systemd-run``): ``apply`` restarts the service,
which would otherwise end the process doing the install. Off the box a simulated launcher
keeps a history of what it was asked to start.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from appliance.errors import LinliError
from appliance.i18n import N_
from appliance.system.bundle import SUFFIX

STICK_FOLDER = Path("linli") / "updates"
# Under $LINLI_HOME: bundles copied off a stick (or received from the district) and checked
# again there, so staff can install after the stick has gone back to the office.
STAGED_FOLDER = Path("updates") / "staged"
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class StickBundle:
    path: Path
    version: str
    ok: bool
    detail: str  # the refusal, translated at display; empty when ok


def bundles_on_sticks(updates, sticks) -> list[StickBundle]:
    return [bundle for stick in sticks() for bundle in checked_bundles(updates, Path(stick) / STICK_FOLDER)]


def checked_bundles(updates, folder: Path) -> list[StickBundle]:
    """Every bundle in ``folder`` with the result of its signature and board check."""
    found = []
    for path in sorted(folder.glob(f"*{SUFFIX}")) if folder.is_dir() else []:
        try:
            manifest = updates.check(path)
        except LinliError as exc:
            found.append(StickBundle(path, "", False, exc.message()))
        else:
            found.append(StickBundle(path, manifest.version, True, ""))
    return found


def stage(updates, found: list[StickBundle], folder: Path) -> list[Path]:
    """Copy each bundle that passed the check into ``folder``; the copy is checked again before
    it gets its name, so a stick pulled mid-copy leaves nothing half staged. Never applies."""
    staged = []
    folder.mkdir(parents=True, exist_ok=True)
    for bundle in found:
        if not bundle.ok:
            continue
        target = folder / bundle.path.name
        try:
            if target.exists() and target.stat().st_size == bundle.path.stat().st_size:
                continue
            part = target.with_name(target.name + ".part")
            shutil.copyfile(bundle.path, part)
            try:
                updates.check(part)
            except LinliError:
                part.unlink(missing_ok=True)
                continue
            os.replace(part, target)
        except OSError as exc:
            logger.warning("could not stage %s: %s", bundle.path.name, exc)
            continue
        staged.append(target)
        logger.info("update bundle %s staged", target.name)
    return staged


def staged_bundles(updates, folder: Path) -> list[StickBundle]:
    return checked_bundles(updates, folder)


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
