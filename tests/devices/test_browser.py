"""A volunteer on a 390x844 phone in real headless Chromium switches a street lamp on by hand
and back to the sunset clock: big buttons, htmx swaps the lamp's card, nothing scrolls
sideways, no request ends in a server error."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from appliance.config import load_config
from appliance.devices.setup import DevicesFeature
from tests.devices.conftest import write_box
from tests.web.test_browser import log_in

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def config(linli_home):
    write_box(linli_home)
    return load_config(linli_home)


@pytest.fixture
def phone(chromium):
    context = chromium.new_context(locale="zh-CN", viewport=PHONE, is_mobile=True, has_touch=True)
    pg = context.new_page()
    yield pg
    context.close()


def test_volunteer_switches_a_lamp_on_a_phone(phone, live_server, users, runtime, clock):
    feature = runtime.feature(DevicesFeature)
    feature.clock.fn = clock  # noon: the sunset clock keeps the lamps off
    circuit = feature.service.lamps.circuits["east-1"]
    problems = []
    phone.on("pageerror", lambda e: problems.append(str(e)))
    phone.on("response", lambda r: r.status >= 500 and problems.append(f"{r.status} {r.url}"))

    log_in(phone, live_server, "volunteer")
    phone.get_by_text("☰ 菜单").click()
    phone.locator("nav.main-nav a", has_text="路灯与传感器").click()
    card = phone.locator("[data-testid=lamp][data-name=east-1]")
    expect(card.locator("[data-testid=lamp-state]")).to_have_text("关")
    button = card.get_by_role("button", name="开灯")
    box = button.bounding_box()
    assert box["height"] >= 48 and box["width"] >= 120  # a thumb, not a fingertip
    assert phone.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]
    button.click()
    expect(card.locator("[data-testid=lamp-override]")).to_be_visible()
    expect(card).to_have_attribute("data-on", "1")
    assert circuit.is_on
    card.get_by_role("button", name="恢复按时间表").click()
    expect(card).to_have_attribute("data-on", "0")
    assert not circuit.is_on
    assert problems == []


def test_staff_drag_a_sensor_onto_the_site_plan(page, live_server, users, runtime):
    import io

    from PIL import Image

    from appliance.db.models import Device

    out = io.BytesIO()
    Image.new("RGB", (800, 500), (240, 240, 230)).save(out, "PNG")
    runtime.services.devices.upload_plan(out.getvalue(), "admin")
    log_in(page, live_server, "volunteer")
    page.goto(live_server + "/devices/plan")
    dot = page.locator("[data-testid=dot][data-name=leak-b3]")
    plan = page.locator("#site-plan").bounding_box()
    start = dot.bounding_box()
    page.mouse.move(start["x"] + start["width"] / 2, start["y"] + start["height"] / 2)
    page.mouse.down()
    page.mouse.move(plan["x"] + plan["width"] * 0.6, plan["y"] + plan["height"] * 0.4, steps=8)
    page.mouse.up()
    expect(dot).to_have_attribute("data-saved", "1")
    device = Device.get(Device.name == "leak-b3")
    assert device.plan_x == pytest.approx(0.6, abs=0.02) and device.plan_y == pytest.approx(0.4, abs=0.02)
