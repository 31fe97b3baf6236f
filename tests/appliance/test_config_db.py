"""Typed config with safe mode; SQLite in WAL with foreign keys; numbered migrations with backup."""

from __future__ import annotations

import sqlite3

import pytest

from appliance.config import build_config, explain, load_config
from appliance.db import backup, migrate, open_database, pending_migrations


def test_defaults_need_no_file(tmp_path):
    config = load_config(tmp_path)
    assert not config.safe_mode and config.web.port == 8080 and config.db_path == tmp_path / "linli.db"


def test_every_setting_has_a_help_line():
    rows = explain()
    assert len(rows) >= 15 and all(help_text.strip() for _, _, help_text in rows)


def test_bad_values_are_named_and_the_box_falls_back_to_safe_defaults(tmp_path):
    config = build_config({"web": {"port": 70000, "max_upload_mb": "ten"}, "box": {"language": "fr"},
                           "hardware": {"backend": "pi"}}, tmp_path)
    assert config.safe_mode
    joined = "\n".join(config.problems)
    for key in ("web.port", "web.max_upload_mb", "box.language"):
        assert key in joined
    # Nothing from a half-valid file is applied: the valid hardware.backend is not used either.
    assert config.hardware.backend == "auto"


def test_broken_toml_is_reported_not_raised(tmp_path):
    (tmp_path / "config.toml").write_text("[web\nport=1", encoding="utf-8")
    config = load_config(tmp_path)
    assert config.safe_mode and "无法读取" in config.problems[0]


def test_database_runs_in_wal_with_foreign_keys(db):
    assert db.execute_sql("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute_sql("PRAGMA foreign_keys").fetchone()[0] == 1
    assert pending_migrations(db) == []


def test_foreign_keys_are_enforced(services, db):
    from peewee import IntegrityError

    from appliance.db.models import Unit

    with pytest.raises(IntegrityError):
        Unit.create(building=999, number="1")


def test_models_are_unbound_until_a_database_is_opened():
    import subprocess
    import sys

    code = ("from appliance.db.models import Resident; "
            "print(Resident._meta.database)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "None"


def test_migrating_an_existing_database_makes_a_backup_first(tmp_path, monkeypatch):
    import appliance.db as dbmod

    path = tmp_path / "linli.db"
    db = open_database(path)
    every = sorted(p.stem for p in dbmod.MIGRATIONS_DIR.glob("0*.py"))
    assert migrate(db, path) == every and every[0] == "0001_foundation"
    assert not (tmp_path / "backups").exists()  # nothing worth saving in a new database
    extra = tmp_path / "migrations"
    extra.mkdir()
    for f in dbmod.MIGRATIONS_DIR.glob("0*.py"):
        (extra / f.name).write_text(f.read_text())
    (extra / "0999_add_note.py").write_text(
        "def up(migrator, db):\n    db.execute_sql('CREATE TABLE note (id INTEGER PRIMARY KEY)')\n")
    monkeypatch.setattr(dbmod, "MIGRATIONS_DIR", extra)
    assert migrate(db, path) == ["0999_add_note"]
    saved = list((tmp_path / "backups").glob("linli-*.db"))
    assert len(saved) == 1
    with sqlite3.connect(saved[0]) as conn:  # the backup is the database as it was before
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert "resident" in tables and "note" not in tables
    db.close()


def test_backup_keeps_only_the_newest(tmp_path):
    path = tmp_path / "linli.db"
    sqlite3.connect(path).execute("CREATE TABLE t (x)").connection.close()
    folder = tmp_path / "backups"
    folder.mkdir()
    for i in range(7):
        (folder / f"linli-2020010{i}-000000.db").write_bytes(b"")
    backup(path, keep=3)
    assert len(list(folder.glob("linli-*.db"))) == 3
