"""Real Chromium on a 390×844 phone: an elder books tomorrow's lunch and finds the bin for a
bottle on /me/care; a grid worker photographs a task."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from appliance.db.models import GridPhoto, MealBooking
from tests.care.test_grid_pages import PHONE, grid  # noqa: F401  (fixture)
from tests.participation.conftest import gps_exif, phone_photo
from tests.web.test_browser import log_in
from tests.web.test_me_browser import no_sideways_scroll

pytestmark = pytest.mark.browser


def test_an_elder_books_lunch_and_looks_up_a_bin_on_her_phone(phone_page, live_server, services, unit, users):
    elder = services.registry.save_resident({"name": "李桂兰", "phone": "13700137000", "unit_id": unit.id,
                                             "living_alone_elderly": "1", "birth_year": "1941"}, "t")
    pin = services.credentials.new_pin(elder.id, "t")
    day = services.care.bookable_days()[0]
    services.care.save_menu(day, "lunch", "红烧鱼块、清炒时蔬", "12元", "volunteer")
    services.care.save_service({"kind": "clinic", "name": "社区卫生服务站", "phone": "12320"}, "admin")
    phone = phone_page
    phone.goto(live_server + "/me/login")
    phone.fill("input[name=phone]", "13700137000")
    phone.fill("input[name=pin]", pin)
    phone.click("button[type=submit]")
    phone.wait_for_url("**/me/")
    phone.get_by_test_id("me-care-link").click()
    phone.wait_for_url("**/me/care/")
    lunch = phone.locator(f"[data-testid=me-care-meals] li[data-day='{day.isoformat()}'][data-meal=lunch]")
    expect(lunch).to_contain_text("红烧鱼块")
    lunch.locator("input[name=diet]").fill("软食")
    book = lunch.get_by_role("button", name="预订")
    assert book.bounding_box()["height"] >= 44
    book.click()
    expect(phone.locator(f"[data-testid=me-care-meals] li[data-day='{day.isoformat()}'][data-meal=lunch]")
           .get_by_role("button")).to_contain_text("已订")
    assert MealBooking.get().diet == "软食"
    expect(phone.get_by_test_id("me-care-services")).to_contain_text("社区卫生服务站")
    assert no_sideways_scroll(phone)
    phone.get_by_test_id("me-care-waste-link").click()
    phone.locator("input[name=q]").type("kqs", delay=80)  # pinyin initials, typed slowly
    expect(phone.get_by_test_id("waste-results")).to_contain_text("矿泉水瓶")
    expect(phone.get_by_test_id("waste-results")).to_contain_text("可回收物")
    assert no_sideways_scroll(phone)


def test_a_grid_worker_photographs_a_task_on_a_phone(chromium, live_server, services, grid, tmp_path):  # noqa: F811
    task = services.care.create_task(grid.id, {"kind": "rectification", "title": "清理楼道杂物"}, "admin")
    picture = tmp_path / "corridor.jpg"
    picture.write_bytes(phone_photo(3000, 2000, gps_exif()))
    context = chromium.new_context(locale="zh-CN", viewport=PHONE, is_mobile=True, has_touch=True)
    phone = context.new_page()
    try:
        log_in(phone, live_server, "volunteer")
        phone.goto(f"{live_server}/care/grid/task/{task.id}")
        form = phone.get_by_test_id("grid-photo-form")
        form.locator("input[type=file]").set_input_files(str(picture))
        form.get_by_role("button", name="添加照片").click()
        thumb = phone.locator("[data-testid=grid-photos] img").first
        expect(thumb).to_be_visible()
        assert phone.evaluate("(img) => img.naturalWidth", thumb.element_handle()) > 0  # the thumbnail is served
        assert GridPhoto.select().count() == 1
        assert phone.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]
    finally:
        context.close()
