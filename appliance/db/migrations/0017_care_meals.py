"""Elders' canteen (长者食堂): meal bookings per resident, day and meal."""

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
]


def up(migrator, db):
    for sql in STATEMENTS:
        db.execute_sql(sql)
