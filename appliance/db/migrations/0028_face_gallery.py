"""Several face templates per resident: the enrollment frames each kept, plus a few adapted
from recent entries (kind 'adapted', bounded, oldest out)."""

atomic = True

STATEMENTS = [
    "DROP INDEX face_template_resident",
    "CREATE INDEX face_template_resident ON face_template (resident_id)",
    "ALTER TABLE face_template ADD COLUMN kind VARCHAR(255) NOT NULL DEFAULT 'enrolled'",
]


def up(migrator, db):
    for sql in STATEMENTS:
        db.execute_sql(sql)
