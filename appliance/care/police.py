"""What the community police role may see (社区警务): fire-lane incidents, read-only, and —
for a stated reason that is audited — the access log of one person or one time window.
Nothing else. Mixed into :class:`appliance.care.service.CareService`."""

from __future__ import annotations

import datetime

from appliance.db.models import AccessEvent, FireIncident, FireZone, Resident
from appliance.errors import ValidationError
from appliance.validation import clean_text

MAX_WINDOW_DAYS = 31
MAX_ROWS = 500


class Police:
    def police_incidents(self, limit: int = 100) -> list[FireIncident]:
        return list(FireIncident.select(FireIncident, FireZone).join(FireZone)
                    .order_by(FireIncident.opened_at.desc()).limit(limit))

    def police_access_query(self, actor: str, reason: str, name: str = "", start: datetime.date | None = None,
                            end: datetime.date | None = None) -> list[AccessEvent]:
        """``name``: the person's name as in the register (one person only), or empty."""
        why = clean_text(reason, "reason", required=True, max_len=200)
        if len(why) < 4:
            raise ValidationError("Say why you need this (a case number or a few words).", field="reason")
        person = None
        who = clean_text(name, "resident", max_len=60)
        if who:
            people = list(Resident.select().where(Resident.name == who).limit(2))
            if not people:
                raise ValidationError("Nobody named %(value)s in the register.", field="resident", value=who)
            if len(people) > 1:
                raise ValidationError("Several residents are named %(value)s; ask the community office for the "
                                      "right one.", field="resident", value=who)
            person = people[0]
        if (start is None) != (end is None):
            raise ValidationError("Give both the first and the last day.", field="start")
        if start is not None:
            if end < start:
                raise ValidationError("The last day is before the first day.", field="end")
            if (end - start).days >= MAX_WINDOW_DAYS:
                raise ValidationError("At most %(n)s days at a time.", field="end", n=MAX_WINDOW_DAYS)
        if person is None and start is None:
            raise ValidationError("Ask about one person or one time window.", field="resident")
        query = AccessEvent.select().order_by(AccessEvent.at.desc()).limit(MAX_ROWS)
        if person is not None:
            query = query.where(AccessEvent.resident == person)
        if start is not None:
            query = query.where(AccessEvent.at >= datetime.datetime.combine(start, datetime.time()),
                                AccessEvent.at < datetime.datetime.combine(end + datetime.timedelta(days=1),
                                                                           datetime.time()))
        rows = list(query)
        self.audit.record(actor, "police_query", "access_log", person.id if person else "", {
            "reason": why, "name": person.name if person else "", "start": start.isoformat() if start else "",
            "end": end.isoformat() if end else "", "rows": len(rows)})
        return rows
