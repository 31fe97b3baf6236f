"""Owners' votes: objections (询异) raised against the preliminary result notice, each answered
(upheld or dismissed, with the reason) before the final result can be published."""

atomic = True

STATEMENTS = [
    """CREATE TABLE vote_objection (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        vote_id INTEGER NOT NULL REFERENCES vote (id) ON DELETE RESTRICT,
        unit VARCHAR(255) NOT NULL DEFAULT '',
        text TEXT NOT NULL,
        received_by VARCHAR(255) NOT NULL,
        received_at DATETIME NOT NULL,
        outcome VARCHAR(255) NOT NULL DEFAULT '',
        answer TEXT NOT NULL DEFAULT '',
        answered_by VARCHAR(255) NOT NULL DEFAULT '',
        answered_at DATETIME)""",
    "CREATE INDEX vote_objection_vote ON vote_objection (vote_id)",
]


def up(migrator, db):
    for sql in STATEMENTS:
        db.execute_sql(sql)
