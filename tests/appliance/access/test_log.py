"""The access log journal: rows survive a crash of the process and are written once."""

from __future__ import annotations

import datetime
import subprocess
import sys
import textwrap
from pathlib import Path

from appliance.access.log import AccessLog
from appliance.db.models import AccessEvent, OutboxEntry

ROOT = Path(__file__).resolve().parents[3]


def row(n):
    return {"at": datetime.datetime(2026, 11, 23, 8, 0, n), "method": "pin", "granted": False,
            "reason": "bad_pin", "resident": None, "visitor_pass": None, "source": "kiosk", "detail": ""}


def test_rows_wait_for_the_batch_and_are_written_once_with_their_outbox_entries(db, linli_home):
    t = [0.0]
    log = AccessLog(db, linli_home / "j.jsonl", max_delay_s=60, batch_rows=3, clock=lambda: t[0])
    log.add(row(1), {"person": "p1"})
    log.add(row(2), {})
    assert log.maybe_flush() == 0 and AccessEvent.select().count() == 0
    t[0] = 61
    assert log.maybe_flush() == 2
    assert AccessEvent.select().count() == 2
    assert OutboxEntry.select().where(OutboxEntry.kind == "access.event").count() == 2
    assert (linli_home / "j.jsonl").read_text() == ""
    for n in range(3):
        log.add(row(n), {})
    assert log.maybe_flush() == 3  # batch size reached before the delay
    log.close()


def test_rows_of_a_killed_process_are_replayed_once(db, linli_home, tmp_path):
    journal = linli_home / "access-journal.jsonl"
    # A real process adds rows and is SIGKILLed before its batch is written.
    script = textwrap.dedent(f"""
        import datetime, os, signal
        from appliance.config import load_config
        from appliance.db import open_database
        from appliance.access.log import AccessLog
        cfg = load_config()
        db = open_database(cfg.db_path)
        log = AccessLog(db, {str(journal)!r}, max_delay_s=3600, batch_rows=1000)
        for n in range(5):
            log.add({{"at": datetime.datetime(2026, 11, 23, 8, 0, n), "method": "card", "granted": True,
                     "reason": "granted", "resident": None, "visitor_pass": None, "source": "kiosk",
                     "detail": ""}}, {{"person": "p%s" % n}})
        os.kill(os.getpid(), signal.SIGKILL)
    """)
    proc = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert proc.returncode == -9, proc.stderr
    assert AccessEvent.select().count() == 0 and len(journal.read_text().splitlines()) == 5
    lines = journal.read_text()
    AccessLog(db, journal)  # the next start replays
    assert AccessEvent.select().where(AccessEvent.method == "card").count() == 5
    # A crash between the commit and emptying the journal must not write the rows twice.
    journal.write_text(lines + '{"cut short by a power cu')
    AccessLog(db, journal)
    assert AccessEvent.select().where(AccessEvent.method == "card").count() == 5
    assert journal.read_text() == ""


def test_a_batch_already_replayed_by_another_process_is_not_written_twice(db, linli_home):
    journal = linli_home / "j.jsonl"
    log = AccessLog(db, journal, max_delay_s=3600, batch_rows=1000)
    log.add(row(1), {})
    AccessLog(db, journal)  # e.g. a CLI process started beside the service replays the journal
    assert log.flush() == 1 and log.pending() == 0
    assert AccessEvent.select().count() == 1
    log.close()
