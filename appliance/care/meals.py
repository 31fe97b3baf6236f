"""Elders' canteen (长者食堂): residents (or a volunteer for them) book the coming days'
meals until a cut-off the evening before; the kitchen sees counts per meal and the dietary
notes. Mixed into :class:`appliance.care.service.CareService`.
"""

from __future__ import annotations

import datetime

from peewee import fn

from appliance.access.service import mask_name
from appliance.db.base import find as find_row
from appliance.db.models import MealBooking, Resident
from appliance.db.models.care import MEALS
from appliance.errors import NotFound, ValidationError
from appliance.i18n import N_, gettext
from appliance.validation import clean_text

BOOK_AHEAD_DAYS = 7
MEAL_WORDS = {"lunch": N_("lunch"), "dinner": N_("dinner")}


def meal_word(meal: str) -> str:
    return gettext(MEAL_WORDS.get(meal, meal))


class Meals:
    def cutoff(self, day: datetime.date) -> datetime.datetime:
        """Bookings and cancellations for ``day`` close the evening before, at the set hour."""
        return datetime.datetime.combine(day - datetime.timedelta(days=1),
                                         datetime.time(self.settings.meal_cutoff_hour))

    def bookable_days(self) -> list[datetime.date]:
        now = self.now()
        days = [now.date() + datetime.timedelta(days=i) for i in range(1, BOOK_AHEAD_DAYS + 1)]
        return [d for d in days if now < self.cutoff(d)]

    def _check_day(self, day, meal: str) -> datetime.date:
        if meal not in MEALS:
            raise ValidationError("Unknown meal: %(value)s", field="meal", value=str(meal)[:20])
        if not isinstance(day, datetime.date):
            raise ValidationError("Not a date.", field="day")
        if day not in self.bookable_days():
            raise ValidationError("Meals for %(day)s can no longer be booked or cancelled (closes at %(at)s the "
                                  "evening before).", field="day", day=day.isoformat(),
                                  at=f"{self.settings.meal_cutoff_hour:02d}:00")
        return day

    def _resident(self, resident_id) -> Resident:
        person = find_row(Resident, resident_id)
        today = self.now().date()
        if person is None or (person.move_out is not None and person.move_out <= today):
            raise NotFound("No such resident.")
        return person

    def book_meal(self, resident_id, day, meal: str, actor: str, diet: str = "") -> MealBooking:
        person = self._resident(resident_id)
        day = self._check_day(day, meal)
        diet = clean_text(diet, "diet", max_len=60)
        now = self.now()
        with self.db.atomic():
            row = MealBooking.get_or_none(MealBooking.resident == person, MealBooking.day == day,
                                          MealBooking.meal == meal)
            if row is None:
                row = MealBooking.create(resident=person, day=day, meal=meal, diet=diet, booked_by=actor,
                                         created_at=now)
            else:
                MealBooking.update(cancelled_at=None, diet=diet, booked_by=actor).where(
                    MealBooking.id == row.id).execute()
                row = MealBooking.get_by_id(row.id)
            self.audit.record(actor, "book_meal", "care.meal", row.id,
                              {"name": person.name, "date": day.isoformat(), "kind": meal})
        return row

    def cancel_meal(self, resident_id, day, meal: str, actor: str) -> MealBooking | None:
        person = self._resident(resident_id)
        day = self._check_day(day, meal)
        with self.db.atomic():
            row = MealBooking.get_or_none(MealBooking.resident == person, MealBooking.day == day,
                                          MealBooking.meal == meal, MealBooking.cancelled_at.is_null())
            if row is None:
                return None
            MealBooking.update(cancelled_at=self.now()).where(MealBooking.id == row.id).execute()
            self.audit.record(actor, "cancel_meal", "care.meal", row.id,
                              {"name": person.name, "date": day.isoformat(), "kind": meal})
        return MealBooking.get_by_id(row.id)

    def meals_of(self, resident_id) -> dict:
        """{(day, meal): booking} of the bookable days, for the kiosk's toggles."""
        person = self._resident(resident_id)
        days = self.bookable_days()
        rows = MealBooking.select().where(MealBooking.resident == person, MealBooking.day.in_(days),
                                          MealBooking.cancelled_at.is_null())
        return {(r.day, r.meal): r for r in rows}

    def kitchen(self, day: datetime.date) -> dict:
        """What the kitchen cooks on ``day``: counts per meal and each dietary note with a
        masked name (the cook needs to know the plate, not the person)."""
        rows = list(MealBooking.select(MealBooking, Resident).join(Resident).where(
            MealBooking.day == day, MealBooking.cancelled_at.is_null()).order_by(MealBooking.meal, Resident.name))
        counts = {m: 0 for m in MEALS}
        counts.update({m: n for m, n in MealBooking.select(MealBooking.meal, fn.COUNT(MealBooking.id)).where(
            MealBooking.day == day, MealBooking.cancelled_at.is_null()).group_by(MealBooking.meal).tuples()})
        diets = [{"meal": r.meal, "who": mask_name(r.resident.name), "diet": r.diet} for r in rows if r.diet]
        return {"day": day, "counts": counts, "diets": diets, "closed": self.now() >= self.cutoff(day)}

    def kiosk_view(self, resident_id, days: int = 3) -> dict:
        person = self._resident(resident_id)
        return {"who": mask_name(person.name), "elder": person.living_alone_elderly,
                "days": self.bookable_days()[:days], "booked": self.meals_of(person.id), "meals": MEALS}
