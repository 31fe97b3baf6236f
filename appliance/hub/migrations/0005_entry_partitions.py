"""PostgreSQL: hub_entry partitioned by month, so retention drops a whole month at once.

``hub_entry`` becomes a table partitioned BY RANGE on ``received_at`` (the time the hub stored
the row; every row has one, and only the present month receives new rows, so an old month
never changes again and can be dropped whole). One partition per calendar month,
``hub_entry_yYYYYmMM``, made here for every month that already holds rows plus this month
and the next three (workers then keep ``[hub] partitions_ahead`` months made:
appliance/hub/partitions.py); ``hub_entry_default`` takes a row whose month has no partition,
so no date ever fails an insert. The existing rows are copied into the new table and the old
one dropped, all in this migration's one transaction: a failure leaves the old table as it was.

Uniqueness of (box, seq). PostgreSQL requires every unique constraint of a partitioned table
to include the partition key, so (box, seq) can no longer be the primary key: a
``(box, seq, received_at)`` key would let the same entry be stored again in a later month,
which is no uniqueness at all. Decision: no primary key; a plain index on (box, seq), and
the rule ingest already follows (appliance/hub/ingest.py ``store``) is what keeps each entry
once: the box's ``hub_box`` row is locked (SELECT ... FOR UPDATE) before its entries are read,
stored seqs are left out, only then are rows inserted, and all of this happens in one
transaction. Two workers holding the same batch serialise on that lock; the second sees the
first's rows and stores nothing (tests/sync/test_hub_concurrency.py,
tests/sync/test_hub_partitions.py). ingest is the only writer of hub_entry.

The old single-column index on ``kind`` is not made again: (kind, at) serves every query it did.

SQLite: nothing changes. SQLite has no declarative partitioning, and a SQLite hub is the
trial or few-dozen-box case where deleting old rows one by one is quick enough; there
hub_entry keeps its (box, seq) primary key.
"""

import datetime

from peewee import PostgresqlDatabase

atomic = True

AHEAD = 3  # months made beyond this one (frozen here; the setting governs afterwards)

INDEXES = [
    "CREATE INDEX hub_entry_box_seq ON hub_entry (box, seq)",
    "CREATE INDEX hub_entry_uuid ON hub_entry (uuid)",
    "CREATE INDEX hub_entry_at ON hub_entry (at)",
    "CREATE INDEX hub_entry_box_at ON hub_entry (box, at)",
    "CREATE INDEX hub_entry_kind_at ON hub_entry (kind, at)",
]


def _next(start: datetime.datetime, n: int = 1) -> datetime.datetime:
    index = start.year * 12 + start.month - 1 + n
    return datetime.datetime(index // 12, index % 12 + 1, 1)


def up(migrator, db):
    if not isinstance(db, PostgresqlDatabase):
        return
    kind = db.execute_sql("SELECT relkind FROM pg_class WHERE oid = to_regclass('hub_entry')").fetchone()[0]
    if kind == "p":
        return
    db.execute_sql("ALTER TABLE hub_entry RENAME TO hub_entry_unpartitioned")
    db.execute_sql("CREATE TABLE hub_entry (LIKE hub_entry_unpartitioned INCLUDING DEFAULTS) "
                   "PARTITION BY RANGE (received_at)")
    db.execute_sql("CREATE TABLE hub_entry_default PARTITION OF hub_entry DEFAULT")
    now = datetime.datetime.now()
    this_month = datetime.datetime(now.year, now.month, 1)
    starts = {_next(this_month, n) for n in range(AHEAD + 1)}
    starts |= {m for (m,) in db.execute_sql("SELECT DISTINCT date_trunc('month', received_at) "
                                            "FROM hub_entry_unpartitioned WHERE received_at IS NOT NULL")}
    for start in sorted(starts):
        db.execute_sql(f"CREATE TABLE hub_entry_y{start.year:04d}m{start.month:02d} PARTITION OF hub_entry "
                       f"FOR VALUES FROM (%s) TO (%s)", (start, _next(start)))
    db.execute_sql("INSERT INTO hub_entry SELECT * FROM hub_entry_unpartitioned")
    db.execute_sql("DROP TABLE hub_entry_unpartitioned")
    for sql in INDEXES:  # after the copy: one build per partition instead of row by row
        db.execute_sql(sql)
