"""The hub's entries by month on PostgreSQL (migration 0005): making months ahead, listing
them, dropping a whole month.

``hub_entry`` is partitioned by range on ``received_at`` (when the hub stored the row), one
partition per calendar month, named ``hub_entry_yYYYYmMM``, plus ``hub_entry_default`` for a
row whose month has no partition yet (an insert never fails for a date). Workers make this
month and the next ``[hub] partitions_ahead`` at start and once a day; a month that arrives
while rows of it sit in the default partition takes them over when it is made.

On SQLite (and on a PostgreSQL hub not yet migrated) every function here does nothing.
"""

from __future__ import annotations

import datetime
import logging
import re
from dataclasses import dataclass

from peewee import OperationalError, PostgresqlDatabase

logger = logging.getLogger(__name__)

TABLE = "hub_entry"
DEFAULT = "hub_entry_default"
# Held (per transaction) while months are made or dropped: two workers starting together
# would otherwise both try to create the same table.
LOCK_KEY = 4242180002
_BOUND = re.compile(r"FROM \('([^']+)'\) TO \('([^']+)'\)")


@dataclass(frozen=True)
class Month:
    name: str
    start: datetime.datetime  # first instant in it
    end: datetime.datetime  # first instant of the next month

    @property
    def label(self) -> str:
        return self.start.strftime("%Y-%m")


def month_start(when: datetime.datetime | datetime.date) -> datetime.datetime:
    return datetime.datetime(when.year, when.month, 1)


def add_months(start: datetime.datetime, n: int) -> datetime.datetime:
    index = start.year * 12 + start.month - 1 + n
    return datetime.datetime(index // 12, index % 12 + 1, 1)


def month_of(start: datetime.datetime) -> Month:
    return Month(f"{TABLE}_y{start.year:04d}m{start.month:02d}", start, add_months(start, 1))


def is_partitioned(db) -> bool:
    if not isinstance(db, PostgresqlDatabase):
        return False
    row = db.execute_sql("SELECT c.relkind FROM pg_class c WHERE c.oid = to_regclass(%s)", (TABLE,)).fetchone()
    return bool(row) and row[0] == "p"


def months(db) -> list[Month]:
    """The monthly partitions that exist, oldest first (the default partition is not one)."""
    if not is_partitioned(db):
        return []
    rows = db.execute_sql(
        "SELECT c.relname, pg_get_expr(c.relpartbound, c.oid) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        "WHERE i.inhparent = to_regclass(%s)", (TABLE,)).fetchall()
    out = []
    for name, bound in rows:
        m = _BOUND.search(bound or "")
        if m:
            out.append(Month(name, datetime.datetime.fromisoformat(m.group(1)),
                             datetime.datetime.fromisoformat(m.group(2))))
    return sorted(out, key=lambda m: m.start)


def ensure_months(db, ahead: int, *, now: datetime.datetime | None = None, back: int = 0) -> list[str]:
    """Make this month's partition and the next ``ahead`` months' (and ``back`` past months')
    where missing; the names made. Idempotent; two workers doing it at once wait for each
    other on an advisory lock, and the second finds nothing to make."""
    if not is_partitioned(db):
        return []
    first = month_start(now or datetime.datetime.now())
    wanted = [month_of(add_months(first, n)) for n in range(-back, ahead + 1)]
    made = []
    with db.atomic():
        db.execute_sql("SELECT pg_advisory_xact_lock(%s)", (LOCK_KEY,))
        have = {m.start for m in months(db)}
        for month in wanted:
            if month.start not in have:
                _make(db, month)
                made.append(month.name)
    if made:
        logger.info("hub entry partitions made: %s", ", ".join(made))
    return made


def _make(db, month: Month) -> None:
    bounds = (month.start, month.end)
    stray = db.execute_sql(f"SELECT EXISTS (SELECT 1 FROM {DEFAULT} WHERE received_at >= %s AND received_at < %s)",
                           bounds).fetchone()[0]
    if not stray:
        db.execute_sql(f"CREATE TABLE {month.name} PARTITION OF {TABLE} FOR VALUES FROM (%s) TO (%s)", bounds)
        return
    # PostgreSQL refuses a new partition while the default one holds rows of its range: make
    # the month as a plain table, move those rows into it, then attach it (the parent's
    # indexes are built on it then).
    db.execute_sql(f"CREATE TABLE {month.name} (LIKE {TABLE} INCLUDING DEFAULTS)")
    db.execute_sql(f"WITH moved AS (DELETE FROM {DEFAULT} WHERE received_at >= %s AND received_at < %s RETURNING *) "
                   f"INSERT INTO {month.name} SELECT * FROM moved", bounds)
    db.execute_sql(f"ALTER TABLE {TABLE} ATTACH PARTITION {month.name} FOR VALUES FROM (%s) TO (%s)", bounds)
    logger.info("hub entries of %s moved out of the default partition", month.label)


def drop_month(db, month: Month, lock_timeout_s: float = 5.0) -> bool:
    """Detach and drop one month's partition; False when the table stayed busy for
    ``lock_timeout_s`` (a long read on the district pages): its rows are then deleted row by row.

    Detaching locks ``hub_entry`` briefly; ingest waits for it rather than failing."""
    try:
        with db.atomic():
            db.execute_sql("SELECT pg_advisory_xact_lock(%s)", (LOCK_KEY,))
            db.execute_sql(f"SET LOCAL lock_timeout = '{int(lock_timeout_s * 1000)}ms'")
            db.execute_sql(f"ALTER TABLE {TABLE} DETACH PARTITION {month.name}")
            db.execute_sql(f"DROP TABLE {month.name}")
    except OperationalError as exc:
        # peewee wraps psycopg2's error as the first argument; 55P03 is lock_not_available.
        if getattr(exc.args[0] if exc.args else None, "pgcode", None) != "55P03":
            raise
        logger.warning("hub entries of %s: table busy, deleting row by row instead", month.label)
        return False
    logger.info("hub entry partition %s dropped", month.name)
    return True
