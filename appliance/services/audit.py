"""Who changed what, kept for review (and for the 3-year processing records)."""

from __future__ import annotations

from appliance.db.models import AuditLog


class AuditService:
    def record(self, actor: str, action: str, entity: str, entity_id="", detail: dict | None = None) -> None:
        AuditLog.create(actor=actor or "system", action=action, entity=entity,
                        entity_id=str(entity_id or ""), detail=detail)

    def recent(self, limit: int = 100, entity: str | None = None, actor: str | None = None,
               offset: int = 0) -> list[AuditLog]:
        query = AuditLog.select().order_by(AuditLog.id.desc())
        if entity:
            query = query.where(AuditLog.entity == entity)
        if actor:
            query = query.where(AuditLog.actor == actor)
        return list(query.offset(offset).limit(limit))
