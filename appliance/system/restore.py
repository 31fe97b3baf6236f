"""Restoring a backup: all of it or nothing.

Checks come first and change nothing: the file is a Linli backup, sealed with this box's
key (or the recovery code given), made by this box (or ``other_box``), by a Linli that is
not newer than this one, and the whole payload decrypts; every member matches the
manifest's SHA-256 and the database passes ``PRAGMA integrity_check``. Only then are the
current files moved aside and the restored ones moved in (renames on the data partition),
and the restored database is migrated to this version. Any failure in that last part
moves the old files back.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import sqlite3
import tarfile
import tempfile
from pathlib import Path, PurePosixPath

from appliance.db import MIGRATIONS_DIR, migrate, open_database
from appliance.errors import LinliError
from appliance.i18n import N_
from appliance.sync.service import RESYNC_KEY
from appliance.system import sealed
from appliance.system.backup import (DB_MEMBER, FILES, FOLDERS, FORMAT, FORMAT_VERSION, applied_migrations,
                                     fsync_dir, sha256_file)

logger = logging.getLogger(__name__)


class RestoreRefused(LinliError):
    msgid = N_("The backup was not restored.")


def known_migrations() -> set[str]:
    return {p.stem for p in MIGRATIONS_DIR.glob("[0-9]*.py")}


class Restorer:
    def __init__(self, home: Path, db_path: Path, box_id: str, key: bytes, busy_timeout_ms: int = 5000,
                 keep_db_backups: int = 5):
        self.home = Path(home)
        self.db_path = Path(db_path)
        self.box_id = box_id
        self.key = key
        self.busy_timeout_ms = busy_timeout_ms
        self.keep_db_backups = keep_db_backups

    def check_header(self, path: Path, key: bytes | None, other_box: bool) -> tuple[dict, bytes]:
        with open(path, "rb") as fh:
            header, raw = sealed.read_header(fh)
        if header.get("format") != FORMAT:
            raise sealed.SealedError()
        if header.get("version") != FORMAT_VERSION:
            raise RestoreRefused(N_("This backup was made in a format this Linli does not read (version %(v)s)."),
                                 v=header.get("version"))
        made_by = str(header.get("box_id", ""))
        if made_by != self.box_id and not other_box:
            raise RestoreRefused(N_("This backup is from another box (%(box)s). To move that box's data onto this "
                                    "one, restore again with --other-box and that box's recovery code."), box=made_by)
        newer = set(header.get("migrations") or ()) - known_migrations()
        if newer:
            raise RestoreRefused(N_("This backup was made by a newer Linli (%(version)s); update this box first."),
                                 version=header.get("app_version", "?"))
        use = key or self.key
        if header.get("key_id") != sealed.key_id(use):
            raise RestoreRefused(N_("This backup is sealed with the key of box %(box)s; give that box's recovery "
                                    "code with --key."), box=made_by)
        return header, raw

    def restore(self, path: Path, key: bytes | None = None, other_box: bool = False, progress=None) -> dict:
        path = Path(path)
        header, raw = self.check_header(path, key, other_box)
        use = key or self.key
        with tempfile.TemporaryDirectory(dir=self.home, prefix=".restore-") as tmp:
            work = Path(tmp)
            tar_path = work / "payload.tar.gz"
            self._decrypt(path, raw, use, tar_path, progress)
            staged = work / "staged"
            names = self._extract(tar_path, staged)
            self._check_database(staged / DB_MEMBER)
            undo = work / "undo"
            moved = self._swap(staged, names, undo)
            try:
                self._migrate()
                self._mark_resync()
            except Exception:
                logger.exception("restored database could not be migrated; putting the old files back")
                self._put_back(moved, undo)
                raise
        logger.info("backup %s restored (made %s by %s)", path.name, header.get("created"), header.get("box_id"))
        return {"box_id": header.get("box_id"), "created": header.get("created"), "files": len(names)}

    # --- checks that change nothing -----------------------------------------------------------
    def _decrypt(self, path: Path, raw: bytes, key: bytes, out: Path, progress) -> None:
        total = path.stat().st_size
        with open(path, "rb") as src, open(out, "wb") as dst:
            sealed.read_header(src)
            for block in sealed.open_sealed(src, key, raw):
                dst.write(block)
                if progress:
                    progress(src.tell(), total)

    def _extract(self, tar_path: Path, staged: Path) -> list[str]:
        allowed_top = set(FILES) | set(FOLDERS) | {DB_MEMBER, "MANIFEST.json"}
        try:
            with tarfile.open(tar_path, "r:gz") as tar:
                members = tar.getmembers()
                for m in members:
                    parts = PurePosixPath(m.name).parts
                    if (not m.isfile() or m.name.startswith("/") or ".." in parts or not parts
                            or parts[0] not in allowed_top):
                        raise RestoreRefused(N_("The backup holds an unexpected entry (%(name)s)."), name=m.name)
                tar.extractall(staged, filter="data")
        except (tarfile.TarError, OSError, EOFError) as exc:
            raise sealed.SealedError() from exc
        try:
            manifest = json.loads((staged / "MANIFEST.json").read_text())
        except (OSError, ValueError) as exc:
            raise sealed.SealedError() from exc
        for name, digest in manifest.items():
            member = staged / name
            if not member.is_file() or sha256_file(member) != digest:
                raise RestoreRefused(N_("The backup's file %(name)s does not match its checksum."), name=name)
        if DB_MEMBER not in manifest:
            raise RestoreRefused(N_("The backup holds no database."))
        return sorted(manifest)

    def _check_database(self, db_file: Path) -> None:
        conn = sqlite3.connect(db_file)
        try:
            result = conn.execute("PRAGMA integrity_check").fetchone()[0]
        except sqlite3.Error as exc:
            raise RestoreRefused(N_("The backup's database is damaged: %(error)s"), error=str(exc)) from exc
        finally:
            conn.close()
        if result != "ok":
            raise RestoreRefused(N_("The backup's database is damaged: %(error)s"), error=result)
        newer = set(applied_migrations(db_file)) - known_migrations()
        if newer:
            raise RestoreRefused(N_("This backup was made by a newer Linli (%(version)s); update this box first."),
                                 version=", ".join(sorted(newer)))

    # --- the switch ----------------------------------------------------------------------------
    def _targets(self, names: list[str]) -> list[tuple[Path, Path | None]]:
        """(live path, staged relative name or None = remove) for everything a restore replaces."""
        out: list[tuple[Path, Path | None]] = [(self.db_path, Path(DB_MEMBER)),
                                               (Path(str(self.db_path) + "-wal"), None),
                                               (Path(str(self.db_path) + "-shm"), None)]
        tops = {PurePosixPath(n).parts[0] for n in names}
        for name in FILES + FOLDERS:
            out.append((self.home / name, Path(name) if name in tops else None))
        return out

    def _swap(self, staged: Path, names: list[str], undo: Path) -> list[tuple[Path, Path | None]]:
        undo.mkdir()
        moved: list[tuple[Path, Path | None]] = []
        try:
            for live, rel in self._targets(names):
                aside = None
                if live.exists():
                    aside = undo / f"{len(moved)}"
                    os.replace(live, aside)
                moved.append((live, aside))
                if rel is not None:
                    live.parent.mkdir(parents=True, exist_ok=True)
                    os.replace(staged / rel, live)
            fsync_dir(self.home)
        except OSError:
            self._put_back(moved, undo)
            raise
        return moved

    def _put_back(self, moved: list[tuple[Path, Path | None]], undo: Path) -> None:
        for live, aside in reversed(moved):
            if live.is_dir():
                shutil.rmtree(live)
            elif live.exists():
                live.unlink()
            if aside is not None:
                os.replace(aside, live)

    def _mark_resync(self) -> None:
        """The hub may hold entries this older database numbers again: tell sync to ask first
        (appliance/sync/service.py, ``resync_pending``)."""
        conn = sqlite3.connect(self.db_path)
        try:
            with conn:
                row = conn.execute("SELECT seq FROM sqlite_sequence WHERE name = 'outbox_entry'").fetchone()
                conn.execute("INSERT OR REPLACE INTO sync_state (key, value) VALUES (?, ?)",
                             (RESYNC_KEY, json.dumps(row[0] if row else 0)))
        finally:
            conn.close()

    def _migrate(self) -> None:
        db = open_database(self.db_path, self.busy_timeout_ms)
        try:
            migrate(db, self.db_path, self.keep_db_backups)
        finally:
            db.close()

