"""Participation: report photos, "fixed?" follow-ups, Open311 keys, notices and reads, ratings."""

atomic = True

STATEMENTS = [
    """CREATE TABLE report_photo (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        uuid TEXT NOT NULL UNIQUE,
        order_id INTEGER NOT NULL REFERENCES work_order (id) ON DELETE CASCADE,
        name VARCHAR(255) NOT NULL UNIQUE,
        width INTEGER NOT NULL,
        height INTEGER NOT NULL,
        size INTEGER NOT NULL,
        created_at DATETIME NOT NULL,
        deleted_at DATETIME)""",
    "CREATE INDEX report_photo_order_id ON report_photo (order_id)",
    """CREATE TABLE report_followup (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        order_id INTEGER NOT NULL UNIQUE REFERENCES work_order (id) ON DELETE CASCADE,
        fixed_at DATETIME NOT NULL,
        asked_at DATETIME NOT NULL,
        sms VARCHAR(255) NOT NULL DEFAULT '',
        answered_at DATETIME,
        really_fixed INTEGER,
        stars INTEGER)""",
    """CREATE TABLE open311_key (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        name VARCHAR(255) NOT NULL UNIQUE,
        key_hash VARCHAR(255) NOT NULL UNIQUE,
        prefix VARCHAR(255) NOT NULL,
        created_at DATETIME NOT NULL,
        created_by VARCHAR(255) NOT NULL DEFAULT '',
        revoked_at DATETIME,
        last_used_at DATETIME)""",
    """CREATE TABLE notice (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        uuid TEXT NOT NULL UNIQUE,
        title VARCHAR(255) NOT NULL,
        body TEXT NOT NULL DEFAULT '',
        picture VARCHAR(255) NOT NULL DEFAULT '',
        buildings TEXT NOT NULL DEFAULT '[]',
        pinned INTEGER NOT NULL DEFAULT 0,
        important INTEGER NOT NULL DEFAULT 0,
        expires_at DATETIME,
        source VARCHAR(255) NOT NULL DEFAULT 'local',
        created_at DATETIME NOT NULL,
        created_by VARCHAR(255) NOT NULL DEFAULT '',
        withdrawn_at DATETIME)""",
    "CREATE INDEX notice_created_at ON notice (created_at)",
    """CREATE TABLE notice_read (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        notice_id INTEGER NOT NULL REFERENCES notice (id) ON DELETE CASCADE,
        unit_id INTEGER NOT NULL REFERENCES unit (id) ON DELETE CASCADE,
        resident_id INTEGER REFERENCES resident (id) ON DELETE SET NULL,
        at DATETIME NOT NULL)""",
    "CREATE UNIQUE INDEX notice_read_notice_id_unit_id ON notice_read (notice_id, unit_id)",
    """CREATE TABLE rating (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        period VARCHAR(255) NOT NULL,
        household VARCHAR(255) NOT NULL,
        aspect VARCHAR(255) NOT NULL,
        stars INTEGER NOT NULL)""",
    "CREATE INDEX rating_period ON rating (period)",
    "CREATE UNIQUE INDEX rating_period_household_aspect ON rating (period, household, aspect)",
]


def up(migrator, db):
    for sql in STATEMENTS:
        db.execute_sql(sql)
