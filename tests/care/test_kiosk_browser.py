"""At the gate kiosk (800×480, touch only, real Chromium) an elder enters her PIN on the care
corner (the gate stays shut), taps 平安打卡 and books a canteen meal; the kitchen page then
counts it, and the check-in is a sign of life for her care plan."""

from __future__ import annotations

import datetime

import pytest
from playwright.sync_api import expect

from appliance.db.models import AccessEvent, MealBooking
from tests.web.test_kiosk_browser import log_in, tap_pin

pytestmark = pytest.mark.browser

FITS = "() => [document.documentElement.scrollWidth, document.documentElement.scrollHeight]"


@pytest.fixture
def kiosk(chromium):
    context = chromium.new_context(locale="zh-CN", viewport={"width": 800, "height": 480}, has_touch=True)
    pg = context.new_page()
    yield pg
    context.close()


def test_elder_checks_in_and_books_a_meal_at_the_kiosk_and_the_kitchen_counts_it(
        kiosk, page, live_server, users, services, elder):
    pin = services.credentials.new_pin(elder.id, "admin")
    services.care.save_plan(elder.id, {"consent_by": "self"}, "admin")
    problems = []
    kiosk.on("response", lambda r: r.status >= 500 and problems.append(f"{r.status} {r.url}"))

    log_in(kiosk, live_server, "kiosk")
    kiosk.goto(live_server + "/kiosk/")
    kiosk.locator("#care-kiosk-link").click()
    tap_pin(kiosk, pin)  # the pad sends itself when the PIN is complete
    expect(kiosk.locator("h1")).to_have_text("您好，李**")
    kiosk.get_by_role("button", name="我今天很好（平安打卡）").click()
    expect(kiosk.locator("[data-testid=care-kiosk-message]")).to_contain_text("平安")
    assert services.care.last_seen(elder) is not None
    assert AccessEvent.select().count() == 0  # nothing opened

    first = kiosk.locator("[data-testid=care-meals] button[data-meal=lunch]").first
    day = first.get_attribute("data-day")
    first.click()
    booked = kiosk.locator(f"[data-testid=care-meals] button[data-day='{day}'][data-meal=lunch]")
    expect(booked).to_have_attribute("aria-pressed", "true")
    box = booked.bounding_box()
    assert box["height"] >= 44
    width, height = kiosk.evaluate(FITS)
    assert width <= 800 and height <= 480 * 1.5, (width, height)
    assert MealBooking.get().day == datetime.date.fromisoformat(day)
    kiosk.get_by_role("button", name="完成").click()
    expect(kiosk.locator("#pin-form")).to_be_visible()  # back at the gate's own pad

    log_in(page, live_server, "volunteer")
    page.goto(f"{live_server}/care/meals?day={day}")
    expect(page.locator("[data-testid=care-kitchen-counts] [data-meal=lunch]")).to_have_attribute("data-count", "1")
    expect(page.locator("[data-testid=care-kitchen-counts] [data-meal=dinner]")).to_have_attribute("data-count", "0")
    assert problems == []
