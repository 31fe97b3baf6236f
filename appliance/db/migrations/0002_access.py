"""Gate access: credentials, schedules, visitor passes and the access log."""

atomic = True

STATEMENTS = [
    """CREATE TABLE credential (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        uuid TEXT NOT NULL UNIQUE,
        resident_id INTEGER NOT NULL REFERENCES resident (id) ON DELETE CASCADE,
        kind VARCHAR(255) NOT NULL,
        lookup VARCHAR(255) UNIQUE,
        hint VARCHAR(255) NOT NULL DEFAULT '',
        version INTEGER NOT NULL DEFAULT 1,
        created_at DATETIME NOT NULL,
        created_by VARCHAR(255) NOT NULL DEFAULT '',
        expires_at DATETIME,
        revoked_at DATETIME,
        revoked_by VARCHAR(255))""",
    "CREATE INDEX credential_resident ON credential (resident_id)",
    """CREATE TABLE access_schedule (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        resident_id INTEGER NOT NULL UNIQUE REFERENCES resident (id) ON DELETE CASCADE,
        weekdays VARCHAR(255) NOT NULL DEFAULT '1234567',
        start VARCHAR(255) NOT NULL DEFAULT '00:00',
        "end" VARCHAR(255) NOT NULL DEFAULT '24:00')""",
    """CREATE TABLE visitor_pass (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        uuid TEXT NOT NULL UNIQUE,
        host_id INTEGER REFERENCES resident (id) ON DELETE CASCADE,
        note VARCHAR(255) NOT NULL DEFAULT '',
        created_by VARCHAR(255) NOT NULL,
        created_at DATETIME NOT NULL,
        valid_from DATETIME NOT NULL,
        valid_until DATETIME NOT NULL,
        max_uses INTEGER NOT NULL DEFAULT 1,
        uses INTEGER NOT NULL DEFAULT 0,
        revoked_at DATETIME)""",
    """CREATE TABLE access_event (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at DATETIME NOT NULL,
        method VARCHAR(255) NOT NULL,
        granted INTEGER NOT NULL,
        reason VARCHAR(255) NOT NULL,
        resident_id INTEGER REFERENCES resident (id) ON DELETE SET NULL,
        visitor_pass_id INTEGER REFERENCES visitor_pass (id) ON DELETE SET NULL,
        source VARCHAR(255) NOT NULL DEFAULT '',
        detail VARCHAR(255) NOT NULL DEFAULT '')""",
    "CREATE INDEX access_event_at ON access_event (at)",
]


def up(migrator, db):
    for sql in STATEMENTS:
        db.execute_sql(sql)
