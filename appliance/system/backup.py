"""Backups of the box: the database (SQLite's online backup, safe while the box runs), its
keys and its settings, sealed with the box's backup key (see :mod:`appliance.system.sealed`).

A backup is one file, ``linli-<box>-<YYYYmmdd-HHMMSS>.lbk``, on the data partition (the
last ``keep`` are kept) and, when a stick is in, on the USB stick too. The face templates
inside are encrypted twice: with the face key and with the backup key, so a lost stick
reveals nothing. A box whose card died is restored on a new card with the old box's
recovery code (``linli backup key`` prints it; the first-boot page asks to write it down).

Restoring is all-or-nothing (:mod:`appliance.system.restore`).
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
import io
import json
import logging
import os
import shutil
import sqlite3
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

from appliance import __version__
from appliance.errors import LinliError
from appliance.i18n import N_
from appliance.system import sealed

logger = logging.getLogger(__name__)

FORMAT = "linli-backup"
FORMAT_VERSION = 1
SUFFIX = ".lbk"
# What a backup holds besides the database: the box's identity, keys, settings, the access
# journal's rows not yet in the database, sync state, fire-lane evidence, the scans of paper
# ballots (kept 10 years: owners' votes are litigated), residents' report photos and the site
# plan. Not the task queue (rebuilt), not demo replays, not older backups, not practice rooms.
FILES = ("config.toml", "box_id", "secret_key", "box_ed25519.pem", "access-journal.bin")
FOLDERS = ("keys", "sync", "evidence", "votes", "photos", "siteplan")
DB_MEMBER = "linli.db"


class BackupError(LinliError):
    msgid = N_("The backup could not be made.")


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    box_id: str
    created: str
    size: int
    migrations: tuple[str, ...]
    app_version: str

    @property
    def name(self) -> str:
        return self.path.name


def backup_key(secret_key: str) -> bytes:
    return hmac.new(secret_key.encode(), b"linli backup v1", hashlib.sha256).digest()


def recovery_code(key: bytes) -> str:
    """The backup key in groups of four letters and digits, to be written on paper."""
    text = base64.b32encode(key).decode().rstrip("=")
    return "-".join(text[i:i + 4] for i in range(0, len(text), 4))


def key_from_code(code: str) -> bytes:
    text = "".join(ch for ch in code.upper() if ch.isalnum())
    try:
        key = base64.b32decode(text + "=" * (-len(text) % 8))
    except (ValueError, base64.binascii.Error) as exc:
        raise LinliError(N_("The recovery code is not valid: check each group of four.")) from exc
    if len(key) != 32:
        raise LinliError(N_("The recovery code is not valid: check each group of four."))
    return key


def applied_migrations(db_file: Path) -> list[str]:
    """Names of the migrations a database file has had (read with plain sqlite3)."""
    try:
        conn = sqlite3.connect(f"file:{db_file}?mode=ro", uri=True)
    except sqlite3.Error:
        return []
    try:
        rows = conn.execute("SELECT name FROM schema_migration ORDER BY name").fetchall()
    except sqlite3.Error:
        return []
    finally:
        conn.close()
    return [r[0] for r in rows]


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def copy_atomic(src: Path, dst: Path) -> None:
    """Copy so that ``dst`` is either absent or whole (a stick pulled mid-copy leaves a
    ``.partial`` file that listing ignores)."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    tmp = dst.with_name(dst.name + ".partial")
    with open(src, "rb") as fin, open(tmp, "wb") as fout:
        shutil.copyfileobj(fin, fout, 1 << 20)
        fout.flush()
        os.fsync(fout.fileno())
    os.replace(tmp, dst)
    fsync_dir(dst.parent)


