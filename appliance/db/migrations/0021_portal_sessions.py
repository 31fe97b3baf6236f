"""Residents' phone sessions live on the box: signing out of /me ends a copied cookie too."""

atomic = True

STATEMENTS = [
    """CREATE TABLE portal_session (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        resident_id INTEGER NOT NULL REFERENCES resident (id) ON DELETE CASCADE,
        credential_id INTEGER NOT NULL REFERENCES credential (id) ON DELETE CASCADE,
        token_hash VARCHAR(255) NOT NULL UNIQUE,
        created_at DATETIME NOT NULL,
        ended_at DATETIME)""",
    "CREATE INDEX portal_session_resident_id ON portal_session (resident_id)",
]


def up(migrator, db):
    for sql in STATEMENTS:
        db.execute_sql(sql)
