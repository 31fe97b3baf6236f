"""Drop the outbox's index on kind.

Nothing on the box looks outbox entries up by kind (sync reads them by seq), and the index
was one more page written by every access-log batch: about 100 bytes per gate event on the
SD card (bench/bench_access.py).
"""

atomic = True

STATEMENTS = [
    "DROP INDEX IF EXISTS outbox_entry_kind",
]


def up(migrator, db):
    for sql in STATEMENTS:
        db.execute_sql(sql)
