"""Who changed what, kept for review (and for the 3-year processing records)."""

from __future__ import annotations

import datetime

from appliance.db.models import AuditLog
from appliance.i18n import gettext
from appliance.services.audit_words import ENTITIES, AuditEntry, describe


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

    def entries(self, actor: str | None = None, entity: str | None = None, date_from: datetime.date | None = None,
                date_to: datetime.date | None = None, page: int = 1, per_page: int = 100) -> tuple[list[AuditEntry], bool]:
        """One page of the log in sentences, newest first, and whether an older page follows."""
        query = AuditLog.select().order_by(AuditLog.id.desc())
        if actor:
            query = query.where(AuditLog.actor == actor)
        if entity:
            query = query.where(AuditLog.entity == entity)
        if date_from:
            query = query.where(AuditLog.at >= datetime.datetime.combine(date_from, datetime.time()))
        if date_to and date_to < datetime.date.max:  # "up to 9999-12-31" is no upper bound at all
            query = query.where(AuditLog.at < datetime.datetime.combine(date_to + datetime.timedelta(days=1),
                                                                        datetime.time()))
        rows = list(query.offset((max(1, page) - 1) * per_page).limit(per_page + 1))
        return describe(rows[:per_page]), len(rows) > per_page

    def latest(self, limit: int = 8) -> list[AuditEntry]:
        return describe(self.recent(limit=limit))

    def filter_choices(self) -> dict:
        """Who appears in the log and what it is about, in words, for the filter menus."""
        actors = [a for (a,) in AuditLog.select(AuditLog.actor).distinct().order_by(AuditLog.actor).limit(200)
                  .tuples()]
        entities = [e for (e,) in AuditLog.select(AuditLog.entity).distinct().tuples()]
        people = describe(AuditLog(actor=a, action="", entity="", entity_id="", detail=None) for a in actors)
        who = [(a, e.who) for a, e in zip(actors, people)]
        what = sorted(((e, gettext(ENTITIES[e]) if e in ENTITIES else e) for e in entities), key=lambda x: x[1])
        return {"actors": who, "entities": what}
