"""Face entry: consent records (kept >= 3 years) and encrypted face templates."""

atomic = True

STATEMENTS = [
    # Consent outlives the resident row and the template: it is the processing record.
    """CREATE TABLE face_consent (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        uuid TEXT NOT NULL UNIQUE,
        resident_id INTEGER REFERENCES resident (id) ON DELETE SET NULL,
        resident_uuid TEXT NOT NULL,
        notice_version VARCHAR(255) NOT NULL,
        channel VARCHAR(255) NOT NULL,
        given_by VARCHAR(255) NOT NULL,
        given_at DATETIME NOT NULL,
        guardian_name VARCHAR(255) NOT NULL DEFAULT '',
        guardian_relation VARCHAR(255) NOT NULL DEFAULT '',
        withdrawn_at DATETIME,
        withdrawn_by VARCHAR(255) NOT NULL DEFAULT '',
        withdrawal_reason VARCHAR(255) NOT NULL DEFAULT '')""",
    "CREATE INDEX face_consent_resident ON face_consent (resident_id)",
    """CREATE TABLE face_template (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        resident_id INTEGER NOT NULL REFERENCES resident (id) ON DELETE CASCADE,
        consent_id INTEGER NOT NULL REFERENCES face_consent (id) ON DELETE CASCADE,
        model VARCHAR(255) NOT NULL,
        ciphertext BLOB NOT NULL,
        frames INTEGER NOT NULL,
        consistency REAL NOT NULL DEFAULT 0,
        created_at DATETIME NOT NULL)""",
    "CREATE UNIQUE INDEX face_template_resident ON face_template (resident_id)",
    """CREATE TABLE face_false_accept (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        resident_id INTEGER REFERENCES resident (id) ON DELETE SET NULL,
        reported_at DATETIME NOT NULL,
        reported_by VARCHAR(255) NOT NULL,
        event_ref VARCHAR(255) NOT NULL DEFAULT '',
        note TEXT NOT NULL DEFAULT '')""",
]


def up(migrator, db):
    for sql in STATEMENTS:
        db.execute_sql(sql)
