"""The access log writer: every attempt, written in small batches.

One SQLite transaction in WAL mode writes whole 4 KiB pages (table, index, outbox,
sequence) — about 25 KB to the SD card for a single row. Batching the rows of the last
``flush_s`` seconds into one transaction brings that to a few hundred bytes per event
(``bench/bench_access.py`` measures it). The price: a power cut may lose the last
second of log rows; the gate decision itself never waits for the disk.

Each row and its ``access.event`` outbox entry are written in the same transaction.
Visitor-pass uses are counted in memory until they are committed, so a pass cannot be
used twice inside the batching window.
"""

from __future__ import annotations

import collections
import logging
import threading

from appliance.db.models import AccessEvent, VisitorPass
from appliance.sync import outbox

logger = logging.getLogger(__name__)

MAX_QUEUED = 20000  # if the disk is gone for hours, keep the newest rows, not the process


class AccessLog:
    def __init__(self, db, flush_s: float = 1.0):
        self.db = db
        self.flush_s = flush_s
        self._lock = threading.Lock()
        self._rows: collections.deque = collections.deque(maxlen=MAX_QUEUED)
        self._uses: collections.Counter = collections.Counter()  # pass id -> uses not yet committed
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.flushes = 0

    def add(self, row: dict, payload: dict, pass_use: int | None = None) -> None:
        with self._lock:
            self._rows.append((row, payload, pass_use))
            if pass_use is not None:
                self._uses[pass_use] += 1
        if self._thread is None:
            self.flush()  # no writer thread (CLI, tests): write now

    def pending_uses(self, pass_id: int) -> int:
        with self._lock:
            return self._uses[pass_id]

    def pending(self) -> int:
        with self._lock:
            return len(self._rows)

    def flush(self) -> int:
        with self._lock:
            batch = list(self._rows)
            self._rows.clear()
        if not batch:
            return 0
        uses = collections.Counter(p for _r, _p, p in batch if p is not None)
        try:
            with self.db.atomic():
                AccessEvent.insert_many([row for row, _p, _u in batch]).execute()
                for _row, payload, _u in batch:
                    outbox.append("access.event", payload, priority=7)
                for pass_id, n in uses.items():
                    VisitorPass.update(uses=VisitorPass.uses + n).where(VisitorPass.id == pass_id).execute()
        except Exception:
            logger.exception("could not write %s access log rows; will retry", len(batch))
            with self._lock:
                self._rows.extendleft(reversed(batch))
            return 0
        with self._lock:
            self._uses.subtract(uses)
            self._uses += collections.Counter()  # drop zero counts
        self.flushes += 1
        return len(batch)

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="access-log", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.flush_s):
            try:
                self.flush()
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
