"""Update bundles the box finds on a USB stick (the same stick district staff use for sync),
under ``linli/updates/*.lub``. The backups page lists each with what the check says, and an
administrator starts the install with one button.

The install runs outside linli.service (the image's ``linli-update.service``, asked through a
request file): ``apply`` restarts the service, which would otherwise end the process doing
the install. Off the box a simulated launcher
keeps a history of what it was asked to start.
"""

from __future__ import annotations

import logging
import os
import shutil
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


class RequestFileLauncher:
    """Asks the image's ``linli-update.service`` (root) to install a bundle: the path goes into
    the file its path unit watches. Linli runs as the linli user, and starting a unit itself
    would need a polkit rule handing that user root's unit manager."""

    def __init__(self, request_file: Path):
        self.request_file = Path(request_file)

    def start_apply(self, path: Path) -> None:
        if self.request_file.exists():
            raise LinliError(N_("An update is already being installed; wait until it has finished."))
        self.request_file.parent.mkdir(parents=True, exist_ok=True)
        part = self.request_file.with_name(self.request_file.name + ".part")
        try:
            part.write_text(str(path) + "\n")
            os.replace(part, self.request_file)
        except OSError as exc:
            raise LinliError(N_("The update could not be started: %(error)s"), error=str(exc)) from exc
        logger.info("asked for update bundle %s to be installed", Path(path).name)


def take_request(request_file: Path) -> Path:
    """The bundle path in a request (``linli update apply --request``), removed as it is read, so
    a failed install is not started again and again by the path unit."""
    request_file = Path(request_file)
    try:
        text = request_file.read_text().strip()
    except OSError as exc:
        raise LinliError(N_("No update was asked for (%(path)s)."), path=str(request_file)) from exc
    request_file.unlink(missing_ok=True)
    if not text:
        raise LinliError(N_("No update was asked for (%(path)s)."), path=str(request_file))
    return Path(text)


class SimulatedLauncher:
    def __init__(self):
        self.history: list[str] = []

    def start_apply(self, path: Path) -> None:
        self.history.append(str(path))
