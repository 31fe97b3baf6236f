"""Factory reset: the box keeps nothing of its community. The keys go first, so whatever an
SD card's wear levelling keeps of old blocks (face templates, backups) cannot be decrypted.
Installed Linli versions (``app/``) stay: they are software, not data. Backups already on a
USB stick are the stick owner's; they open only with the recovery code."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

from appliance.access.control import service_running
from appliance.errors import LinliError
from appliance.i18n import N_

logger = logging.getLogger(__name__)

KEEP = {"app"}
KEYS_FIRST = ("keys", "secret_key", "box_ed25519.pem", "sync")


def factory_reset(home: Path, db_path: Path) -> list[str]:
    home = Path(home)
    if service_running(home):
        raise LinliError(N_("Linli is running: stop it first (sudo systemctl stop linli), then reset."))
    removed = []
    targets = [home / name for name in KEYS_FIRST]
    targets += sorted(p for p in home.iterdir() if p.name not in KEEP and p not in targets) if home.is_dir() else []
    db_path = Path(db_path)
    targets += [p for p in (db_path, Path(f"{db_path}-wal"), Path(f"{db_path}-shm")) if home not in p.parents]
    for path in targets:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        elif path.exists() or path.is_symlink():
            path.unlink()
        else:
            continue
        removed.append(path.name)
    logger.warning("factory reset: %s entries removed from %s", len(removed), home)
    return removed
