"""The car-gate screen in real headless Chromium: on the guard's 800x480 touch screen an
unknown car shows with its plate crop and goes in as a delivery with one tap; on a phone a
doubtful read of a registered plate names the unit and needs a reason."""

from __future__ import annotations

import numpy as np
import pytest

from appliance.db.models.parking import CarEvent
from appliance.parking.approach import ApproachReader
from tests.parking.test_gate_rules import ScriptedReader
from tests.web.test_kiosk_browser import log_in

pytestmark = pytest.mark.browser


@pytest.fixture
def gate_screen(chromium):
    context = chromium.new_context(locale="zh-CN", viewport={"width": 800, "height": 480}, has_touch=True)
    pg = context.new_page()
    yield pg
    context.close()


def fully_on_screen(page, selector, width, height):
    box = page.locator(selector).bounding_box()
    return box is not None and box["x"] >= 0 and box["y"] >= 0 and box["x"] + box["width"] <= width \
        and box["y"] + box["height"] <= height


def test_guard_sees_the_car_appear_with_its_picture_and_lets_a_delivery_in(gate_screen, live_server, users,
                                                                         parking):
    page = gate_screen
    log_in(page, live_server, "volunteer")
    page.wait_for_url("**/")
    page.goto(live_server + "/parking/gate")
    page.wait_for_selector("#gate-empty")
    clock = iter(x * 0.2 for x in range(100))
    camera = ApproachReader(parking.lanes["entry"], ScriptedReader("粤B00001"), clock=lambda: next(clock),
                            pictures=parking.pictures)
    for _ in range(3):
        camera.frame(np.full((480, 640, 3), 90, np.uint8))
    parking.simulators["entry"].set_vehicle(True)
    page.wait_for_selector("#gate-plate:has-text('粤B00001')", timeout=8000)  # arrives by polling
    assert "陌生车辆" in page.inner_text("#gate-who")
    assert page.evaluate("document.getElementById('gate-plate-picture').naturalWidth") > 0
    for button in ("#gate-grace", "#gate-refuse", "#gate-other"):
        assert fully_on_screen(page, button, 800, 480), button  # no scrolling on the guard's screen
        assert page.locator(button).bounding_box()["height"] >= 56
    assert page.evaluate("document.documentElement.scrollWidth") <= 800
    assert not parking.barriers["entry"].up_energised
    page.tap("#gate-grace")
    page.wait_for_selector("#gate-empty")
    assert parking.barriers["entry"].up_energised
    event = CarEvent.select().order_by(CarEvent.id.desc()).first()
    assert (event.reason, event.plate, event.actor) == ("grace", "粤B00001", "volunteer")


def test_on_a_phone_a_doubtful_registered_plate_names_the_unit_and_needs_a_reason(phone_page, live_server, users,
                                                                                parking, owner):
    page = phone_page
    log_in(page, live_server, "volunteer")
    page.wait_for_url("**/")
    parking.lanes["entry"].plate_read("京A12346", 0.8)  # one character off 京A12345
    parking.simulators["entry"].set_vehicle(True)
    page.goto(live_server + "/parking/gate")
    assert "可能是已登记车辆" in page.inner_text("#gate-who")
    assert "3号楼 2单元302" in page.inner_text("#gate-car")
    assert page.locator("#gate-grace").count() == 0  # a doubtful registered car is no delivery
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.click("#gate-other")  # no reason typed
    page.wait_for_selector("#gate-error")
    assert "原因" in page.inner_text("#gate-error") and not parking.barriers["entry"].up_energised
    page.fill("input[name=reason]", "车主本人，车牌脏了")
    page.click("#gate-other")
    page.wait_for_selector("#gate-empty")
    assert parking.barriers["entry"].up_energised
    event = CarEvent.select().order_by(CarEvent.id.desc()).first()
    assert (event.reason, event.plate) == ("volunteer", "京A12345")  # the one candidate, confirmed


def test_on_a_phone_the_guard_confirms_the_one_registered_candidate_with_one_tap(phone_page, live_server, users,
                                                                                parking, owner):
    page = phone_page
    log_in(page, live_server, "volunteer")
    page.wait_for_url("**/")
    parking.lanes["entry"].plate_read("京A12346", 0.8)
    parking.simulators["entry"].set_vehicle(True)
    page.goto(live_server + "/parking/gate")
    assert "京A12345" in page.inner_text("#gate-confirm")
    page.click("#gate-confirm")
    page.wait_for_selector("#gate-empty")
    event = CarEvent.select().order_by(CarEvent.id.desc()).first()
    assert (event.reason, event.plate, event.question.reason) == ("volunteer", "京A12345", "是这辆已登记车辆")
