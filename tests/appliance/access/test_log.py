"""The access log: rows wait in the sector journal, survive a killed process, are written once."""

from __future__ import annotations

import datetime
import subprocess
import sys
import textwrap
from pathlib import Path

from appliance.access.journal import SectorJournal
from appliance.access.log import AccessLog
from appliance.db.models import AccessEvent, OutboxEntry

ROOT = Path(__file__).resolve().parents[3]


def row(n, method="pin"):
    return {"at": datetime.datetime(2026, 11, 23, 8, 0, n), "method": method, "granted": False,
            "reason": "bad_pin", "resident": None, "visitor_pass": None, "source": "kiosk", "detail": ""}


def pending_in(journal: Path) -> int:
    with SectorJournal(journal) as j:
        return len(j.pending())


def test_rows_wait_for_the_batch_and_are_written_once_with_their_outbox_entries(db, linli_home):
    t = [0.0]
    journal = linli_home / "j.bin"
    log = AccessLog(db, journal, max_delay_s=60, batch_rows=3, clock=lambda: t[0])
    log.add(row(1), {"person": "p1"})
    log.add(row(2), {})
    assert log.maybe_flush() == 0 and AccessEvent.select().count() == 0
    t[0] = 61
    assert log.maybe_flush() == 2
    assert AccessEvent.select().count() == 2
    assert OutboxEntry.select().where(OutboxEntry.kind == "access.event").count() == 2
    for n in range(3):
        log.add(row(n), {})
    assert log.maybe_flush() == 3  # batch size reached before the delay
    log.close()
    assert pending_in(journal) == 0  # every stored row is checkpointed: a restart replays nothing
    AccessLog(db, journal).close()
    assert AccessEvent.select().count() == 5


def test_rows_of_a_killed_process_are_replayed_once(db, linli_home):
    journal = linli_home / "killed.bin"  # not the running test service's own journal
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
    assert AccessEvent.select().count() == 0 and pending_in(journal) == 5
    AccessLog(db, journal).close()  # the next start replays
    assert AccessEvent.select().where(AccessEvent.method == "card").count() == 5
    AccessLog(db, journal).close()  # and the one after has nothing left to replay
    assert AccessEvent.select().where(AccessEvent.method == "card").count() == 5
    assert OutboxEntry.select().where(OutboxEntry.kind == "access.event").count() == 5


def test_a_crash_between_the_commit_and_the_checkpoint_does_not_write_rows_twice(db, linli_home, monkeypatch):
    journal = linli_home / "j.bin"
    log = AccessLog(db, journal, max_delay_s=3600, batch_rows=1000)
    for n in range(3):
        log.add(row(n, "card"), {})

    def power_cut(self, upto_seq):
        raise OSError("power cut")

    monkeypatch.setattr(SectorJournal, "checkpoint", power_cut)
    assert log.flush() == 3
    log.close()
    monkeypatch.undo()
    assert pending_in(journal) == 3  # the rows are still in the journal...
    AccessLog(db, journal).close()
    assert AccessEvent.select().where(AccessEvent.method == "card").count() == 3  # ...but stored once
    assert pending_in(journal) == 0


def test_a_second_process_writes_its_rows_straight_to_the_database(db, linli_home):
    journal = linli_home / "j.bin"
    log = AccessLog(db, journal, max_delay_s=3600, batch_rows=1000)
    log.add(row(1), {})
    cli = AccessLog(db, journal)  # e.g. a CLI process started beside the service
    cli.add(row(2, "remote"), {})
    assert AccessEvent.select().where(AccessEvent.method == "remote").count() == 1
    assert AccessEvent.select().where(AccessEvent.method == "pin").count() == 0  # still the service's
    assert log.flush() == 1 and log.pending() == 0
    assert AccessEvent.select().count() == 2
    cli.close()
    log.close()


def test_an_unreadable_row_in_the_journal_is_skipped_once_not_at_every_start(db, linli_home):
    journal = linli_home / "j.bin"
    with SectorJournal(journal) as j:
        j.append(b'{"r": "not a row"}')
    AccessLog(db, journal).close()
    assert AccessEvent.select().count() == 0 and pending_in(journal) == 0
