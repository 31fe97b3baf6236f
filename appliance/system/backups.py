"""The backup service: make, list, restore, and the nightly run (data partition + USB stick)."""

from __future__ import annotations

import datetime
import logging
from pathlib import Path

from appliance.access.control import service_running
from appliance.errors import LinliError
from appliance.i18n import N_
from appliance.system.backup import (BackupInfo, BackupWriter, backup_key, copy_atomic, list_backups, prune,
                                     recovery_code)
from appliance.system.restore import Restorer

logger = logging.getLogger(__name__)

STICK_FOLDER = Path("linli") / "backups"


class BackupService:
    def __init__(self, home: Path, db_path: Path, box_id: str, secret_key: str, keep: int = 7,
                 sticks=None, clock=datetime.datetime.now, busy_timeout_ms: int = 5000):
        """``sticks()`` returns the mount points of the USB sticks now in (none when None)."""
        self.home = Path(home)
        self.db_path = Path(db_path)
        self.box_id = box_id
        self.key = backup_key(secret_key)
        self.keep = keep
        self.sticks = sticks or (lambda: [])
        self.clock = clock
        self.busy_timeout_ms = busy_timeout_ms
        self.history: list[dict] = []

    @property
    def folder(self) -> Path:
        return self.home / "backups"

    def recovery_code(self) -> str:
        return recovery_code(self.key)

    def create(self, folder: Path | None = None, progress=None) -> Path:
        writer = BackupWriter(self.home, self.db_path, self.box_id, self.key, self.clock)
        path = writer.write(Path(folder) if folder else self.folder, progress)
        if folder is None:
            prune(self.folder, self.keep)
        self.history.append({"action": "create", "path": str(path)})
        return path

    def list(self, folder: Path | None = None) -> list[BackupInfo]:
        return list_backups(Path(folder) if folder else self.folder)

    def last(self) -> BackupInfo | None:
        found = self.list()
        return found[0] if found else None

    def restore(self, path: Path, key: bytes | None = None, other_box: bool = False, progress=None) -> dict:
        if service_running(self.home):
            raise LinliError(N_("Linli is running: stop it first (sudo systemctl stop linli), then restore."))
        if not Path(path).is_file():
            raise LinliError(N_("No backup file at %(path)s."), path=str(path))
        restorer = Restorer(self.home, self.db_path, self.box_id, self.key, self.busy_timeout_ms)
        result = restorer.restore(Path(path), key=key, other_box=other_box, progress=progress)
        self.history.append({"action": "restore", "path": str(path)})
        return result

    def nightly(self) -> dict:
        """Once a day, safe to run again: a backup is made only when none exists for today,
        and copied to each stick that lacks it."""
        today = self.clock().strftime("%Y%m%d")
        newest = self.last()
        made = None
        if newest is None or f"-{today}-" not in newest.name:
            made = self.create()
            newest = self.last()
        copied = []
        for stick in self.sticks():
            target = Path(stick) / STICK_FOLDER / self.box_id
            try:
                if not (target / newest.name).exists():
                    copy_atomic(newest.path, target / newest.name)
                    copied.append(str(stick))
                prune(target, self.keep)
            except OSError as exc:
                # A full or write-protected stick must not stop the nightly run.
                logger.warning("backup not copied to the stick %s: %s", stick, exc)
        self.history.append({"action": "nightly", "made": str(made) if made else None, "copied": copied})
        return {"made": made, "copied": copied}
