"""Owners' votes: votes, matters, the per-unit roll, the hash-chained ledger, paper ballots."""

atomic = True

STATEMENTS = [
    """CREATE TABLE vote (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        uuid TEXT NOT NULL UNIQUE,
        title VARCHAR(255) NOT NULL,
        body TEXT NOT NULL DEFAULT '',
        scope TEXT NOT NULL DEFAULT '[]',
        rule VARCHAR(255) NOT NULL DEFAULT 'strict',
        warning TEXT NOT NULL DEFAULT '',
        scrutineers VARCHAR(255) NOT NULL DEFAULT '',
        status VARCHAR(255) NOT NULL DEFAULT 'draft',
        opens_at DATETIME,
        closes_at DATETIME,
        correction_until DATETIME,
        objection_until DATETIME,
        created_by VARCHAR(255) NOT NULL DEFAULT '',
        created_at DATETIME NOT NULL,
        result TEXT)""",
    """CREATE TABLE vote_matter (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        vote_id INTEGER NOT NULL REFERENCES vote (id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        title VARCHAR(255) NOT NULL,
        item INTEGER NOT NULL CHECK (item BETWEEN 1 AND 9))""",
    "CREATE UNIQUE INDEX vote_matter_position ON vote_matter (vote_id, position)",
    """CREATE TABLE vote_roll (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        vote_id INTEGER NOT NULL REFERENCES vote (id) ON DELETE CASCADE,
        unit_id INTEGER REFERENCES unit (id) ON DELETE SET NULL,
        building VARCHAR(255) NOT NULL,
        number VARCHAR(255) NOT NULL,
        area INTEGER NOT NULL CHECK (area > 0),
        owner_key VARCHAR(255) NOT NULL,
        owner_label VARCHAR(255) NOT NULL DEFAULT '',
        delivered_at DATETIME,
        delivered_how VARCHAR(255) NOT NULL DEFAULT '',
        delivered_by VARCHAR(255) NOT NULL DEFAULT '')""",
    "CREATE UNIQUE INDEX vote_roll_unit ON vote_roll (vote_id, building, number)",
    "CREATE INDEX vote_roll_owner ON vote_roll (vote_id, owner_key)",
    """CREATE TABLE vote_entry (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        vote_id INTEGER NOT NULL REFERENCES vote (id) ON DELETE RESTRICT,
        seq INTEGER NOT NULL,
        at DATETIME NOT NULL,
        kind VARCHAR(255) NOT NULL,
        owner_key VARCHAR(255) NOT NULL,
        generation INTEGER NOT NULL DEFAULT 0,
        units VARCHAR(255) NOT NULL DEFAULT '',
        choices TEXT NOT NULL DEFAULT '{}',
        channel VARCHAR(255) NOT NULL DEFAULT '',
        entered_by VARCHAR(255) NOT NULL DEFAULT '',
        confirmed_by VARCHAR(255) NOT NULL DEFAULT '',
        proxy_doc VARCHAR(255) NOT NULL DEFAULT '',
        evidence VARCHAR(255) NOT NULL DEFAULT '',
        reverses INTEGER,
        note VARCHAR(255) NOT NULL DEFAULT '',
        prev_hash VARCHAR(255) NOT NULL,
        hash VARCHAR(255) NOT NULL)""",
    "CREATE UNIQUE INDEX vote_entry_seq ON vote_entry (vote_id, seq)",
    # The last line of defence for "one ballot per owner": whatever the code does, SQLite keeps
    # at most one ballot per owner between reversals.
    "CREATE UNIQUE INDEX vote_entry_one_ballot ON vote_entry (vote_id, owner_key, generation) WHERE kind = 'ballot'",
    # Append-only: the ledger refuses edits and deletions at the database itself.
    """CREATE TRIGGER vote_entry_no_update BEFORE UPDATE ON vote_entry
        BEGIN SELECT RAISE(ABORT, 'the ballot ledger is append-only'); END""",
    """CREATE TRIGGER vote_entry_no_delete BEFORE DELETE ON vote_entry
        BEGIN SELECT RAISE(ABORT, 'the ballot ledger is append-only'); END""",
    """CREATE TABLE vote_paper (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        vote_id INTEGER NOT NULL REFERENCES vote (id) ON DELETE CASCADE,
        roll_id INTEGER NOT NULL REFERENCES vote_roll (id) ON DELETE CASCADE,
        choices TEXT NOT NULL DEFAULT '{}',
        channel VARCHAR(255) NOT NULL DEFAULT 'paper',
        proxy_doc VARCHAR(255) NOT NULL DEFAULT '',
        evidence VARCHAR(255) NOT NULL DEFAULT '',
        entered_by VARCHAR(255) NOT NULL,
        entered_at DATETIME NOT NULL,
        status VARCHAR(255) NOT NULL DEFAULT 'pending',
        decided_by VARCHAR(255) NOT NULL DEFAULT '',
        decided_at DATETIME,
        reason VARCHAR(255) NOT NULL DEFAULT '')""",
    "CREATE INDEX vote_paper_vote ON vote_paper (vote_id, status)",
]


def up(migrator, db):
    for sql in STATEMENTS:
        db.execute_sql(sql)
