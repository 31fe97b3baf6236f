"""Staff sessions can be ended on the box, not only in the browser.

``session_epoch`` is copied into a staff session at login and compared on every request;
logging out, changing or resetting the password, changing the role and locking the
account add one, so every session (and every copied cookie) of that account stops
working at once. ``must_change_password`` is set by an administrator's password reset:
the one-time password only opens the "change my password" page.
"""

atomic = True

STATEMENTS = [
    "ALTER TABLE user ADD COLUMN session_epoch INTEGER NOT NULL DEFAULT 0",
    "ALTER TABLE user ADD COLUMN must_change_password INTEGER NOT NULL DEFAULT 0",
]


def up(migrator, db):
    for sql in STATEMENTS:
        db.execute_sql(sql)
