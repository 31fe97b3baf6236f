"""星级评价: once a month each household gives the property service 1-5 stars per aspect.

Anonymous to staff by construction: a rating row holds the month, the aspect, the stars and
``household`` = HMAC(box secret, household id + month). The same household in the same month
always gives the same value (so a second rating is refused by a unique index), but nothing on
any page, in the audit log or in the row says which household it was, and the value changes
every month, so months cannot be linked either. No time is stored.

The public page shows the averages next to measured facts from the work orders (share fixed
on time, median days to fix, the reporters' own "fixed?" stars), so the stars are grounded.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import statistics

from peewee import IntegrityError, fn

from appliance.db.models import Rating, Resident, WorkOrder
from appliance.errors import NotFound, ValidationError
from appliance.i18n import N_
from appliance.sync import outbox

ASPECTS = (("cleaning", N_("Cleaning")), ("security", N_("Security")), ("repairs", N_("Repairs")),
           ("greenery", N_("Greenery")), ("attitude", N_("Service attitude")))


RATING_KIND = "rating.month"


def period_of(when: datetime.datetime) -> str:
    return when.strftime("%Y-%m")


class Ratings:
    def __init__(self, db, secret: str, followups, clock=datetime.datetime.now):
        self.db = db
        self._secret = secret.encode()
        self.followups = followups
        self.clock = clock

    def period(self) -> str:
        return period_of(self.clock())

    def _household(self, resident_id: int, period: str) -> str:
        resident = Resident.get_or_none(Resident.id == resident_id)
        if resident is None:
            raise NotFound("No such resident.")
        message = f"{resident.household_id}:{period}".encode()
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()

    def has_rated(self, resident_id: int) -> bool:
        period = self.period()
        return Rating.select().where(Rating.period == period,
                                     Rating.household == self._household(resident_id, period)).exists()

    def rate(self, resident_id: int, stars: dict) -> None:
        """All five aspects at once, each 1-5; once per household and month."""
        clean = {}
        for code, _word in ASPECTS:
            raw = str(stars.get(code, "") or "")[:2]
            if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= 5:
                raise ValidationError("Choose 1 to 5 stars.", field=code)
            clean[code] = int(raw)
        period = self.period()
        household = self._household(resident_id, period)
        try:
            with self.db.atomic():
                for code, value in clean.items():
                    Rating.create(period=period, household=household, aspect=code, stars=value)
                # Only the month's averages leave the box, replacing the previous ones on the hub.
                month = self.averages(1)[0] if period == self.months(1)[0] else None
                if month is not None:
                    outbox.append(RATING_KIND, month, priority=50)
        except IntegrityError:
            raise ValidationError("Your household has already rated this month. Thank you!", field="stars") from None

    # --- the public page --------------------------------------------------------------------------
    def months(self, count: int = 6) -> list[str]:
        first = self.clock().replace(day=1)
        out = []
        for _ in range(count):
            out.append(period_of(first))
            first = (first - datetime.timedelta(days=1)).replace(day=1)
        return out

    def averages(self, count: int = 6) -> list[dict]:
        """Newest month first: {"period", "households", "aspects": {code: avg or None}}."""
        periods = self.months(count)
        rows = (Rating.select(Rating.period, Rating.aspect, fn.AVG(Rating.stars), fn.COUNT(Rating.id))
                .where(Rating.period.in_(periods)).group_by(Rating.period, Rating.aspect).tuples())
        table = {p: {"period": p, "households": 0, "aspects": {c: None for c, _w in ASPECTS}} for p in periods}
        for period, aspect, avg, n in rows:
            if aspect in table[period]["aspects"]:
                table[period]["aspects"][aspect] = round(avg, 2)
                table[period]["households"] = max(table[period]["households"], n)
        return [table[p] for p in periods]

    def facts(self, period: str) -> dict:
        """Measured facts for a month: reports fixed in it, share fixed by their due time,
        median days from report to fix, and the reporters' "fixed?" stars."""
        start = datetime.datetime.strptime(period + "-01", "%Y-%m-%d")
        end = (start + datetime.timedelta(days=32)).replace(day=1)
        fixed = list(WorkOrder.select(WorkOrder.created_at, WorkOrder.fixed_at, WorkOrder.due_at).where(
            WorkOrder.fixed_at >= start, WorkOrder.fixed_at < end).tuples())
        on_time = sum(1 for _c, f, due in fixed if due is None or f <= due)
        days = [(f - c).total_seconds() / 86400 for c, f, _d in fixed]
        opened = WorkOrder.select().where(WorkOrder.created_at >= start, WorkOrder.created_at < end).count()
        return {"opened": opened, "fixed": len(fixed),
                "on_time_pct": round(100 * on_time / len(fixed)) if fixed else None,
                "median_days": round(statistics.median(days), 1) if days else None,
                "followup": self.followups.satisfaction(since=start, until=end)}
