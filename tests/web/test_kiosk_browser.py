"""Real headless Chromium drives the kiosk (touch only) and the admin gate panel."""

from __future__ import annotations

import datetime

import pytest

from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture
def resident(services):
    reg = services.registry
    b = reg.save_building({"name": "1号楼"}, "test")
    u = reg.save_unit({"building_id": b.id, "number": "1单元101"}, "test")
    return reg.save_resident({"name": "张三", "unit_id": u.id, "move_in": "2020-01-01"}, "test")


def log_in(page, base, username):
    page.goto(base + "/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")


def tap_pin(page, pin):
    for digit in pin:
        page.click(f".pinpad [data-key='{digit}']")


def result(page):
    box = page.locator("#result.granted, #result.refused")
    box.wait_for(timeout=5000)
    return box.get_attribute("class"), box.inner_text()


def test_kiosk_pin_granted_then_refused_by_touch_only(page, live_server, users, services, resident, runtime):
    pin = services.credentials.new_pin(resident.id, "test")
    log_in(page, live_server, "kiosk")
    page.wait_for_url("**/kiosk/")
    tap_pin(page, pin)  # the pad submits by itself when the PIN is complete
    cls, text = result(page)
    assert "granted" in cls and "欢迎回家" in text and "张*" in text
    assert runtime.services.access.gate.relay_energised
    page.wait_for_selector("#result.idle", timeout=8000)  # back to the prompt for the next person
    wrong = "000000" if pin != "000000" else "111111"
    tap_pin(page, wrong)
    cls, text = result(page)
    assert "refused" in cls and "密码错误" in text
    assert page.input_value("#pin") == ""


def test_kiosk_text_is_at_least_24px(page, live_server, users):
    log_in(page, live_server, "kiosk")
    page.wait_for_url("**/kiosk/")
    sizes = page.evaluate("""() => Array.from(document.querySelectorAll('#kiosk *'))
        .filter(e => e.offsetParent !== null && e.childNodes.length && Array.from(e.childNodes)
            .some(n => n.nodeType === 3 && n.textContent.trim()))
        .map(e => [e.tagName + '.' + e.className, parseFloat(getComputedStyle(e).fontSize)])""")
    assert sizes, "no text found on the kiosk"
    small = [s for s in sizes if s[1] < 24]
    assert not small, small


def test_kiosk_visitor_pass_from_the_scanner_then_expired(page, live_server, users, services):
    clock = {"t": datetime.datetime.now().replace(microsecond=0)}
    services.access.now = lambda: clock["t"]
    _vp, code = services.credentials.create_pass("volunteer", None, hours=2, max_uses=5)
    log_in(page, live_server, "kiosk")
    page.wait_for_url("**/kiosk/")
    # A USB QR scanner is a keyboard: it types into the focused field and presses Enter.
    assert page.evaluate("document.activeElement.id") == "scan"
    page.keyboard.type(code)
    page.keyboard.press("Enter")
    cls, text = result(page)
    assert "granted" in cls and "欢迎来访" in text
    page.wait_for_selector("#result.idle", timeout=8000)
    clock["t"] += datetime.timedelta(hours=3)
    page.keyboard.type(code)
    page.keyboard.press("Enter")
    cls, text = result(page)
    assert "refused" in cls and "过期" in text


def test_kiosk_garbage_scan_is_refused_on_screen(page, live_server, users):
    log_in(page, live_server, "kiosk")
    page.wait_for_url("**/kiosk/")
    page.keyboard.type("LQ1:v:" + "0" * 32 + ":0:9999999999:" + "A" * 86)
    page.keyboard.press("Enter")
    cls, text = result(page)
    assert "refused" in cls and "无效" in text


def test_admin_hardware_panel_trips_the_fire_alarm_and_shows_it_live(page, live_server, users, runtime):
    log_in(page, live_server, "volunteer")
    page.goto(live_server + "/gate")
    assert page.get_attribute("#gate-state", "data-relay") == "locked"
    page.click("[data-sim=fire_on]")
    page.wait_for_selector("#fire-banner")
    page.wait_for_selector("#gate-state[data-relay=open]", timeout=5000)
    assert runtime.services.access.gate.fire_latched
    # A change made elsewhere (the exit button at the gate) shows up by polling, without a reload.
    runtime.services.access.simulator.set_fire(False)
    page.click("text=复位火警并锁门")
    page.wait_for_selector("#gate-state[data-relay=locked]", timeout=5000)
    assert page.locator("#fire-banner").count() == 0
    runtime.services.access.simulator.press_exit()
    page.wait_for_selector("#gate-state[data-relay=open]", timeout=5000)


def test_whole_pin_pad_fits_a_small_gate_screen(chromium, live_server, users):
    """800x480 is the common gate touch screen: no scrolling to reach 0 or the open key."""
    context = chromium.new_context(locale="zh-CN", viewport={"width": 800, "height": 480}, has_touch=True)
    page = context.new_page()
    try:
        page.goto(live_server + "/login")
        page.fill("input[name=username]", "kiosk")
        page.fill("input[name=password]", "correct-horse-1")
        page.click("button[type=submit]")
        page.wait_for_selector(".pinpad .key")  # the kiosk page, not the login page on its way out
        keys = page.locator(".pinpad .key")
        assert keys.count() >= 12
        for i in range(keys.count()):
            box = keys.nth(i).bounding_box()
            assert box["y"] + box["height"] <= 480, keys.nth(i).inner_text()
            assert box["height"] >= 56 and box["width"] >= 56
    finally:
        context.close()
