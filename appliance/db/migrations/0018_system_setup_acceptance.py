"""The first-boot wizard's steps and the acceptance table's staff-filled rows.

``setup_step``: one row per wizard step that was saved or skipped (a step with no row is
still to do), with the values shown again when the step is revisited (never passwords).
``acceptance_entry``: what staff wrote for an indicator row the box cannot measure itself,
with the evidence (where the cameras hang, the contract number, the photo file...).
"""

atomic = True

STATEMENTS = [
    """CREATE TABLE setup_step (
        step VARCHAR(32) NOT NULL PRIMARY KEY,
        status VARCHAR(16) NOT NULL,
        data TEXT NOT NULL DEFAULT '{}',
        updated_at DATETIME NOT NULL,
        updated_by VARCHAR(64) NOT NULL DEFAULT ''
    )""",
    """CREATE TABLE acceptance_entry (
        row_key VARCHAR(64) NOT NULL PRIMARY KEY,
        status VARCHAR(16) NOT NULL,
        evidence TEXT NOT NULL DEFAULT '',
        updated_at DATETIME NOT NULL,
        updated_by VARCHAR(64) NOT NULL DEFAULT ''
    )""",
]


def up(migrator, db):
    for sql in STATEMENTS:
        db.execute_sql(sql)
