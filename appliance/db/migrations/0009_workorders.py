"""Work orders: categories (service codes), orders, their timeline, the yearly number counter."""

atomic = True

STATEMENTS = [
    """CREATE TABLE work_order_category (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        code VARCHAR(255) NOT NULL UNIQUE,
        name_zh VARCHAR(255) NOT NULL,
        name_en VARCHAR(255) NOT NULL DEFAULT '',
        "group" VARCHAR(255) NOT NULL DEFAULT '',
        due_hours INTEGER NOT NULL DEFAULT 72,
        default_assignee VARCHAR(255) NOT NULL DEFAULT '',
        active INTEGER NOT NULL DEFAULT 1,
        edited INTEGER NOT NULL DEFAULT 0,
        updated_at DATETIME NOT NULL)""",
    """CREATE TABLE work_order (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        uuid TEXT NOT NULL UNIQUE,
        number VARCHAR(255) NOT NULL UNIQUE,
        source VARCHAR(255) NOT NULL,
        category_id INTEGER NOT NULL REFERENCES work_order_category (id) ON DELETE RESTRICT,
        building_id INTEGER REFERENCES building (id) ON DELETE SET NULL,
        unit_id INTEGER REFERENCES unit (id) ON DELETE SET NULL,
        spot VARCHAR(255) NOT NULL DEFAULT '',
        device VARCHAR(255) NOT NULL DEFAULT '',
        plan_x REAL,
        plan_y REAL,
        lat REAL,
        lon REAL,
        description TEXT NOT NULL DEFAULT '',
        reporter_id INTEGER REFERENCES resident (id) ON DELETE SET NULL,
        reporter_phone VARCHAR(255) NOT NULL DEFAULT '',
        on_behalf_by VARCHAR(255) NOT NULL DEFAULT '',
        assignee VARCHAR(255) NOT NULL DEFAULT '',
        due_at DATETIME,
        status VARCHAR(255) NOT NULL DEFAULT 'new',
        dedupe_key VARCHAR(255),
        repeats INTEGER NOT NULL DEFAULT 0,
        plus_ones INTEGER NOT NULL DEFAULT 0,
        merged_into_id INTEGER REFERENCES work_order (id) ON DELETE SET NULL,
        external_ref VARCHAR(255) NOT NULL DEFAULT '',
        created_at DATETIME NOT NULL,
        updated_at DATETIME NOT NULL,
        fixed_at DATETIME,
        closed_at DATETIME)""",
    "CREATE INDEX work_order_status ON work_order (status)",
    "CREATE INDEX work_order_due_at ON work_order (due_at)",
    "CREATE INDEX work_order_created_at ON work_order (created_at)",
    "CREATE INDEX work_order_dedupe_key ON work_order (dedupe_key)",
    "CREATE INDEX work_order_category_id ON work_order (category_id)",
    "CREATE INDEX work_order_reporter_id ON work_order (reporter_id)",
    """CREATE TABLE work_order_note (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        uuid TEXT NOT NULL UNIQUE,
        order_id INTEGER NOT NULL REFERENCES work_order (id) ON DELETE CASCADE,
        at DATETIME NOT NULL,
        actor VARCHAR(255) NOT NULL DEFAULT '',
        kind VARCHAR(255) NOT NULL DEFAULT 'note',
        from_status VARCHAR(255) NOT NULL DEFAULT '',
        to_status VARCHAR(255) NOT NULL DEFAULT '',
        text TEXT NOT NULL DEFAULT '',
        public INTEGER NOT NULL DEFAULT 0)""",
    "CREATE INDEX work_order_note_order ON work_order_note (order_id)",
    """CREATE TABLE work_order_counter (
        year INTEGER PRIMARY KEY,
        last INTEGER NOT NULL DEFAULT 0)""",
]


def up(migrator, db):
    for sql in STATEMENTS:
        db.execute_sql(sql)
