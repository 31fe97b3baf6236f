"""Real headless Chromium on a 390x844 phone: a resident reports with a photo, a neighbour is
offered the duplicate and says "me too", a volunteer fixes it, the reporter sees the public
note and rates it; a notice posted by staff shows on /me and at the kiosk."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from appliance.db.models import ReportFollowup, WorkOrder
from tests.conftest import PASSWORD
from tests.participation.conftest import gps_exif, phone_photo

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def phones(chromium):
    contexts = []

    def make():
        context = chromium.new_context(locale="zh-CN", viewport=PHONE, is_mobile=True, has_touch=True)
        contexts.append(context)
        pg = context.new_page()
        problems = []
        pg.on("pageerror", lambda e: problems.append(str(e)))
        pg.on("response", lambda r: r.status >= 500 and problems.append(f"{r.status} {r.url}"))
        pg.problems = problems
        return pg

    yield make
    for c in contexts:
        c.close()


def resident_login(pg, base, phone, pin):
    pg.goto(base + "/me/login")
    pg.fill("input[name=phone]", phone)
    pg.fill("input[name=pin]", pin)
    pg.click("button[type=submit]")
    pg.wait_for_url("**/me/")


def staff_login(pg, base, username):
    pg.goto(base + "/login")
    pg.fill("input[name=username]", username)
    pg.fill("input[name=password]", PASSWORD)
    pg.click("button[type=submit]")


def fits(pg) -> bool:
    return pg.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]


def test_report_duplicate_fix_and_rating_on_phones(phones, live_server, users, services, estate, tmp_path):
    photo = tmp_path / "IMG_1234.jpg"
    photo.write_bytes(phone_photo(3000, 2000, gps_exif()))
    wang = phones()
    resident_login(wang, live_server, "13800138000", services.credentials.new_pin(estate["wang"].id, "t"))
    wang.get_by_test_id("me-reports-link").click()
    wang.get_by_test_id("new-report").click()
    wang.get_by_test_id("photo-input").set_input_files(str(photo))
    wang.get_by_label("路灯不亮").check()
    wang.select_option("select[name=building_id]", label="3号楼")
    wang.fill("textarea[name=description]", "东侧路灯不亮 <img src=x onerror=alert(1)>")
    wang.get_by_label("修好后给我发短信").check()
    assert fits(wang)
    send = wang.get_by_test_id("send-report")
    box = send.bounding_box()
    assert box["height"] >= 44 and box["x"] + box["width"] <= PHONE["width"]
    send.click()
    expect(wang.get_by_test_id("report-sent")).to_be_visible()
    expect(wang.get_by_test_id("report-description")).to_have_text("东侧路灯不亮 <img src=x onerror=alert(1)>")
    expect(wang.locator("img.report-thumb")).to_have_count(1)
    order = WorkOrder.get()

    # A neighbour in the same building picks the same category: offered the open report.
    neighbour = services.registry.save_resident({"name": "赵敏", "phone": "13500135000", "unit_id": estate["unit"].id,
                                                 "move_in": "2020-01-01"}, "t")
    zhao = phones()
    resident_login(zhao, live_server, "13500135000", services.credentials.new_pin(neighbour.id, "t"))
    zhao.goto(live_server + "/me/reports/new")
    zhao.get_by_label("路灯不亮").check()
    nearby = zhao.get_by_test_id("nearby")
    expect(nearby).to_contain_text("3号楼")
    expect(nearby.locator(f"li[data-number='{order.number}']")).to_be_visible()
    nearby.get_by_role("button", name="我也遇到了 +1").click()
    expect(zhao.get_by_test_id("plus-one-done")).to_be_visible()
    assert WorkOrder.get_by_id(order.id).plus_ones == 1
    assert WorkOrder.select().count() == 1  # "me too" is not sent as a report of its own
    assert fits(zhao)

    # The volunteer fixes it on their phone with a public note.
    vol = phones()
    staff_login(vol, live_server, "volunteer")
    vol.goto(f"{live_server}/workorders/{order.id}")
    expect(vol.get_by_test_id("wo-photos").locator("img")).to_have_count(1)
    status = vol.get_by_test_id("wo-status-form")
    status.locator("textarea[name=note]").fill("已更换灯泡")
    status.get_by_role("button", name="标记为已处理").click()
    expect(vol.get_by_test_id("wo-status")).to_have_text("已处理")
    services.participation.tick()  # what the background loop does every minute: ask "fixed?"
    assert ReportFollowup.get().sms == "sent"

    # The reporter sees it fixed, with the note, and rates it.
    wang.goto(live_server + "/me/reports")
    row = wang.locator(f"li[data-number='{order.number}']")
    expect(row).to_contain_text("已处理")
    expect(row.get_by_test_id("asking")).to_be_visible()
    row.locator("a").click()
    expect(wang.get_by_test_id("report-notes")).to_contain_text("已更换灯泡")
    form = wang.get_by_test_id("followup-form")
    form.get_by_label("是的，修好了").check()
    form.locator("label.star").nth(3).click()  # 4 stars
    form.get_by_role("button", name="提交我的回答").click()
    expect(wang.get_by_test_id("followup-form")).to_have_count(0)
    expect(wang.get_by_test_id("report-notes")).to_contain_text("4星")
    assert (ReportFollowup.get().stars, ReportFollowup.get().really_fixed) == (4, True)
    assert fits(wang)
    assert wang.problems == [] and zhao.problems == [] and vol.problems == []


def test_notice_posted_shows_on_me_and_at_the_kiosk(phones, page, live_server, users, services, estate):
    vol = phones()
    staff_login(vol, live_server, "volunteer")
    vol.goto(live_server + "/notices")
    form = vol.get_by_test_id("notice-form")
    form.locator("input[name=title]").fill("周三停水")
    form.locator("textarea[name=body]").fill("9:00–12:00 停水，请提前储水 <script>alert(1)</script>")
    form.get_by_label("置顶").check()
    form.get_by_label("重要：居民需确认已读（按户统计）").check()
    form.get_by_role("button", name="发布公告").click()
    expect(vol.get_by_test_id("notices")).to_contain_text("周三停水")

    wang = phones()
    resident_login(wang, live_server, "13800138000", services.credentials.new_pin(estate["wang"].id, "t"))
    board = wang.get_by_test_id("me-notices")
    expect(board).to_contain_text("周三停水")
    expect(board).to_contain_text("<script>alert(1)</script>")  # shown as text, not run
    board.get_by_role("button", name="我已阅读").click()
    expect(board.get_by_test_id("notice-read")).to_be_visible()
    assert fits(wang)
    vol.goto(live_server + "/notices")
    expect(vol.locator("[data-building='3号楼']")).to_contain_text("1/1")

    staff_login(page, live_server, "kiosk")
    page.wait_for_url("**/kiosk/")
    expect(page.get_by_test_id("kiosk-board")).to_contain_text("周三停水")
    size = page.get_by_test_id("kiosk-board").evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
    assert size >= 24
    with page.expect_response(lambda r: "/notices/speech/" in r.url) as spoken:
        page.get_by_test_id("kiosk-speak").click()
    assert spoken.value.status in (200, 206) and spoken.value.headers["content-type"] == "audio/wav"  # media range
    assert wang.problems == [] and vol.problems == []
