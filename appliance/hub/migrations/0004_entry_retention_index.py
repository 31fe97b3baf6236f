"""An index on hub_entry (kind, at): the district's events page filtered by kind, newest first,
and the retention job (appliance/hub/retention.py), which deletes one kind's oldest rows, both
read it instead of scanning every entry. Plus (at, box, seq) so "newest events across
communities" is read in page order without sorting."""

atomic = True

STATEMENTS = [
    "CREATE INDEX IF NOT EXISTS hub_entry_kind_at ON hub_entry (kind, at)",
    "CREATE INDEX IF NOT EXISTS hub_entry_at_box_seq ON hub_entry (at, box, seq)",
]


def up(migrator, db):
    for sql in STATEMENTS:
        db.execute_sql(sql)
