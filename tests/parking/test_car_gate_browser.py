"""The car gate in a real browser on a 390-wide phone: a volunteer lets an unknown car in with
one tap and a reason; a resident invites a guest car on /me and the barrier opens for it."""

from __future__ import annotations

import pytest

from tests.web.test_kiosk_browser import log_in

pytestmark = pytest.mark.browser


def test_volunteer_lets_a_waiting_car_in_from_the_phone(phone_page, live_server, users, parking):
    page = phone_page
    log_in(page, live_server, "volunteer")
    page.wait_for_url("**/")
    lane, barrier, sim = parking.lanes["entry"], parking.barriers["entry"], parking.simulators["entry"]
    lane.plate_read("粤B00001", 0.9)
    sim.set_vehicle(True)
    assert not barrier.up_energised
    page.goto(live_server + "/parking/")
    card = page.locator(".car-question").first
    assert "粤B00001" in card.inner_text() and "未登记" in card.inner_text()
    assert page.locator("#parking-badge").text_content() == "1"  # in the ☰ menu on phones
    card.locator("button[value='0']").bounding_box()  # both buttons on screen at 390 px
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    card.locator("button[value='1']").click()  # no reason yet: refused, says why
    page.wait_for_selector("#car-waiting .error")
    assert "原因" in page.inner_text("#car-waiting .error")
    assert not barrier.up_energised
    page.fill(".car-question input[name=reason]", "快递，送3号楼")
    page.click(".car-question button[value='1']")
    page.wait_for_selector("#no-cars-waiting")
    assert barrier.up_energised
    page.reload()  # the answer is not repeated by a reload
    assert page.locator(".car-question").count() == 0
    assert "志愿者放行" in page.inner_text("#car-events")


def test_resident_invites_a_guest_car_which_then_drives_in(phone_page, live_server, services, owner, parking):
    pin = services.credentials.new_pin(owner.id, "test")
    page = phone_page
    page.goto(live_server + "/me/login")
    page.fill("input[name=phone]", "13900139000")
    page.fill("input[name=pin]", pin)
    page.click("button[type=submit]")
    page.wait_for_url("**/me/")
    page.click("text=访客车辆")
    page.fill("input[name=plate]", "ABC")  # a foreign plate: refused, names the field
    page.click("#car-pass-form button[type=submit]")
    assert page.locator("label.has-error input[name=plate]").count() == 1
    page.fill("input[name=plate]", "沪AD12345")
    page.fill("input[name=hours]", "6")
    page.click("#car-pass-form button[type=submit]")
    page.wait_for_selector("#my-car-passes li")
    assert "沪AD12345" in page.inner_text("#my-car-passes")
    assert page.locator("#my-car-passes .plate.green").count() == 1  # new-energy plates are green
    parking.lanes["entry"].plate_read("沪AD12345", 0.92)
    parking.simulators["entry"].set_vehicle(True)
    assert parking.lanes["entry"].decisions[-1].reason == "visitor"
    assert parking.barriers["entry"].up_energised
    page.reload()
    assert page.locator("#my-car-passes li").count() == 0  # its one entry is used
