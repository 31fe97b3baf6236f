"""A volunteer on a 390x844 phone in real headless Chromium works an order: finds it in the
queue, assigns it, adds a public note and marks it fixed; a wrong order number for a merge
is answered on the page, and no request ends in a server error."""

from __future__ import annotations

import datetime

import pytest
from playwright.sync_api import expect

from appliance.db.models import WorkOrder
from tests.web.test_browser import log_in

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def phone(chromium):
    context = chromium.new_context(locale="zh-CN", viewport=PHONE, is_mobile=True, has_touch=True)
    pg = context.new_page()
    yield pg
    context.close()


def test_volunteer_assigns_notes_and_fixes_an_order_on_a_phone(phone, live_server, users, services, place, tmp_path):
    wo = services.workorders
    wo.register_category("lamp", "路灯不亮", "Street lamp out", 48)
    order = wo.open(source="resident", category="lamp", description="3号楼东侧路灯不亮", actor="volunteer",
                    place=place)
    late = wo.open(source="sensor", category="lamp", description="路灯控制器离线", actor="system")
    WorkOrder.update(due_at=datetime.datetime.now() - datetime.timedelta(hours=1)).where(
        WorkOrder.id == late.id).execute()
    problems = []
    phone.on("pageerror", lambda e: problems.append(str(e)))
    phone.on("response", lambda r: r.status >= 500 and problems.append(f"{r.status} {r.url}"))

    log_in(phone, live_server, "volunteer")
    phone.get_by_text("☰ 菜单").click()
    phone.locator("nav.main-nav a", has_text="工单").click()
    rows = phone.locator("[data-testid=wo-queue] tr[data-number]")
    expect(rows.first).to_have_attribute("data-number", late.number)  # overdue first
    expect(rows.first).to_have_class("late")
    assert phone.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]
    phone.get_by_role("link", name=order.number).click()
    expect(phone.locator("h1")).to_contain_text(order.number)

    assign = phone.locator("[data-testid=wo-assign-form]")
    assign.locator("input[name=assignee]").fill("电工老王")
    assign.get_by_role("button", name="指派").click()
    expect(phone.locator("[data-testid=wo-assignee]")).to_have_text("电工老王")

    note = phone.locator("[data-testid=wo-note-form]")
    note.locator("textarea[name=text]").fill("明天上午换灯泡")
    note.get_by_label("居民可以看到这条备注").check()
    note.get_by_role("button", name="添加这条备注").click()
    timeline = phone.locator("[data-testid=wo-timeline]")
    expect(timeline).to_contain_text("明天上午换灯泡")

    status = phone.locator("[data-testid=wo-status-form]")
    status.locator("textarea[name=note]").fill("已换新灯泡")
    button = status.get_by_role("button", name="标记为已处理")
    box = button.bounding_box()
    assert box["height"] >= 44 and box["x"] + box["width"] <= PHONE["width"]
    button.click()
    expect(phone.locator("[data-testid=wo-status]")).to_have_text("已处理")
    expect(timeline).to_contain_text("已换新灯泡")

    merge = phone.locator("[data-testid=wo-merge-form]")
    merge.locator("input[name=into]").fill("GD-1999-999999")
    phone.once("dialog", lambda d: d.accept())
    merge.get_by_role("button", name="作为重复工单合并").click()
    expect(phone.locator("[data-testid=wo-error]")).to_contain_text("没有工单 GD-1999-999999")
    assert phone.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]
    phone.screenshot(path=str(tmp_path / "order.png"), full_page=True)

    saved = WorkOrder.get_by_id(order.id)
    assert (saved.assignee, saved.status, saved.merged_into_id) == ("电工老王", "fixed", None)
    notes = [(n.kind, n.text, n.public) for n in wo.timeline(order.id)]
    assert ("note", "明天上午换灯泡", True) in notes and ("status", "已换新灯泡", True) in notes
    assert not problems, problems


def test_admin_edits_a_category_on_a_phone(phone, live_server, users, services):
    wo = services.workorders
    wo.register_category("zz_lamp", "路灯不亮", "Street lamp out", 48, group="environment")
    wo.register_category("zz_leak", "漏水", "Water leak", 4, group="devices")
    problems = []
    phone.on("pageerror", lambda e: problems.append(str(e)))
    phone.on("response", lambda r: r.status >= 500 and problems.append(f"{r.status} {r.url}"))

    log_in(phone, live_server, "admin")
    phone.goto(live_server + "/workorders/")
    phone.get_by_test_id("categories-link").click()
    expect(phone.locator("h1")).to_have_text("工单类别")
    assert phone.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]

    lamp = phone.get_by_test_id("cat-zz_lamp")
    lamp.get_by_label("几小时内办完").fill("24")
    lamp.get_by_label("默认交给谁").select_option("Volunteer")
    lamp.get_by_label("启用").uncheck()
    lamp.get_by_role("button", name="保存").click()
    expect(phone.get_by_test_id("cat-saved")).to_be_visible()
    lamp = phone.get_by_test_id("cat-zz_lamp")
    expect(lamp.get_by_label("几小时内办完")).to_have_value("24")
    expect(lamp).to_contain_text("已停用")

    leak = phone.get_by_test_id("cat-zz_leak")
    leak.get_by_label("启用").uncheck()
    leak.get_by_role("button", name="保存").click()
    error = phone.get_by_test_id("cat-error")
    expect(error).to_contain_text("不能停用")
    expect(error).to_have_attribute("data-field", "active")

    # A restart registers the features' categories again; the admin's edits stay.
    wo.register_category("zz_lamp", "路灯不亮", "Street lamp out", 48, group="environment")
    phone.goto(live_server + "/workorders/categories")
    lamp = phone.get_by_test_id("cat-zz_lamp")
    expect(lamp.get_by_label("几小时内办完")).to_have_value("24")
    expect(lamp.get_by_label("默认交给谁")).to_have_value("Volunteer")
    assert problems == []
