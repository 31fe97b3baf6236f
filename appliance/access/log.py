"""The access log writer: every attempt, cheap on the SD card, never lost by a crash.

One SQLite transaction in WAL mode writes whole 4 KiB pages (table, index, outbox table,
its two indexes, the sequence table, the WAL index) — about 50 KB for a single row, and the
checkpoint copies the pages again. So each row is first written as one 512-byte sector of
a journal (:mod:`appliance.access.journal`, ``O_DIRECT``: on the card at once, so neither
a crash nor a power cut loses it) and moved into SQLite in batches: when ``batch_rows`` are
waiting, when the oldest has waited ``max_delay_s``, when the journal ring is half full,
and at shutdown. Staff pages show waiting rows without writing them
(:mod:`appliance.access.report`). After a batch commits, a checkpoint record in the
journal marks its rows as stored. At start, rows after the last checkpoint are
replayed; the outbox UUID makes the replay idempotent. ``bench/bench_access.py`` measures
the bytes per event.

Each row and its ``access.event`` outbox entry are written in the same transaction.
Visitor-pass uses are counted in memory until they are committed, so a pass cannot be
used twice inside the batching window.
"""

from __future__ import annotations

import collections
import datetime
import json
import logging
import os
import threading
import time
import uuid as uuidlib
from pathlib import Path

from appliance.access.journal import JournalBusy, SectorJournal
from appliance.db.models import AccessEvent, OutboxEntry, VisitorPass
from appliance.sync import outbox

logger = logging.getLogger(__name__)

MAX_QUEUED = 20000  # if the disk is gone for hours, keep the newest rows, not the process
JOURNAL = "access-journal.bin"


def ordered_uuid() -> str:
    """A time-ordered (version 7 layout) UUID. The outbox's unique index on uuid then grows
    at its right edge; random UUIDs would dirty a different index page per row, which was
    most of the bytes a batch wrote."""
    value = (int(time.time() * 1000) << 80) | int.from_bytes(os.urandom(10), "big")
    value = (value & ~(0xF << 76)) | (0x7 << 76)
    value = (value & ~(0x3 << 62)) | (0x2 << 62)
    return str(uuidlib.UUID(int=value))


def event_payload(row: dict, extra: dict) -> dict:
    """The ``access.event`` outbox payload: the row without names or free text, plus the
    resident's pseudonym and the pass UUID (``extra``)."""
    return {"at": row["at"].isoformat(), "method": row["method"], "granted": row["granted"],
            "reason": row["reason"], "source": row["source"], "person": extra.get("person"),
            "pass": extra.get("pass")}


