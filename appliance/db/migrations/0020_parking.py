"""The car gate: visitor car passes, car events, volunteer questions, car-park counts."""

atomic = True

STATEMENTS = [
    """CREATE TABLE car_pass (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        uuid TEXT NOT NULL UNIQUE,
        plate VARCHAR(255) NOT NULL,
        resident_id INTEGER REFERENCES resident (id) ON DELETE CASCADE,
        created_by VARCHAR(255) NOT NULL DEFAULT '',
        valid_from DATETIME NOT NULL,
        valid_until DATETIME NOT NULL,
        max_entries INTEGER NOT NULL DEFAULT 1,
        entries INTEGER NOT NULL DEFAULT 0,
        note VARCHAR(255) NOT NULL DEFAULT '',
        created_at DATETIME NOT NULL,
        revoked_at DATETIME,
        revoked_by VARCHAR(255))""",
    "CREATE INDEX car_pass_plate ON car_pass (plate)",
    """CREATE TABLE car_question (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        lane VARCHAR(255) NOT NULL DEFAULT 'entry',
        plate_read VARCHAR(255) NOT NULL DEFAULT '',
        confidence REAL NOT NULL DEFAULT 0,
        why VARCHAR(255) NOT NULL,
        candidates TEXT NOT NULL DEFAULT '[]',
        picture VARCHAR(255) NOT NULL DEFAULT '',
        asked_at DATETIME NOT NULL,
        answered_at DATETIME,
        answer VARCHAR(255),
        answered_by VARCHAR(255),
        reason TEXT NOT NULL DEFAULT '')""",
    "CREATE INDEX car_question_asked_at ON car_question (asked_at)",
    """CREATE TABLE car_event (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        uuid TEXT NOT NULL UNIQUE,
        at DATETIME NOT NULL,
        lane VARCHAR(255) NOT NULL DEFAULT 'entry',
        plate VARCHAR(255) NOT NULL DEFAULT '',
        decision VARCHAR(255) NOT NULL,
        reason VARCHAR(255) NOT NULL,
        vehicle_id INTEGER REFERENCES vehicle (id) ON DELETE SET NULL,
        car_pass_id INTEGER REFERENCES car_pass (id) ON DELETE SET NULL,
        question_id INTEGER REFERENCES car_question (id) ON DELETE SET NULL,
        actor VARCHAR(255) NOT NULL DEFAULT '')""",
    "CREATE INDEX car_event_at ON car_event (at)",
    """CREATE TABLE car_park_count (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at DATETIME NOT NULL,
        inside INTEGER NOT NULL,
        last_event INTEGER NOT NULL DEFAULT 0,
        counted_by VARCHAR(255) NOT NULL DEFAULT '')""",
]


def up(migrator, db):
    for sql in STATEMENTS:
        db.execute_sql(sql)
