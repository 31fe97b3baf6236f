"""Per box, day and kind: how many entries the hub stored (access events, fire-lane events,
reports...). The district reads these every day; they are kept up to date as batches are
stored instead of counted from raw rows. Plus an index for "one box's events by time"."""

atomic = True

STATEMENTS = [
    """CREATE TABLE IF NOT EXISTS hub_box_day (
        box VARCHAR(255) NOT NULL,
        day DATE NOT NULL,
        kind VARCHAR(255) NOT NULL,
        entries BIGINT NOT NULL DEFAULT 0,
        PRIMARY KEY (box, day, kind))""",
    "CREATE INDEX IF NOT EXISTS hub_box_day_day ON hub_box_day (day, kind)",
    "CREATE INDEX IF NOT EXISTS hub_entry_box_at ON hub_entry (box, at)",
]


def up(migrator, db):
    for sql in STATEMENTS:
        db.execute_sql(sql)
    # Entries stored before this migration are counted once, here. (SQLite keeps times as
    # text, and CAST(... AS DATE) there would give a number.)
    from peewee import SqliteDatabase

    day = "substr(at, 1, 10)" if isinstance(db, SqliteDatabase) else "CAST(at AS DATE)"
    db.execute_sql(f"INSERT INTO hub_box_day (box, day, kind, entries) "
                   f"SELECT box, {day}, kind, COUNT(*) FROM hub_entry GROUP BY box, {day}, kind")