class BackupWriter:
    """Makes one backup file of a data folder."""

    def __init__(self, home: Path, db_path: Path, box_id: str, key: bytes, clock=datetime.datetime.now):
        self.home = Path(home)
        self.db_path = Path(db_path)
        self.box_id = box_id
        self.key = key
        self.clock = clock

    def write(self, folder: Path, progress=None) -> Path:
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        created = self.clock().replace(microsecond=0)
        target = folder / f"linli-{self.box_id}-{created:%Y%m%d-%H%M%S}{SUFFIX}"
        with tempfile.TemporaryDirectory(dir=folder, prefix=".backup-") as tmp:
            work = Path(tmp)
            snapshot = work / DB_MEMBER
            self._snapshot(snapshot)
            migrations = applied_migrations(snapshot)
            tar_path = work / "payload.tar.gz"
            manifest = self._pack(snapshot, tar_path)
            header = {"format": FORMAT, "version": FORMAT_VERSION, "box_id": self.box_id,
                      "created": created.isoformat(), "app_version": __version__,
                      "migrations": migrations, "members": len(manifest)}
            partial = target.with_name(target.name + ".partial")
            total = tar_path.stat().st_size
            with open(tar_path, "rb") as src, open(partial, "wb") as dst:
                sealed.seal(src, dst, self.key, header, total, progress)
                dst.flush()
                os.fsync(dst.fileno())
            os.chmod(partial, 0o600)
            os.replace(partial, target)
            fsync_dir(folder)
        logger.info("backup written: %s", target.name)
        return target

    def _snapshot(self, target: Path) -> None:
        if not self.db_path.exists():
            raise BackupError(N_("There is no database to back up at %(path)s."), path=str(self.db_path))
        src = sqlite3.connect(f"file:{self.db_path}?mode=ro", uri=True)
        dst = sqlite3.connect(target)
        try:
            # Online backup: a consistent copy while the box keeps writing (WAL readers do
            # not block writers); pages in steps so a long copy never holds the lock.
            src.backup(dst, pages=256)
        except sqlite3.Error as exc:
            raise BackupError(N_("The database could not be copied: %(error)s"), error=str(exc)) from exc
        finally:
            dst.close()
            src.close()

    def _members(self, snapshot: Path) -> list[tuple[str, Path]]:
        members = [(DB_MEMBER, snapshot)]
        for name in FILES:
            path = self.home / name
            if path.is_file():
                members.append((name, path))
        for name in FOLDERS:
            base = self.home / name
            if base.is_dir():
                for path in sorted(base.rglob("*")):
                    if path.is_file() and not path.is_symlink():
                        members.append((path.relative_to(self.home).as_posix(), path))
        return members

    def _pack(self, snapshot: Path, tar_path: Path) -> dict:
        manifest = {}
        with tarfile.open(tar_path, "w:gz", compresslevel=6) as tar:
            for arcname, path in self._members(snapshot):
                manifest[arcname] = sha256_file(path)
                tar.add(path, arcname=arcname, recursive=False)
            raw = json.dumps(manifest, sort_keys=True).encode()
            info = tarfile.TarInfo("MANIFEST.json")
            info.size = len(raw)
            tar.addfile(info, io.BytesIO(raw))
        return manifest


def read_info(path: Path) -> BackupInfo:
    """What a backup file says about itself, without a key (the header is not secret)."""
    path = Path(path)
    with open(path, "rb") as fh:
        header, _raw = sealed.read_header(fh)
    if header.get("format") != FORMAT:
        raise sealed.SealedError()
    return BackupInfo(path=path, box_id=str(header.get("box_id", "")), created=str(header.get("created", "")),
                      size=path.stat().st_size, migrations=tuple(header.get("migrations") or ()),
                      app_version=str(header.get("app_version", "")))


def list_backups(folder: Path) -> list[BackupInfo]:
    """Backups in ``folder``, newest first; damaged or foreign files are left out."""
    found = []
    for path in Path(folder).glob(f"*{SUFFIX}"):
        try:
            found.append(read_info(path))
        except (LinliError, OSError):
            logger.warning("not a readable backup: %s", path.name)
    return sorted(found, key=lambda b: (b.created, b.name), reverse=True)


def prune(folder: Path, keep: int) -> list[Path]:
    removed = []
    for info in list_backups(folder)[keep:]:
        info.path.unlink(missing_ok=True)
        removed.append(info.path)
    return removed
