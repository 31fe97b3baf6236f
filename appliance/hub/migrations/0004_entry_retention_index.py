"""District pages and retention at millions of entries:

- an index on hub_entry (kind, at): the events page filtered by kind, newest first, the
  retention job (appliance/hub/retention.py) deleting one kind's oldest rows, and the list of
  kinds (a skip scan over it) all read it instead of scanning every entry;
- hub_box.entries, the box's stored entries kept by the ingest in the same transaction: the
  boxes overview summed a year of day counts (a million rows for 1,000 boxes) on every view.
"""

atomic = True

STATEMENTS = [
    "CREATE INDEX IF NOT EXISTS hub_entry_kind_at ON hub_entry (kind, at)",
    "ALTER TABLE hub_box ADD COLUMN entries BIGINT NOT NULL DEFAULT 0",
    "UPDATE hub_box SET entries = (SELECT COALESCE(SUM(d.entries), 0) FROM hub_box_day d WHERE d.box = hub_box.box_id)",
]


def up(migrator, db):
    for sql in STATEMENTS:
        db.execute_sql(sql)
