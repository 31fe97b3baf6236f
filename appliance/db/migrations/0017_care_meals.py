"""Elders' canteen (长者食堂) meal bookings, grids (网格) with their tasks, and the
community services directory (便民服务)."""

atomic = True

STATEMENTS = [
    """CREATE TABLE meal_booking (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        uuid TEXT NOT NULL UNIQUE,
        resident_id INTEGER NOT NULL REFERENCES resident (id) ON DELETE CASCADE,
        day DATE NOT NULL,
        meal VARCHAR(255) NOT NULL,
        diet VARCHAR(255) NOT NULL DEFAULT '',
        booked_by VARCHAR(255) NOT NULL DEFAULT '',
        created_at DATETIME NOT NULL,
        cancelled_at DATETIME)""",
    "CREATE UNIQUE INDEX meal_booking_resident_day_meal ON meal_booking (resident_id, day, meal)",
    "CREATE INDEX meal_booking_day ON meal_booking (day)",
    """CREATE TABLE grid (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        uuid TEXT NOT NULL UNIQUE,
        name VARCHAR(255) NOT NULL UNIQUE,
        worker VARCHAR(255) NOT NULL DEFAULT '',
        created_at DATETIME NOT NULL)""",
    """CREATE TABLE grid_building (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        grid_id INTEGER NOT NULL REFERENCES grid (id) ON DELETE CASCADE,
        building_id INTEGER NOT NULL UNIQUE REFERENCES building (id) ON DELETE CASCADE)""",
    """CREATE TABLE grid_task (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        uuid TEXT NOT NULL UNIQUE,
        grid_id INTEGER NOT NULL REFERENCES grid (id) ON DELETE RESTRICT,
        order_id INTEGER NOT NULL REFERENCES work_order (id) ON DELETE CASCADE,
        kind VARCHAR(255) NOT NULL,
        title VARCHAR(255) NOT NULL,
        checklist TEXT NOT NULL DEFAULT '[]',
        result TEXT NOT NULL DEFAULT '',
        done_at DATETIME,
        created_at DATETIME NOT NULL)""",
    "CREATE INDEX grid_task_grid ON grid_task (grid_id)",
    """CREATE TABLE community_service (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        uuid TEXT NOT NULL UNIQUE,
        kind VARCHAR(255) NOT NULL,
        name VARCHAR(255) NOT NULL,
        hours VARCHAR(255) NOT NULL DEFAULT '',
        phone VARCHAR(255) NOT NULL DEFAULT '',
        address VARCHAR(255) NOT NULL DEFAULT '',
        updated_at DATETIME NOT NULL)""",
]


def up(migrator, db):
    for sql in STATEMENTS:
        db.execute_sql(sql)
