"""Fire-lane notices keep the network's SMS references and what the delivery reports said."""

atomic = True

STATEMENTS = [
    "ALTER TABLE fire_notice ADD COLUMN ref VARCHAR(255) NOT NULL DEFAULT ''",
    "ALTER TABLE fire_notice ADD COLUMN reports TEXT NOT NULL DEFAULT ''",
    "ALTER TABLE fire_notice ADD COLUMN delivered_at DATETIME",
]


def up(migrator, db):
    for sql in STATEMENTS:
        db.execute_sql(sql)
