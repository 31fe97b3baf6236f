"""Item 4 of the first-week report: htmx sub-forms showed nothing on a 4xx answer; forms named only
their first bad field and said "超出范围" without the range."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.web.test_browser import log_in

pytestmark = pytest.mark.browser


@pytest.fixture
def resident(services):
    b = services.registry.save_building({"name": "1号楼"}, "t")
    unit = services.registry.save_unit({"building_id": b.id, "number": "1单元101"}, "t")
    return services.registry.save_resident({"name": "王秀英", "unit_id": unit.id}, "t")


def test_card_and_schedule_errors_show_in_the_access_box(page, live_server, users, resident):
    log_in(page, live_server, "volunteer")
    page.goto(f"{live_server}/residents/{resident.id}")
    box = page.locator("#access-box")
    page.fill("#access-box input[name=card]", "12")
    page.click("#access-box >> text=添加门禁卡")
    expect(box.locator(".error")).to_contain_text("4 到 20 位数字")
    # No weekday and an end before the start: both mistakes at once.
    page.fill("#access-box input[name=start]", "22:00")
    page.fill("#access-box input[name=end]", "07:00")
    page.click("#access-box >> text=保存时段")
    error = box.locator(".error")
    expect(error).to_contain_text("请至少选择一天")
    expect(error).to_contain_text("开始时间要早于结束时间")


def test_a_full_error_page_is_shown_as_a_line_not_nested(page, live_server, users, resident, services):
    log_in(page, live_server, "volunteer")
    page.goto(f"{live_server}/residents/{resident.id}")
    services.registry.delete_resident(resident.id, "t")  # someone else deleted the resident meanwhile
    page.fill("#access-box input[name=card]", "12345678")
    page.click("#access-box >> text=添加门禁卡")
    expect(page.locator("#htmx-error")).to_contain_text("没有这位住户")
    assert page.locator("h1").count() == 1


def test_resident_form_names_every_bad_field_with_the_allowed_range(app, client_as, resident):
    app.config["WTF_CSRF_ENABLED"] = False
    client = client_as("volunteer")
    html = client.post(f"/residents/{resident.id}", data={
        "name": "王秀英", "unit_id": resident.household.unit.id, "phone": "abc", "birth_year": "1800"}).get_data(True)
    assert "出生年份应在 1900 到今年之间" in html
    assert "电话号码不对" in html


def test_unit_form_names_every_bad_field(app, client_as, resident):
    app.config["WTF_CSRF_ENABLED"] = False
    html = client_as("volunteer").post("/units", data={
        "building_id": resident.household.unit.building.id, "number": "", "floor": "999",
        "area_m2": "abc"}).get_data(True)
    assert "应在 -5 到 200 之间" in html and "面积" in html
