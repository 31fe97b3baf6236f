"""Fire-lane watch: zones per camera, incidents with their evidence, notices sent, settings."""

atomic = True

STATEMENTS = [
    """CREATE TABLE fire_zone (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        uuid TEXT NOT NULL UNIQUE,
        camera VARCHAR(255) NOT NULL,
        name VARCHAR(255) NOT NULL,
        kind VARCHAR(255) NOT NULL DEFAULT 'fire_lane',
        polygon TEXT NOT NULL,
        objects TEXT NOT NULL,
        inertia INTEGER NOT NULL DEFAULT 3,
        dwell_s REAL NOT NULL DEFAULT 60,
        active INTEGER NOT NULL DEFAULT 1)""",
    "CREATE UNIQUE INDEX fire_zone_camera_name ON fire_zone (camera, name)",
    """CREATE TABLE fire_incident (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        uuid TEXT NOT NULL UNIQUE,
        zone_id INTEGER NOT NULL REFERENCES fire_zone (id) ON DELETE RESTRICT,
        camera VARCHAR(255) NOT NULL,
        track_id INTEGER NOT NULL,
        label VARCHAR(255) NOT NULL DEFAULT '',
        plate VARCHAR(255) NOT NULL DEFAULT '',
        plate_confidence REAL NOT NULL DEFAULT 0,
        plate_reads INTEGER NOT NULL DEFAULT 0,
        vehicle_id INTEGER REFERENCES vehicle (id) ON DELETE SET NULL,
        owner_id INTEGER REFERENCES resident (id) ON DELETE SET NULL,
        status VARCHAR(255) NOT NULL DEFAULT 'open',
        stage VARCHAR(255) NOT NULL DEFAULT 'new',
        entered_at DATETIME NOT NULL,
        opened_at DATETIME NOT NULL,
        last_seen_at DATETIME NOT NULL,
        closed_at DATETIME,
        owner_notified_at DATETIME,
        volunteer_notified_at DATETIME,
        escalated_at DATETIME,
        acknowledged_by VARCHAR(255) NOT NULL DEFAULT '',
        acknowledged_at DATETIME,
        evidence TEXT NOT NULL DEFAULT '{}')""",
    "CREATE INDEX fire_incident_status ON fire_incident (status)",
    "CREATE INDEX fire_incident_zone ON fire_incident (zone_id)",
    """CREATE TABLE fire_notice (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        incident_id INTEGER NOT NULL REFERENCES fire_incident (id) ON DELETE CASCADE,
        at DATETIME NOT NULL,
        channel VARCHAR(255) NOT NULL,
        recipient VARCHAR(255) NOT NULL DEFAULT '',
        number VARCHAR(255) NOT NULL DEFAULT '',
        text TEXT NOT NULL DEFAULT '',
        status VARCHAR(255) NOT NULL DEFAULT 'queued',
        error TEXT NOT NULL DEFAULT '')""",
    "CREATE INDEX fire_notice_incident ON fire_notice (incident_id)",
    """CREATE TABLE fire_setting (
        key VARCHAR(255) PRIMARY KEY,
        value TEXT NOT NULL)""",
]


def up(migrator, db):
    for sql in STATEMENTS:
        db.execute_sql(sql)
