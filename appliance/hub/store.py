"""Open the hub database: SQLite by default, PostgreSQL by URL."""

from __future__ import annotations

from pathlib import Path

from peewee import PostgresqlDatabase, SqliteDatabase
from playhouse.db_url import parse

from appliance.errors import ConfigError
from appliance.hub.models import HUB_MODELS


def open_hub_db(url: str, home: Path):
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
    # The hub's schema is the same on SQLite and PostgreSQL; peewee writes the dialect.
    db.create_tables(HUB_MODELS, safe=True)
    return db
