"""A resident on their phone (390 px, touch) invites a guest; the gate kiosk takes the code once."""

from __future__ import annotations

import datetime

import pytest

from tests.web.test_kiosk_browser import log_in, result

pytestmark = pytest.mark.browser


@pytest.fixture
def zhang(services):
    reg = services.registry
    b = reg.save_building({"name": "3号楼"}, "test")
    u = reg.save_unit({"building_id": b.id, "number": "2单元301"}, "test")
    r = reg.save_resident({"name": "张三", "unit_id": u.id, "phone": "13800138000", "move_in": "2020-01-01"}, "t")
    return r, services.credentials.new_pin(r.id, "test")


def no_sideways_scroll(page):
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_resident_invites_a_guest_and_the_kiosk_takes_the_code_once(phone_page, page, live_server, users, zhang):
    resident, pin = zhang
    phone = phone_page
    phone.goto(live_server + "/me/")
    phone.wait_for_url("**/me/login")
    assert no_sideways_scroll(phone)
    phone.fill("input[name=phone]", "138 0013 8000")
    phone.fill("input[name=pin]", pin)
    phone.click("button[type=submit]")
    phone.wait_for_url("**/me/")
    assert "张三" in phone.inner_text("main") and no_sideways_scroll(phone)

    phone.click("text=访客通行码")
    phone.wait_for_url("**/me/guests")
    assert no_sideways_scroll(phone)
    # a window longer than the resident limit is refused, naming the field
    too_late = (datetime.datetime.now() + datetime.timedelta(days=9)).strftime("%Y-%m-%dT%H:%M")
    phone.fill("input[name=note]", "周老师")
    phone.fill("input[name=valid_until]", too_late)
    phone.fill("input[name=max_uses]", "1")
    phone.click("#guest-form button[type=submit]")
    assert "失效时间" in phone.inner_text("#error")
    until = (datetime.datetime.now() + datetime.timedelta(hours=4)).strftime("%Y-%m-%dT%H:%M")
    phone.fill("input[name=valid_until]", until)
    phone.fill("input[name=max_uses]", "1")
    phone.click("#guest-form button[type=submit]")
    phone.wait_for_url("**/me/guests/*")
    qr = phone.locator("#guest-qr svg")
    qr.wait_for()
    box = qr.bounding_box()
    assert box["width"] >= 250 and box["x"] >= 0 and box["x"] + box["width"] <= 390  # big, and fits the screen
    code = phone.get_attribute("#guest-qr", "data-payload")
    assert code.startswith("LQ1:v:")

    log_in(page, live_server, "kiosk")
    page.wait_for_url("**/kiosk/")
    page.keyboard.type(code)  # the USB scanner types into the focused field
    page.keyboard.press("Enter")
    cls, text = result(page)
    assert "granted" in cls and "欢迎来访" in text
    page.wait_for_selector("#result.idle", timeout=8000)
    page.keyboard.type(code)
    page.keyboard.press("Enter")
    cls, text = result(page)
    assert "refused" in cls and "用完" in text

    phone.goto(live_server + "/me/guests")
    assert "次数已用完" in phone.inner_text(".passes")
