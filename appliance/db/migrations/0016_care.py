"""Care for elders living alone: care plans, raw signals (never synced), learned routines,
alerts with their ladder steps, and visits (探访记录)."""

atomic = True

STATEMENTS = [
    """CREATE TABLE care_plan (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        uuid TEXT NOT NULL UNIQUE,
        resident_id INTEGER NOT NULL UNIQUE REFERENCES resident (id) ON DELETE CASCADE,
        consent_by VARCHAR(255) NOT NULL DEFAULT '',
        consent_at DATETIME,
        health_consent INTEGER NOT NULL DEFAULT 0,
        volunteer VARCHAR(255) NOT NULL DEFAULT '',
        family_name VARCHAR(255) NOT NULL DEFAULT '',
        family_phone VARCHAR(255) NOT NULL DEFAULT '',
        call_elder INTEGER NOT NULL DEFAULT 1,
        use_gate INTEGER NOT NULL DEFAULT 1,
        water_meter VARCHAR(255) NOT NULL DEFAULT '',
        door_sensor VARCHAR(255) NOT NULL DEFAULT '',
        floor_hours INTEGER NOT NULL DEFAULT 24,
        tolerance_hours REAL NOT NULL DEFAULT 0,
        active INTEGER NOT NULL DEFAULT 1,
        created_at DATETIME NOT NULL,
        updated_at DATETIME NOT NULL)""",
    """CREATE TABLE care_signal (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        resident_id INTEGER NOT NULL REFERENCES resident (id) ON DELETE CASCADE,
        source_id VARCHAR(255) NOT NULL DEFAULT '',
        kind VARCHAR(255) NOT NULL,
        value REAL,
        at DATETIME NOT NULL)""",
    "CREATE INDEX care_signal_resident_at ON care_signal (resident_id, at)",
    """CREATE TABLE care_routine (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        resident_id INTEGER NOT NULL UNIQUE REFERENCES resident (id) ON DELETE CASCADE,
        hours TEXT NOT NULL DEFAULT '[]',
        limit_hours REAL NOT NULL DEFAULT 24,
        active_limit_hours REAL,
        days INTEGER NOT NULL DEFAULT 0,
        computed_at DATETIME NOT NULL)""",
    """CREATE TABLE care_alert (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        uuid TEXT NOT NULL UNIQUE,
        resident_id INTEGER NOT NULL REFERENCES resident (id) ON DELETE CASCADE,
        kind VARCHAR(255) NOT NULL,
        raised_at DATETIME NOT NULL,
        silent_hours REAL,
        step VARCHAR(255) NOT NULL DEFAULT 'raised',
        next_at DATETIME,
        order_id INTEGER REFERENCES work_order (id) ON DELETE SET NULL,
        acknowledged_at DATETIME,
        acknowledged_by VARCHAR(255) NOT NULL DEFAULT '',
        closed_at DATETIME,
        closed_by VARCHAR(255) NOT NULL DEFAULT '',
        outcome VARCHAR(255) NOT NULL DEFAULT '')""",
    "CREATE INDEX care_alert_resident ON care_alert (resident_id)",
    "CREATE INDEX care_alert_closed_at ON care_alert (closed_at)",
    """CREATE TABLE care_alert_step (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        alert_id INTEGER NOT NULL REFERENCES care_alert (id) ON DELETE CASCADE,
        step VARCHAR(255) NOT NULL,
        at DATETIME NOT NULL,
        result VARCHAR(255) NOT NULL DEFAULT '',
        detail TEXT NOT NULL DEFAULT '')""",
    "CREATE INDEX care_alert_step_alert ON care_alert_step (alert_id)",
    """CREATE TABLE care_visit (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        uuid TEXT NOT NULL UNIQUE,
        resident_id INTEGER NOT NULL REFERENCES resident (id) ON DELETE CASCADE,
        visitor VARCHAR(255) NOT NULL,
        at DATETIME NOT NULL,
        condition VARCHAR(255) NOT NULL DEFAULT 'good',
        notes TEXT NOT NULL DEFAULT '',
        needs TEXT NOT NULL DEFAULT '',
        alert_id INTEGER REFERENCES care_alert (id) ON DELETE SET NULL,
        created_at DATETIME NOT NULL)""",
    "CREATE INDEX care_visit_resident_at ON care_visit (resident_id, at)",
]


def up(migrator, db):
    for sql in STATEMENTS:
        db.execute_sql(sql)
