"""SQLite through peewee: connection settings, model binding and numbered migrations.

Models are declared unbound (see :mod:`appliance.db.base`); :func:`open_database`
creates a configured ``SqliteDatabase`` and binds every registered model to it.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from pathlib import Path

from peewee import SqliteDatabase
from playhouse.migrations import Runner

from appliance.db.base import registered_models
from appliance.db.router import DatabaseRouter

logger = logging.getLogger(__name__)

# The one place the models are bound (see router.py for why it is a router).
router = DatabaseRouter()

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def open_database(path: Path, busy_timeout_ms: int = 5000, default: bool = True) -> SqliteDatabase:
    """Open (creating) the SQLite file. ``default``: the models use it from now on in every
    thread; otherwise only inside ``router.using(db)`` (a practice sandbox)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    db = SqliteDatabase(
        str(path),
        pragmas={
            "journal_mode": "wal",
            "foreign_keys": 1,
            "busy_timeout": busy_timeout_ms,
            # NORMAL is durable across application crashes in WAL mode and writes far
            # less to the SD card than FULL; a power cut may lose the last transaction.
            "synchronous": 1,
            "cache_size": -4000,
        },
        check_same_thread=False,
        timeout=busy_timeout_ms / 1000,
    )
    for model in registered_models():
        model._meta.set_database(router)
    if default:
        router.initialize(db)
    db.connect(reuse_if_open=True)
    return db


def pending_migrations(db: SqliteDatabase) -> list[str]:
    runner = Runner(db, str(MIGRATIONS_DIR))
    return [m.name for m in runner.status() if m.path and not m.applied]


def backup(db_path: Path, keep: int = 5) -> Path | None:
    """Copy the live database with SQLite's online backup API before a migration."""
    db_path = Path(db_path)
    if not db_path.exists() or db_path.stat().st_size == 0:
        return None
    folder = db_path.parent / "backups"
    folder.mkdir(exist_ok=True)
    target = folder / f"{db_path.stem}-{time.strftime('%Y%m%d-%H%M%S')}.db"
    with sqlite3.connect(db_path) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    for old in sorted(folder.glob(f"{db_path.stem}-*.db"))[:-keep]:
        old.unlink()
    return target


def migrate(db: SqliteDatabase, db_path: Path | None = None, keep_backups: int = 5) -> list[str]:
    """Apply pending numbered migrations, each in its own transaction, after a backup."""
    pending = pending_migrations(db)
    if not pending:
        return []
    if db_path is not None:
        # A fresh database has nothing worth saving; skip the copy then.
        applied_before = Runner(db, str(MIGRATIONS_DIR)).applied()
        if applied_before:
            saved = backup(db_path, keep_backups)
            logger.info("database backed up to %s before migrating", saved)
    applied = Runner(db, str(MIGRATIONS_DIR)).up()
    logger.info("applied migrations: %s", ", ".join(applied))
    return applied
