"""The health page's database line reads the whole file once after start: after a power cut it
is what tells the volunteer the database is whole, or that last night's backup is needed."""

from __future__ import annotations

import sqlite3
from contextlib import closing

from appliance.config import load_config
from appliance.runtime import build_runtime


def database_line(home):
    rt = build_runtime(load_config(home), immediate_tasks=True, hardware=False)
    try:
        return rt.services.health.report()["subsystems"]["database"]
    finally:
        rt.close()


def test_a_whole_database_is_reported_checked(config, seeded_database):
    seeded_database(config.db_path)
    line = database_line(config.home)
    assert line["ok"] and "启动时已检查完整" in line["detail"]


def test_a_damaged_page_turns_the_database_line_red_and_names_the_backup(config, seeded_database):
    seeded_database(config.db_path)
    with closing(sqlite3.connect(config.db_path)) as conn:
        conn.execute("PRAGMA journal_mode=DELETE")
        conn.execute("CREATE TABLE old_notes (body TEXT)")  # a table nothing reads at start
        conn.executemany("INSERT INTO old_notes VALUES (?)", [("x" * 300,) for _ in range(400)])
        conn.commit()
        root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'old_notes'").fetchone()[0]
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    with open(config.db_path, "r+b") as f:  # a torn write: the table's top page is garbage
        f.seek((root - 1) * page_size)
        f.write(b"\x55" * page_size)
    line = database_line(config.home)
    assert not line["ok"], line
    assert "数据库文件已损坏" in line["detail"] and "备份与更新" in line["detail"], line
