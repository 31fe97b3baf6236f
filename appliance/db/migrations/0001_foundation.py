"""Foundation tables: accounts, audit, jobs, register, outbox."""

atomic = True

STATEMENTS = [
    """CREATE TABLE user (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        username VARCHAR(255) NOT NULL UNIQUE,
        display_name VARCHAR(255) NOT NULL DEFAULT '',
        role VARCHAR(255) NOT NULL,
        password_hash VARCHAR(255) NOT NULL,
        active INTEGER NOT NULL DEFAULT 1,
        created_at DATETIME NOT NULL,
        last_login_at DATETIME)""",
    """CREATE TABLE audit_log (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at DATETIME NOT NULL,
        actor VARCHAR(255) NOT NULL,
        action VARCHAR(255) NOT NULL,
        entity VARCHAR(255) NOT NULL,
        entity_id VARCHAR(255) NOT NULL DEFAULT '',
        detail TEXT)""",
    "CREATE INDEX audit_log_at ON audit_log (at)",
    """CREATE TABLE login_failure (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        key VARCHAR(255) NOT NULL,
        at DATETIME NOT NULL)""",
    "CREATE INDEX login_failure_key ON login_failure (key)",
    """CREATE TABLE job (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        uuid VARCHAR(255) NOT NULL UNIQUE,
        kind VARCHAR(255) NOT NULL,
        status VARCHAR(255) NOT NULL DEFAULT 'queued',
        done INTEGER NOT NULL DEFAULT 0,
        total INTEGER NOT NULL DEFAULT 0,
        message TEXT NOT NULL DEFAULT '',
        result TEXT,
        created_by VARCHAR(255) NOT NULL DEFAULT '',
        created_at DATETIME NOT NULL,
        updated_at DATETIME NOT NULL)""",
    """CREATE TABLE building (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        uuid TEXT NOT NULL UNIQUE,
        name VARCHAR(255) NOT NULL UNIQUE,
        address VARCHAR(255) NOT NULL DEFAULT '',
        floors INTEGER)""",
    """CREATE TABLE unit (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        uuid TEXT NOT NULL UNIQUE,
        building_id INTEGER NOT NULL REFERENCES building (id) ON DELETE RESTRICT,
        number VARCHAR(255) NOT NULL,
        floor INTEGER,
        area_m2 DECIMAL(8, 2))""",
    "CREATE UNIQUE INDEX unit_building_number ON unit (building_id, number)",
    """CREATE TABLE household (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        uuid TEXT NOT NULL UNIQUE,
        unit_id INTEGER NOT NULL REFERENCES unit (id) ON DELETE RESTRICT,
        name VARCHAR(255) NOT NULL DEFAULT '',
        notes TEXT NOT NULL DEFAULT '')""",
    "CREATE INDEX household_unit ON household (unit_id)",
    """CREATE TABLE resident (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        uuid TEXT NOT NULL UNIQUE,
        name VARCHAR(255) NOT NULL,
        phone VARCHAR(255) NOT NULL DEFAULT '',
        household_id INTEGER NOT NULL REFERENCES household (id) ON DELETE RESTRICT,
        role VARCHAR(255) NOT NULL DEFAULT 'owner',
        move_in DATE,
        move_out DATE,
        birth_year INTEGER,
        living_alone_elderly INTEGER NOT NULL DEFAULT 0,
        minor INTEGER NOT NULL DEFAULT 0,
        disability INTEGER NOT NULL DEFAULT 0,
        notes TEXT NOT NULL DEFAULT '',
        created_at DATETIME NOT NULL,
        updated_at DATETIME NOT NULL)""",
    "CREATE INDEX resident_household ON resident (household_id)",
    "CREATE INDEX resident_name ON resident (name)",
    """CREATE TABLE vehicle (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        uuid TEXT NOT NULL UNIQUE,
        plate VARCHAR(255) NOT NULL UNIQUE,
        resident_id INTEGER NOT NULL REFERENCES resident (id) ON DELETE CASCADE,
        kind VARCHAR(255) NOT NULL DEFAULT '',
        notes TEXT NOT NULL DEFAULT '')""",
    "CREATE INDEX vehicle_resident ON vehicle (resident_id)",
    """CREATE TABLE outbox_entry (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        uuid VARCHAR(255) NOT NULL UNIQUE,
        kind VARCHAR(255) NOT NULL,
        priority INTEGER NOT NULL DEFAULT 5,
        payload TEXT NOT NULL,
        created_at DATETIME NOT NULL)""",
    "CREATE INDEX outbox_entry_kind ON outbox_entry (kind)",
]


def up(migrator, db):
    for sql in STATEMENTS:
        db.execute_sql(sql)