class AccessLog:
    def __init__(self, db, journal: Path | None = None, max_delay_s: float = 60.0, batch_rows: int = 100,
                 clock=time.monotonic):
        self.db = db
        self.journal_path = Path(journal) if journal else None
        self.max_delay_s = max_delay_s
        self.batch_rows = batch_rows
        self.clock = clock
        self._lock = threading.Lock()
        self._flush_lock = threading.Lock()  # one batch at a time (writer thread, pages, close)
        self._rows: collections.deque = collections.deque(maxlen=MAX_QUEUED)
        self._uses: collections.Counter = collections.Counter()  # pass id -> uses not yet committed
        self._oldest: float | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._journal = None
        self.flushes = 0
        self.housekeeping = None  # called at start and once a day by the writer thread
        if self.journal_path is not None:
            try:
                self._journal = SectorJournal(self.journal_path)
            except JournalBusy:
                # The gate's process owns it and will store its own rows; rows added here are
                # written straight to the database instead.
                logger.info("access journal %s is held by the running service", self.journal_path)
            else:
                self._replay()

    # --- writing --------------------------------------------------------------------------
    def add(self, row: dict, extra: dict, pass_use: int | None = None) -> None:
        """``extra``: what the outbox payload adds to the row (see :func:`event_payload`)."""
        entry_uuid = ordered_uuid()
        with self._lock:
            seq = self._write_record(row, extra, pass_use, entry_uuid)
            self._rows.append((row, extra, pass_use, entry_uuid, seq))
            if pass_use is not None:
                self._uses[pass_use] += 1
            if self._oldest is None:
                self._oldest = self.clock()
        if self._thread is None and self._journal is None:
            self.flush()  # no writer thread and no journal (CLI, tests): write now

    def _write_record(self, row, extra, pass_use, entry_uuid) -> int | None:
        """The row's journal record; its sequence number, or None without a journal."""
        if self._journal is None:
            return None
        # Short keys and no repeated fields: one 512-byte sector holds a row.
        line = {"r": {**row, "at": row["at"].isoformat(timespec="seconds")}, "x": extra, "u": pass_use,
                "id": entry_uuid}
        try:
            return self._journal.append(json.dumps(line, ensure_ascii=False, separators=(",", ":")).encode())
        except (OSError, ValueError):
            logger.exception("access journal not writable; the row stays in memory until the next batch")
            return None

    def pending_uses(self, pass_id: int) -> int:
        with self._lock:
            return self._uses[pass_id]

    def waiting_rows(self) -> list[dict]:
        """Copies of the rows not yet in the database, oldest first."""
        with self._lock:
            return [dict(e[0]) for e in self._rows]

    def journal_health(self) -> str:
        return self._journal.health() if self._journal is not None else "no access journal in this process"

    def pending(self) -> int:
        with self._lock:
            return len(self._rows)

    def due(self) -> bool:
        with self._lock:
            if not self._rows:
                return False
            return (len(self._rows) >= self.batch_rows or self.clock() - self._oldest >= self.max_delay_s
                    or (self._journal is not None and self._journal.pressure() >= 0.5))

    def maybe_flush(self) -> int:
        return self.flush() if self.due() else 0

    def flush(self) -> int:
        with self._flush_lock:
            return self._flush()

    def _flush(self) -> int:
        with self._lock:
            batch = list(self._rows)
        if not batch:
            return 0
        uses = collections.Counter(e[2] for e in batch if e[2] is not None)
        try:
            self._commit(batch, uses)
        except Exception:
            logger.exception("could not write %s access log rows; will retry", len(batch))
            return 0
        with self._lock:
            for _ in batch:
                self._rows.popleft()
            self._uses.subtract(uses)
            self._uses += collections.Counter()  # drop zero counts
            self._oldest = self.clock() if self._rows else None
            self._checkpoint(batch)
        self.flushes += 1
        return len(batch)

    def _commit(self, batch, uses) -> None:
        with self.db.atomic():
            # Rows another process already replayed from the journal are not written twice.
            done = {e.uuid for e in OutboxEntry.select(OutboxEntry.uuid).where(
                OutboxEntry.uuid.in_([b[3] for b in batch]))}
            if done:
                batch = [b for b in batch if b[3] not in done]
                uses = collections.Counter(b[2] for b in batch if b[2] is not None)
                if not batch:
                    return
            AccessEvent.insert_many([e[0] for e in batch]).execute()
            for row, extra, _use, entry_uuid, _seq in batch:
                outbox.append("access.event", event_payload(row, extra), priority=7, entry_uuid=entry_uuid)
            for pass_id, n in uses.items():
                VisitorPass.update(uses=VisitorPass.uses + n).where(VisitorPass.id == pass_id).execute()

    def _checkpoint(self, batch) -> None:
        seqs = [e[4] for e in batch if e[4] is not None]
        if self._journal is None or not seqs:
            return
        try:
            self._journal.checkpoint(max(seqs))
        except OSError:
            # Harmless: a restart replays these rows and the outbox UUIDs skip them.
            logger.exception("could not checkpoint the access journal")

    def _replay(self) -> None:
        batch, bad = [], 0
        pending = self._journal.pending()
        for seq, payload in pending:
            try:
                line = json.loads(payload)
                row = dict(line["r"], at=datetime.datetime.fromisoformat(line["r"]["at"]))
                batch.append((row, line["x"], line["u"], line["id"], seq))
            except (ValueError, KeyError, TypeError):
                bad += 1
        if batch:
            self._commit(batch, collections.Counter(b[2] for b in batch if b[2] is not None))
        if pending:
            # Unreadable records included: replaying them again next start would not help.
            self._journal.checkpoint(max(seq for seq, _payload in pending))
        if batch or bad:
            logger.info("access journal replayed: %s rows, %s unreadable", len(batch), bad)

    # --- writer thread ------------------------------------------------------------------------
    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="access-log", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        last_housekeeping = None
        while not self._stop.wait(1.0):
            try:
                self.maybe_flush()
                if self.housekeeping and (last_housekeeping is None or time.monotonic() - last_housekeeping > 86400):
                    last_housekeeping = time.monotonic()
                    self.housekeeping()
            except Exception:  # the writer must outlive any one bad batch
                logger.exception("access log writer failed")
        self.flush()
        if not self.db.is_closed():
            self.db.close()  # peewee keeps one connection per thread; this is the writer's

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None
        self.flush()
        if self._journal is not None:
            with self._lock:
                self._journal.close()
                self._journal = None
