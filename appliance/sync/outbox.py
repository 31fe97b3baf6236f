"""Append changes that must leave the box, inside the caller's transaction.

Callers open the transaction (``with db.atomic():``) around both their change and
:func:`append`, so a row and its outbox entry are written together or not at all.
Face templates never go through here (DESIGN.md, privacy rule 4); :func:`append`
refuses payload keys that look like biometric data as a second line of defence.
"""

from __future__ import annotations

import uuid as uuidlib

from appliance.db.models import OutboxEntry
from appliance.errors import LinliError

FORBIDDEN_KEYS = frozenset({"template", "embedding", "face", "face_template", "photo", "image"})


def append(kind: str, payload: dict, priority: int = 5, entry_uuid: str | None = None) -> OutboxEntry:
    bad = FORBIDDEN_KEYS.intersection(payload)
    if bad:
        raise LinliError("Biometric data may not leave the box (%(keys)s).", keys=", ".join(sorted(bad)))
    return OutboxEntry.create(uuid=entry_uuid or str(uuidlib.uuid4()), kind=kind, payload=payload, priority=priority)
