"""Real headless Chromium on a 390x844 phone with a flaky connection: the 随手拍 draft (words,
category, place, photo) survives going offline and closing the tab, is sent by itself when the
phone is back online, and a draft sent twice (the box's answer was lost) makes one report.
The spot tapped on the site plan reaches the staff's plan of the queue."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from playwright.sync_api import expect

from appliance.db.models import ReportPhoto, WorkOrder
from tests.participation.conftest import phone_photo
from tests.participation.test_browser import PHONE, fits, resident_login, staff_login

pytestmark = pytest.mark.browser


@pytest.fixture
def phone(chromium):
    context = chromium.new_context(locale="zh-CN", viewport=PHONE, is_mobile=True, has_touch=True)
    problems = []
    context.on("page", lambda pg: pg.on("pageerror", lambda e: problems.append(str(e))))
    context.problems = problems
    yield context
    context.close()


def fill_report(pg, photo=None):
    if photo is not None:
        pg.get_by_test_id("photo-input").set_input_files(str(photo))
    pg.get_by_label("漏水").check()
    pg.select_option("select[name=building_id]", label="3号楼")
    pg.fill("input[name=spot]", "地下车库B区")
    pg.fill("textarea[name=description]", "天花板在滴水")


def test_offline_draft_survives_closing_the_tab_and_is_sent_once_back_online(phone, live_server, services, estate,
                                                                           tmp_path):
    photo = tmp_path / "IMG_2001.jpg"
    photo.write_bytes(phone_photo(2000, 1500))
    pg = phone.new_page()
    resident_login(pg, live_server, "13800138000", services.credentials.new_pin(estate["wang"].id, "t"))

    # Half filled, then the tab is closed: the words and the photo are still there afterwards.
    pg.goto(live_server + "/me/reports/new")
    fill_report(pg, photo)
    pg.wait_for_timeout(600)  # the draft is saved a moment after typing stops
    pg.close()
    pg = phone.new_page()
    pg.goto(live_server + "/me/")
    banner = pg.get_by_test_id("draft-banner")
    expect(banner).to_have_attribute("data-state", "editing")
    expect(banner).to_contain_text("您有一份还没写完的报告")
    pg.get_by_test_id("draft-open").click()
    expect(pg.locator("textarea[name=description]")).to_have_value("天花板在滴水")
    expect(pg.locator("input[name=spot]")).to_have_value("地下车库B区")
    expect(pg.get_by_label("漏水")).to_be_checked()
    assert pg.evaluate("document.querySelector('[name=photo]').files[0].name") == "IMG_2001.jpg"

    # The connection drops as they press send: nothing reaches the box, the draft waits.
    phone.set_offline(True)
    pg.get_by_test_id("send-report").click()
    banner = pg.get_by_test_id("draft-banner")
    expect(banner).to_have_attribute("data-state", "waiting")
    expect(banner).to_contain_text("未发送")
    expect(pg.get_by_test_id("draft-resend")).to_be_visible()
    assert fits(pg)
    assert WorkOrder.select().count() == 0
    pg.close()  # and the tab is closed while offline

    # Back online, any /me page sends it by itself.
    phone.set_offline(False)
    pg = phone.new_page()
    pg.goto(live_server + "/me/")
    banner = pg.get_by_test_id("draft-banner")
    expect(banner).to_have_attribute("data-state", "sent", timeout=15000)
    expect(banner).to_contain_text("已发送")
    order = WorkOrder.get()
    assert (order.description, order.spot, order.category.code, order.building_id) == (
        "天花板在滴水", "地下车库B区", "leak", estate["b3"].id)
    assert ReportPhoto.select().where(ReportPhoto.order == order).count() == 1
    pg.get_by_test_id("draft-open").click()
    expect(pg.get_by_test_id("report-description")).to_have_text("天花板在滴水")

    # Nothing is left to send: another page shows no banner and the box has one report.
    pg.goto(live_server + "/me/reports")
    expect(pg.get_by_test_id("draft-banner")).to_be_hidden()
    assert WorkOrder.select().count() == 1
    assert phone.problems == []


def test_answer_lost_on_the_way_back_then_resent_by_hand_makes_one_report(phone, live_server, services, estate,
                                                                         tmp_path):
    pg = phone.new_page()
    resident_login(pg, live_server, "13800138000", services.credentials.new_pin(estate["wang"].id, "t"))
    pg.goto(live_server + "/me/reports/new")
    fill_report(pg)  # no photo: an intercepted request loses its file part in Chromium (not the box's doing)

    # The box receives the report, but its answer never reaches the phone.
    def lose_answer(route):
        route.fetch()
        route.abort("connectionreset")

    pg.route("**/me/reports", lose_answer)
    pg.get_by_test_id("send-report").click()
    expect(pg.get_by_test_id("draft-banner")).to_have_attribute("data-state", "waiting")
    assert WorkOrder.select().count() == 1
    pg.unroute("**/me/reports")

    pg.get_by_test_id("draft-resend").click()  # 点此重发
    expect(pg.get_by_test_id("draft-banner")).to_have_attribute("data-state", "sent")
    assert WorkOrder.select().count() == 1
    assert WorkOrder.get().description == "天花板在滴水"
    assert phone.problems == []


def test_tap_the_spot_on_the_site_plan_and_staff_see_it(phone, chromium, live_server, users, services, estate,
                                                        tmp_path):
    out = io.BytesIO()
    Image.new("RGB", (1200, 800), (220, 235, 220)).save(out, "JPEG")
    services.devices.upload_plan(out.getvalue(), "admin")
    pg = phone.new_page()
    resident_login(pg, live_server, "13800138000", services.credentials.new_pin(estate["wang"].id, "t"))
    pg.goto(live_server + "/me/reports/new")
    pg.get_by_label("路灯不亮").check()
    image = pg.get_by_test_id("plan-pick-image")
    image.scroll_into_view_if_needed()
    box = image.bounding_box()
    assert box["width"] <= PHONE["width"] and box["width"] > 300
    image.tap(position={"x": box["width"] * 0.75, "y": box["height"] * 0.25})
    expect(pg.get_by_test_id("plan-pick-dot")).to_be_visible()
    x = float(pg.locator("input[name=plan_x]").input_value())
    y = float(pg.locator("input[name=plan_y]").input_value())
    assert abs(x - 0.75) < 0.02 and abs(y - 0.25) < 0.02
    assert fits(pg)
    pg.get_by_test_id("send-report").click()
    expect(pg.get_by_test_id("report-sent")).to_be_visible()
    order = WorkOrder.get()
    assert abs(order.plan_x - 0.75) < 0.02 and abs(order.plan_y - 0.25) < 0.02

    staff = chromium.new_context(locale="zh-CN", viewport=PHONE, is_mobile=True, has_touch=True)
    try:
        vol = staff.new_page()
        staff_login(vol, live_server, "volunteer")
        vol.goto(live_server + "/workorders/")
        dot = vol.locator(f"[data-testid=queue-plan-dot][data-number='{order.number}']")
        expect(dot).to_be_visible()
        plan = vol.get_by_test_id("queue-plan").locator("img").bounding_box()
        spot = dot.bounding_box()
        centre = (spot["x"] + spot["width"] / 2 - plan["x"]) / plan["width"]
        assert abs(centre - order.plan_x) < 0.02
        dot.click()
        expect(vol.get_by_test_id("order-plan-dot")).to_be_visible()
    finally:
        staff.close()
    assert phone.problems == []
