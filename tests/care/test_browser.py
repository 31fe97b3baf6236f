"""A paired volunteer on a 390x844 phone in real headless Chromium: an elder's SOS appears
on the care page, the volunteer taps "I am going", records the visit with an errand, and
the alert and its work order are closed; no request ends in a server error."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from appliance.db.models import CareAlert, CareVisit, WorkOrder
from tests.web.test_browser import log_in

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def phone(chromium):
    context = chromium.new_context(locale="zh-CN", viewport=PHONE, is_mobile=True, has_touch=True)
    pg = context.new_page()
    yield pg
    context.close()


def test_alert_acknowledged_visit_recorded_order_closed_on_a_phone(phone, live_server, users, services, elder, sim,
                                                                   tmp_path):
    care = services.care
    care.save_plan(elder.id, {"consent_by": "self", "health_consent": "1", "volunteer": "volunteer",
                              "family_phone": "13600136000"}, "admin")
    care.observe(f"resident:{elder.id}", "sos")
    alert = CareAlert.get()
    assert alert.order_id is not None and [s.number[-11:] for s in sim.sent] == ["13600136000"]
    problems = []
    phone.on("pageerror", lambda e: problems.append(str(e)))
    phone.on("response", lambda r: r.status >= 500 and problems.append(f"{r.status} {r.url}"))

    log_in(phone, live_server, "volunteer")
    phone.get_by_text("☰ 菜单").click()
    expect(phone.locator("#care-badge")).to_have_text("1")
    phone.locator("nav.main-nav a", has_text="老人关怀").click()
    card = phone.locator(f"[data-alert='{alert.id}']")
    expect(card).to_contain_text("李桂兰")
    expect(card).to_contain_text("紧急呼叫")
    assert phone.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]
    go = card.get_by_role("button", name="我这就去看看")
    box = go.bounding_box()
    assert box["height"] >= 44 and box["x"] + box["width"] <= PHONE["width"]
    go.click()
    expect(phone.locator("h1")).to_have_text("李桂兰")
    expect(phone.locator("[data-testid=care-acknowledged]")).to_contain_text("volunteer")
    order = WorkOrder.get_by_id(alert.order_id)
    assert order.status == "accepted" and order.assignee == "volunteer"

    form = phone.locator("[data-testid=care-visit-form]")
    form.get_by_label("一般").check()
    form.locator("textarea[name=needs]").fill("帮忙买降压药")
    form.locator("textarea[name=notes]").fill("血压偏高，精神还好")
    form.get_by_role("button", name="保存探访记录").click()
    expect(phone.locator("[data-testid=care-alert]")).to_have_count(0)
    visits = phone.locator("[data-testid=care-visits]")
    expect(visits).to_contain_text("帮忙买降压药")
    expect(visits).to_contain_text("血压偏高")  # she is his paired elder: he sees the notes
    assert phone.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]
    phone.screenshot(path="/tmp/care/elder.png", full_page=True)

    phone.goto(live_server + "/care/")
    expect(phone.locator("[data-testid=care-no-alerts]")).to_be_visible()
    row = phone.locator(f"[data-resident='{elder.id}']")
    expect(row).to_have_attribute("data-overdue", "0")
    assert WorkOrder.get_by_id(order.id).status == "closed"
    assert CareAlert.get_by_id(alert.id).outcome == "help" and CareVisit.get().visitor == "volunteer"
    assert problems == []
