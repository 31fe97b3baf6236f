"""Residents' voice, second part: the idempotency key of a report sent from an offline draft
(sending twice never makes two reports) and the log of text messages received by the modem
(answers to the "fixed?" question, and what could not be matched)."""

atomic = True

STATEMENTS = [
    """CREATE TABLE report_submission (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        draft_key VARCHAR(255) NOT NULL UNIQUE,
        resident_id INTEGER REFERENCES resident (id) ON DELETE CASCADE,
        order_id INTEGER NOT NULL REFERENCES work_order (id) ON DELETE CASCADE,
        created_at DATETIME NOT NULL)""",
    """CREATE TABLE sms_inbound (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        received_at DATETIME NOT NULL,
        sender VARCHAR(255) NOT NULL DEFAULT '',
        text VARCHAR(255) NOT NULL DEFAULT '',
        outcome VARCHAR(255) NOT NULL,
        order_id INTEGER REFERENCES work_order (id) ON DELETE SET NULL,
        replied BOOLEAN NOT NULL DEFAULT 0)""",
    "CREATE INDEX sms_inbound_received_at ON sms_inbound (received_at)",
]


def up(migrator, db):
    for sql in STATEMENTS:
        db.execute_sql(sql)
