"""Backups: time and size of a sealed backup of a community-sized database, and its restore."""

from __future__ import annotations

import sqlite3
import sys
import tempfile
import time
from pathlib import Path

from bench._results import record

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    sys.path.insert(0, str(ROOT))
    from appliance.config import load_config
    from appliance.runtime import build_runtime
    from appliance.system.backups import BackupService

    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "box"
        rt = build_runtime(load_config(home), immediate_tasks=True, hardware=False)
        rt.close()
        # A year of a busy gate: 200,000 access events (the biggest table on a box).
        with sqlite3.connect(home / "linli.db") as conn:
            conn.executemany("INSERT INTO access_event (at, method, granted, reason, source, detail) "
                             "VALUES (datetime('2026-01-01', '+' || ? || ' minutes'), 'pin', 1, 'ok', 'kiosk', '')",
                             [(i * 2,) for i in range(200_000)])
        db_bytes = (home / "linli.db").stat().st_size
        service = BackupService(home, home / "linli.db", (home / "box_id").read_text(),
                                (home / "secret_key").read_text())
        started = time.perf_counter()
        path = service.create()
        made = time.perf_counter() - started
        backup_bytes = path.stat().st_size
        started = time.perf_counter()
        service.restore(path)
        restored = time.perf_counter() - started
    record("backup_200k_events_s", made, "s", peer="restore of the same file", peer_value=restored, goal="< 60 on a Pi")
    record("backup_200k_events_mb", backup_bytes / 1e6, "MB", peer="database file",
           peer_value=db_bytes / 1e6, goal="< database")


if __name__ == "__main__":
    main()
