"""Open the hub database (SQLite by default, PostgreSQL by URL) and bring its schema up to
date through the hub's own numbered migrations (appliance/hub/migrations/, not the box's)."""

from __future__ import annotations

import logging
from pathlib import Path

from peewee import PostgresqlDatabase, SqliteDatabase
from playhouse.db_url import parse
from playhouse.migrations import Runner

from appliance.errors import ConfigError
from appliance.hub.models import HUB_MODELS

logger = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def connect_hub_db(url: str, home: Path):
    """A connected hub database with the models bound; its schema is not touched."""
    if not url:
        path = Path(home) / "hub.db"
        path.parent.mkdir(parents=True, exist_ok=True)
        db = SqliteDatabase(str(path), pragmas={"journal_mode": "wal", "busy_timeout": 10000, "synchronous": 1},
                            check_same_thread=False, timeout=10)
    elif url.startswith(("postgres://", "postgresql://")):
        params = parse(url)
        db = PostgresqlDatabase(params.pop("database"), **params)
    elif url.startswith("sqlite:///"):
        db = SqliteDatabase(url[len("sqlite:///"):], pragmas={"journal_mode": "wal", "busy_timeout": 10000},
                            check_same_thread=False, timeout=10)
    else:
        raise ConfigError("hub.db_url must be empty, sqlite:///PATH or postgresql://...")
    db.bind(HUB_MODELS)
    db.connect(reuse_if_open=True)
    return db


def pending_hub_migrations(db) -> list[str]:
    return [m.name for m in Runner(db, str(MIGRATIONS_DIR)).status() if m.path and not m.applied]


def migrate_hub(db) -> list[str]:
    """Apply the pending hub migrations in order, each in its own transaction.

    Several workers may start at once against one PostgreSQL database: an advisory lock
    (SQLite: the write lock) lets one of them migrate while the others wait, then find nothing left to do."""
    if not pending_hub_migrations(db):
        return []
    if isinstance(db, PostgresqlDatabase):
        with db.atomic():
            db.execute_sql("SELECT pg_advisory_xact_lock(4242180001)")
            applied = Runner(db, str(MIGRATIONS_DIR)).up()
    else:
        with db.atomic("IMMEDIATE"):
            applied = Runner(db, str(MIGRATIONS_DIR)).up()
    if applied:
        logger.info("hub database migrated: %s", ", ".join(applied))
    return applied


def open_hub_db(url: str, home: Path):
    db = connect_hub_db(url, home)
    migrate_hub(db)
    return db
