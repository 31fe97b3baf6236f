"""The elders' canteen menu, staff's own entries in the waste-sorting guide, grid task
photos (files in the report photo store), and an elder's SOS button in her care plan."""

atomic = True

STATEMENTS = [
    """CREATE TABLE meal_menu (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        day DATE NOT NULL,
        meal VARCHAR(255) NOT NULL,
        dishes VARCHAR(255) NOT NULL DEFAULT '',
        price VARCHAR(255) NOT NULL DEFAULT '',
        updated_by VARCHAR(255) NOT NULL DEFAULT '',
        updated_at DATETIME NOT NULL)""",
    "CREATE UNIQUE INDEX meal_menu_day_meal ON meal_menu (day, meal)",
    """CREATE TABLE waste_item (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        name VARCHAR(255) NOT NULL UNIQUE,
        kind VARCHAR(255) NOT NULL DEFAULT '',
        note VARCHAR(255) NOT NULL DEFAULT '',
        hidden INTEGER NOT NULL DEFAULT 0,
        updated_by VARCHAR(255) NOT NULL DEFAULT '',
        updated_at DATETIME NOT NULL)""",
    """CREATE TABLE grid_photo (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        task_id INTEGER NOT NULL REFERENCES grid_task (id) ON DELETE CASCADE,
        name VARCHAR(255) NOT NULL UNIQUE,
        taken_by VARCHAR(255) NOT NULL DEFAULT '',
        created_at DATETIME NOT NULL)""",
    "CREATE INDEX grid_photo_task ON grid_photo (task_id)",
    "ALTER TABLE care_plan ADD COLUMN sos_button VARCHAR(255) NOT NULL DEFAULT ''",
]


def up(migrator, db):
    for sql in STATEMENTS:
        db.execute_sql(sql)
