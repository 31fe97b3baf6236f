"""Grid pages: a grid worker's task on a 390x844 phone in real Chromium (tick the checklist,
finish with a result, the work order is fixed); garbage answered, never 500; the monthly
sheet downloads."""

from __future__ import annotations

import datetime
import io

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from appliance.db.models import Grid, GridTask, WorkOrder
from tests.care.test_pages import post
from tests.web.test_browser import log_in

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def grid(services, unit, users):
    return services.care.save_grid({"name": "第一网格", "worker": "volunteer", "buildings": [unit.building_id]}, "t")


@pytest.mark.browser
def test_grid_worker_ticks_the_checklist_and_finishes_a_task_on_a_phone(chromium, live_server, services, grid):
    late = services.care.create_task(grid.id, {"kind": "rectification", "title": "清理楼道杂物"}, "admin")
    WorkOrder.update(due_at=datetime.datetime.now() - datetime.timedelta(hours=2)).where(
        WorkOrder.id == late.order_id).execute()
    task = services.care.create_task(grid.id, {"kind": "inspection", "title": "消防通道检查",
                                               "checklist": "通道畅通\n灭火器在有效期"}, "admin")
    context = chromium.new_context(locale="zh-CN", viewport=PHONE, is_mobile=True, has_touch=True)
    phone = context.new_page()
    problems = []
    phone.on("response", lambda r: r.status >= 500 and problems.append(f"{r.status} {r.url}"))
    try:
        log_in(phone, live_server, "volunteer")
        phone.goto(live_server + "/care/")
        phone.get_by_role("link", name="网格任务").click()
        rows = phone.locator("[data-testid=grid-tasks] li[data-task]")
        expect(rows.first).to_have_attribute("data-task", str(late.id))  # overdue first, in red
        expect(rows.first).to_have_attribute("data-overdue", "1")
        phone.get_by_role("link", name="巡查：消防通道检查").click()
        phone.get_by_role("button", name="☐ 通道畅通").click()
        expect(phone.get_by_role("button", name="☑ 通道畅通")).to_be_visible()
        finish = phone.locator("[data-testid=grid-finish-form]")
        finish.locator("textarea[name=result]").fill("通道畅通")
        finish.get_by_role("button", name="完成任务").click()
        expect(phone.locator("[data-testid=grid-error]")).to_contain_text("灭火器在有效期")
        button = phone.get_by_role("button", name="☐ 灭火器在有效期")
        box = button.bounding_box()
        assert box["height"] >= 44 and box["x"] + box["width"] <= PHONE["width"]
        button.click()
        phone.locator("textarea[name=result]").fill("通道畅通，灭火器正常")
        phone.get_by_role("button", name="完成任务").click()
        expect(phone.locator("[data-testid=grid-result]")).to_contain_text("灭火器正常")
        expect(phone.locator("[data-testid=grid-status]")).to_have_text("已处理")
        assert phone.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]
    finally:
        context.close()
    assert GridTask.get_by_id(task.id).done_at is not None and problems == []


def test_admin_creates_grid_and_task_and_garbage_is_answered(client_as, unit, services, users):
    admin = client_as("admin")
    r = post(admin, "/care/grid/grids", {"name": "第二网格", "worker": "volunteer", "buildings": str(unit.building_id)},
             "/care/grid/")
    assert r.status_code == 302 and Grid.get().name == "第二网格"
    grid = Grid.get()
    r = post(admin, "/care/grid/tasks", {"grid": grid.id, "kind": "visit", "title": "走访", "due": "2099-01-01"},
             "/care/grid/")
    assert r.status_code == 302 and GridTask.select().count() == 1
    for data, field in (({"grid": grid.id, "kind": "party", "title": "x"}, "kind"),
                        ({"grid": grid.id, "kind": "visit", "title": "x", "due": "2001-01-01"}, "due")):
        r = post(admin, "/care/grid/tasks", data, "/care/grid/")
        assert r.status_code == 400 and f'data-field="{field}"' in r.get_data(as_text=True)
    for data in ({"grid": "abc", "kind": "visit", "title": "x"}, {"grid": grid.id, "due": "tomorrow"}):
        assert post(admin, "/care/grid/tasks", data, "/care/grid/").status_code == 400
    assert post(admin, "/care/grid/tasks", {"grid": 99999, "kind": "visit", "title": "x"},
                "/care/grid/").status_code == 404
    task = GridTask.get()
    for index in ("7", "x", "-5"):
        assert post(admin, f"/care/grid/task/{task.id}/item", {"index": index}, "/care/grid/").status_code == 400
    for path in ("/care/grid/task/0", "/care/grid/task/999", "/care/grid/export.xlsx?month=2026-13",
                 "/care/grid/export.xlsx?month=abc"):
        assert admin.get(path).status_code in (400, 404), path
    r = admin.get("/care/grid/export.xlsx?month=" + datetime.date.today().strftime("%Y-%m"))
    assert r.status_code == 200
    sheet = load_workbook(io.BytesIO(r.data)).active
    assert sheet.cell(2, 2).value == "第二网格"
    assert client_as("volunteer").get("/care/grid/export.xlsx").status_code == 403
    assert client_as("district").get("/care/grid/").status_code == 403
