"""Parking spaces per zone: a zone of kind parking says how many cars fit in it, so the car
gate can show free spaces per zone from what the zone's camera sees."""

atomic = True

STATEMENTS = [
    "ALTER TABLE fire_zone ADD COLUMN spaces INTEGER NOT NULL DEFAULT 0",
]


def up(migrator, db):
    for sql in STATEMENTS:
        db.execute_sql(sql)
