"""Sync: ack state, batch log, data usage per month, downlink log and what downlink brings
(district notices, plate watch list, credential revocations, district settings)."""

atomic = True

STATEMENTS = [
    """CREATE TABLE sync_state (
        key VARCHAR(255) PRIMARY KEY,
        value TEXT NOT NULL)""",
    """CREATE TABLE sync_log (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at DATETIME NOT NULL,
        channel VARCHAR(16) NOT NULL,
        direction VARCHAR(8) NOT NULL,
        first_seq INTEGER,
        last_seq INTEGER,
        entries INTEGER NOT NULL DEFAULT 0,
        bytes INTEGER NOT NULL DEFAULT 0,
        status VARCHAR(32) NOT NULL DEFAULT 'ok',
        detail TEXT NOT NULL DEFAULT '')""",
    "CREATE INDEX sync_log_at ON sync_log (at)",
    """CREATE TABLE sync_usage (
        month VARCHAR(7) PRIMARY KEY,
        bytes INTEGER NOT NULL DEFAULT 0)""",
    """CREATE TABLE downlink_log (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        hub_seq INTEGER NOT NULL UNIQUE,
        kind VARCHAR(64) NOT NULL,
        channel VARCHAR(16) NOT NULL,
        applied_at DATETIME NOT NULL)""",
    """CREATE TABLE district_notice (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        uuid TEXT NOT NULL UNIQUE,
        title VARCHAR(255) NOT NULL,
        body TEXT NOT NULL DEFAULT '',
        received_at DATETIME NOT NULL)""",
    """CREATE TABLE plate_watch (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        plate VARCHAR(16) NOT NULL UNIQUE,
        reason TEXT NOT NULL DEFAULT '',
        added_at DATETIME NOT NULL)""",
    """CREATE TABLE credential_revocation (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        credential VARCHAR(255) NOT NULL UNIQUE,
        reason TEXT NOT NULL DEFAULT '',
        revoked_at DATETIME NOT NULL)""",
    """CREATE TABLE district_setting (
        key VARCHAR(255) PRIMARY KEY,
        value TEXT NOT NULL,
        updated_at DATETIME NOT NULL)""",
]


def up(migrator, db):
    for sql in STATEMENTS:
        db.execute_sql(sql)
