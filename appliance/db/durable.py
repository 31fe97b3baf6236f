"""Transactions that are on the card when they return.

The box's database runs WAL with ``synchronous = NORMAL``: committed transactions survive a
crash of Linli, and the card is spared one flush per gate event, but a power cut can take
the last few seconds of commits with it (the data partition also commits its journal only
every 60 s). For the access log that is covered by its own journal (appliance/access/journal.py).
For the rare writes a person made on purpose and would be locked out or misled without
(a password, the first-boot wizard's steps) that is not acceptable: the image test cut the
power after the wizard set the administrator's password, and the box came back with the
one-time password. ``durable(db)`` runs such a write with ``synchronous = FULL``, so SQLite
flushes the WAL to the card before the commit returns.
"""

from __future__ import annotations

import contextlib


@contextlib.contextmanager
def durable(db):
    if db.in_transaction():
        # SQLite ignores the setting inside a transaction: the outer transaction's own
        # commit decides, so whoever opened it must use durable() too.
        with db.atomic():
            yield
        return
    db.execute_sql("PRAGMA synchronous = FULL")
    try:
        with db.atomic():
            yield
    finally:
        db.execute_sql("PRAGMA synchronous = NORMAL")
