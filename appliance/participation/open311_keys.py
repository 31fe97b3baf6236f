"""Open311 API keys: issued by an admin (site or ``linli open311 key add NAME``), shown once,
kept only as a SHA-256 hash; a revoked key stops working at once."""

from __future__ import annotations

import datetime
import hashlib
import logging
import secrets

from appliance.db.models import Open311Key
from appliance.errors import Conflict, NotFound, PermissionDenied
from appliance.validation import clean_text

logger = logging.getLogger(__name__)
ENTITY = "open311_key"


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "replace")).hexdigest()


class Open311Keys:
    def __init__(self, db, audit, clock=datetime.datetime.now):
        self.db = db
        self.audit = audit
        self.clock = clock

    def add(self, name: str, actor: str) -> tuple[Open311Key, str]:
        name = clean_text(name, "name", required=True, max_len=60)
        key = "o311_" + secrets.token_urlsafe(24)
        with self.db.atomic():
            if Open311Key.get_or_none(Open311Key.name == name) is not None:
                raise Conflict("A key named %(name)s exists already.", name=name)
            row = Open311Key.create(name=name, key_hash=_hash(key), prefix=key[:9], created_by=actor,
                                    created_at=self.clock().replace(microsecond=0))
            self.audit.record(actor, "add", ENTITY, row.id, {"name": name})
        logger.info("open311 key %s issued", name)
        return row, key

    def list(self) -> list[Open311Key]:
        return list(Open311Key.select().order_by(Open311Key.revoked_at.is_null(False), Open311Key.name))

    def revoke(self, name: str, actor: str) -> Open311Key:
        row = Open311Key.get_or_none(Open311Key.name == str(name)[:60])
        if row is None:
            raise NotFound("No Open311 key named %(name)s.", name=str(name)[:60])
        if row.revoked_at is None:
            with self.db.atomic():
                row.revoked_at = self.clock().replace(microsecond=0)
                row.save()
                self.audit.record(actor, "revoke", ENTITY, row.id, {"name": row.name})
        return row

    def check(self, key) -> Open311Key:
        """The key's row, or PermissionDenied for a missing, unknown or revoked key."""
        if not key or not isinstance(key, str) or len(key) > 200:
            raise PermissionDenied("An api_key is required.")
        row = Open311Key.get_or_none(Open311Key.key_hash == _hash(key))
        if row is None or row.revoked_at is not None:
            raise PermissionDenied("This api_key is not valid.")
        Open311Key.update(last_used_at=self.clock().replace(microsecond=0)).where(Open311Key.id == row.id).execute()
        return row
