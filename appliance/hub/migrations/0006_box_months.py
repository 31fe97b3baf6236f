"""Per box and month of storing: the lowest and highest seq the hub stored then.

Why: ``hub_entry`` is partitioned by the month a row was stored (0005), but ingest looks rows
up by (box, seq). Without the month in the query PostgreSQL plans and probes every month's
index; with a hundred months a batch of 20 entries was stored at half the speed of a hub with
four. This table says which months can hold a box's seqs, so ingest names those months and the
planner prunes the rest. It is a superset by design: rows deleted by retention leave their
month's range as it was (a probe that finds nothing), and a month dropped whole takes its rows
here with it (appliance/hub/retention.py).

SQLite keeps the table too (the same ingest code runs on both); there it costs one small upsert
per batch.
"""

from peewee import SqliteDatabase

atomic = True


def up(migrator, db):
    db.execute_sql("""CREATE TABLE IF NOT EXISTS hub_box_month (
        box VARCHAR(255) NOT NULL,
        month DATE NOT NULL,
        first_seq BIGINT NOT NULL,
        last_seq BIGINT NOT NULL,
        PRIMARY KEY (box, month))""")
    # Rows stored before this migration, once. (SQLite keeps times as text.)
    month = ("substr(received_at, 1, 7) || '-01'" if isinstance(db, SqliteDatabase)
             else "CAST(date_trunc('month', received_at) AS DATE)")
    db.execute_sql(f"INSERT INTO hub_box_month (box, month, first_seq, last_seq) "
                   f"SELECT box, {month}, MIN(seq), MAX(seq) FROM hub_entry GROUP BY box, {month}")
