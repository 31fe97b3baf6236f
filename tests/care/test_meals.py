"""Elders' canteen: bookings for the coming days until the cut-off the evening before,
cancellation, the kitchen's counts and dietary notes (names masked)."""

from __future__ import annotations

import datetime

import pytest

from appliance.db.models import MealBooking
from appliance.errors import NotFound, ValidationError


def test_book_cancel_and_the_kitchen_counts(care, elder, services, unit, clock):
    other = services.registry.save_resident({"name": "赵大爷", "unit_id": unit.id}, "t")
    tomorrow = clock.t.date() + datetime.timedelta(days=1)
    care.book_meal(elder.id, tomorrow, "lunch", "kiosk", diet="少盐")
    care.book_meal(elder.id, tomorrow, "dinner", "kiosk")
    care.book_meal(other.id, tomorrow, "lunch", "volunteer", diet="软食")
    care.book_meal(other.id, tomorrow, "lunch", "volunteer", diet="软食")  # twice is still one meal
    kitchen = care.kitchen(tomorrow)
    assert kitchen["counts"] == {"lunch": 2, "dinner": 1} and not kitchen["closed"]
    assert {(d["who"], d["diet"]) for d in kitchen["diets"]} == {("李**", "少盐"), ("赵**", "软食")}
    care.cancel_meal(elder.id, tomorrow, "dinner", "kiosk")
    assert care.kitchen(tomorrow)["counts"]["dinner"] == 0
    care.book_meal(elder.id, tomorrow, "dinner", "kiosk")  # booked again after cancelling
    assert care.kitchen(tomorrow)["counts"]["dinner"] == 1 and MealBooking.select().count() == 3


def test_the_cut_off_closes_booking_and_cancelling(care, elder, clock):
    tomorrow = clock.t.date() + datetime.timedelta(days=1)
    care.book_meal(elder.id, tomorrow, "lunch", "kiosk")
    clock.t = clock.t.replace(hour=18, minute=0)  # the evening before, at the cut-off
    for action in (care.book_meal, care.cancel_meal):
        with pytest.raises(ValidationError) as err:
            action(elder.id, tomorrow, "dinner", "kiosk")
        assert err.value.field == "day"
    kitchen = care.kitchen(tomorrow)
    assert kitchen["closed"] and kitchen["counts"]["lunch"] == 1
    assert tomorrow not in care.bookable_days() and tomorrow + datetime.timedelta(days=1) in care.bookable_days()


@pytest.mark.parametrize("day, meal, field", [(None, "lunch", "day"), ("2026-04-01", "breakfast", "meal"),
                                              (datetime.date(2020, 1, 1), "lunch", "day"),
                                              (datetime.date(2026, 5, 30), "lunch", "day")])
def test_bad_bookings_are_refused(care, elder, day, meal, field):
    with pytest.raises(ValidationError) as err:
        care.book_meal(elder.id, day, meal, "kiosk")
    assert err.value.field == field
    with pytest.raises(NotFound):
        care.book_meal(987654, datetime.date(2026, 3, 31), "lunch", "kiosk")
    assert MealBooking.select().count() == 0
