"""Devices: lamps and sensors (one registry), hourly reading aggregates, lamp overrides."""

atomic = True

STATEMENTS = [
    """CREATE TABLE device (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        uuid TEXT NOT NULL UNIQUE,
        name VARCHAR(255) NOT NULL UNIQUE,
        kind VARCHAR(255) NOT NULL,
        source VARCHAR(255) NOT NULL DEFAULT 'zigbee2mqtt',
        place VARCHAR(255) NOT NULL DEFAULT '',
        plan_x REAL,
        plan_y REAL,
        interval_s INTEGER NOT NULL DEFAULT 3600,
        responsible VARCHAR(255) NOT NULL DEFAULT '',
        watts REAL NOT NULL DEFAULT 0,
        settings TEXT NOT NULL DEFAULT '{}',
        active INTEGER NOT NULL DEFAULT 1,
        battery REAL,
        linkquality INTEGER,
        last_seen DATETIME,
        last_state TEXT NOT NULL DEFAULT '{}',
        online INTEGER,
        created_at DATETIME NOT NULL,
        updated_at DATETIME NOT NULL)""",
    "CREATE INDEX device_kind ON device (kind)",
    # WITHOUT ROWID on the natural key: one b-tree instead of a table plus a unique index,
    # so an hourly flush dirties half the pages (SD card wear, see bench_devices).
    """CREATE TABLE device_hour (
        device_id INTEGER NOT NULL REFERENCES device (id) ON DELETE CASCADE,
        metric VARCHAR(255) NOT NULL,
        hour DATETIME NOT NULL,
        n INTEGER NOT NULL DEFAULT 0,
        total REAL NOT NULL DEFAULT 0,
        low REAL,
        high REAL,
        last REAL,
        PRIMARY KEY (device_id, metric, hour)) WITHOUT ROWID""",
    """CREATE TABLE lamp_override (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        device_id INTEGER NOT NULL REFERENCES device (id) ON DELETE CASCADE,
        "on" INTEGER NOT NULL,
        level REAL NOT NULL DEFAULT 1.0,
        until DATETIME NOT NULL,
        actor VARCHAR(255) NOT NULL DEFAULT '',
        reason VARCHAR(255) NOT NULL DEFAULT '',
        created_at DATETIME NOT NULL,
        cancelled INTEGER NOT NULL DEFAULT 0)""",
    "CREATE INDEX lamp_override_device ON lamp_override (device_id, until)",
]


def up(migrator, db):
    for sql in STATEMENTS:
        db.execute_sql(sql)
