"""Before a vote: 有话要说 suggestions (moderated, +1 once per household) and e协商 consultations
(proposals, comments, support, a published summary, optionally turned into a vote)."""

atomic = True

STATEMENTS = [
    """CREATE TABLE suggestion (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        uuid TEXT NOT NULL UNIQUE,
        household_id INTEGER REFERENCES household (id) ON DELETE SET NULL,
        building VARCHAR(255) NOT NULL DEFAULT '',
        text TEXT NOT NULL,
        photo VARCHAR(255) NOT NULL DEFAULT '',
        status VARCHAR(255) NOT NULL DEFAULT 'pending',
        reply TEXT NOT NULL DEFAULT '',
        reason VARCHAR(255) NOT NULL DEFAULT '',
        merged_into_id INTEGER REFERENCES suggestion (id) ON DELETE SET NULL,
        created_by VARCHAR(255) NOT NULL DEFAULT '',
        created_at DATETIME NOT NULL,
        moderated_by VARCHAR(255) NOT NULL DEFAULT '',
        moderated_at DATETIME)""",
    "CREATE INDEX suggestion_status ON suggestion (status)",
    """CREATE TABLE suggestion_support (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        suggestion_id INTEGER NOT NULL REFERENCES suggestion (id) ON DELETE CASCADE,
        household_id INTEGER NOT NULL REFERENCES household (id) ON DELETE CASCADE,
        created_at DATETIME NOT NULL)""",
    "CREATE UNIQUE INDEX suggestion_support_once ON suggestion_support (suggestion_id, household_id)",
    """CREATE TABLE consultation (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        uuid TEXT NOT NULL UNIQUE,
        topic VARCHAR(255) NOT NULL,
        background TEXT NOT NULL DEFAULT '',
        closes_at DATETIME,
        status VARCHAR(255) NOT NULL DEFAULT 'open',
        summary TEXT NOT NULL DEFAULT '',
        vote_id INTEGER REFERENCES vote (id) ON DELETE SET NULL,
        created_by VARCHAR(255) NOT NULL DEFAULT '',
        created_at DATETIME NOT NULL)""",
    """CREATE TABLE consultation_proposal (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        consultation_id INTEGER NOT NULL REFERENCES consultation (id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        text VARCHAR(255) NOT NULL,
        item INTEGER NOT NULL DEFAULT 9 CHECK (item BETWEEN 1 AND 9))""",
    """CREATE TABLE consultation_comment (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        consultation_id INTEGER NOT NULL REFERENCES consultation (id) ON DELETE CASCADE,
        household_id INTEGER REFERENCES household (id) ON DELETE SET NULL,
        building VARCHAR(255) NOT NULL DEFAULT '',
        text TEXT NOT NULL,
        created_at DATETIME NOT NULL)""",
    "CREATE INDEX consultation_comment_consultation ON consultation_comment (consultation_id)",
    """CREATE TABLE proposal_support (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        proposal_id INTEGER NOT NULL REFERENCES consultation_proposal (id) ON DELETE CASCADE,
        household_id INTEGER NOT NULL REFERENCES household (id) ON DELETE CASCADE,
        created_at DATETIME NOT NULL)""",
    "CREATE UNIQUE INDEX proposal_support_once ON proposal_support (proposal_id, household_id)",
]


def up(migrator, db):
    for sql in STATEMENTS:
        db.execute_sql(sql)
