"""A volunteer on a 390x844 phone in real headless Chromium: the ☰ menu opens a full list with the
daily pages first, and every row action of the main lists is on screen with no sideways scrolling."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.web.test_browser import log_in

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def phone(chromium):
    context = chromium.new_context(locale="zh-CN", viewport=PHONE, is_mobile=True, has_touch=True)
    pg = context.new_page()
    yield pg
    context.close()


@pytest.fixture
def community(services, users):
    b = services.registry.save_building({"name": "1号楼"}, "t")
    u = services.registry.save_unit({"building_id": b.id, "number": "1单元101", "area_m2": "62"}, "t")
    r = services.registry.save_resident({"name": "王秀英", "phone": "13800138000", "unit_id": u.id,
                                         "living_alone_elderly": "1", "notes": "耳背，请大声说话"}, "t")
    pin = services.credentials.new_pin(r.id, "volunteer")
    services.access.pin_attempt(pin, "kiosk")
    services.access.remote_open("快递到了", "volunteer")
    services.credentials.create_pass("volunteer", None, 4, 1, note="3-201的客人")
    return r


def _fits(page, what: str) -> None:
    page.wait_for_load_state("load")  # right after a click the next page may still be on its way
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{what}: the page is {width}px wide on a 390px phone"


def _reachable(page, locator, what: str) -> int:
    count = locator.count()
    for i in range(count):
        item = locator.nth(i)
        expect(item).to_be_visible()
        box = item.bounding_box()
        label = item.inner_text()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], f"{what}: {label!r} is off screen"
        assert box["height"] >= 24, f"{what}: {label!r} is too small to tap"
        item.click(trial=True)  # visible, enabled, not covered by anything else
    return count


def test_menu_lists_every_page_with_the_daily_ones_first(phone, live_server, community):
    log_in(phone, live_server, "admin")
    phone.wait_for_url(lambda url: "/login" not in url)  # the overview, not the login page on its way out
    _fits(phone, "overview")
    menu = phone.locator("nav.main-nav")
    expect(menu).to_be_hidden()  # the phone starts with the page, not a wall of links
    phone.get_by_text("☰ 菜单").click()
    links = menu.locator("a")
    assert _reachable(phone, links, "menu") >= 12
    assert links.all_inner_texts()[:4] == ["门禁", "通行记录", "访客通行证", "消防通道"]
    _fits(phone, "open menu")
    links.filter(has_text="通行记录").click()
    expect(phone.locator("h1")).to_have_text("通行记录")


@pytest.mark.parametrize("path, facts", [
    ("/residents", ["王秀英", "1号楼", "1单元101", "13800138000", "独居老人"]),
    ("/access/log", ["王秀英", "volunteer", "快递到了", "远程开门"]),
    ("/access/passes", ["3-201的客人", "volunteer"]),
    ("/users", ["volunteer", "志愿者", "管理员"]),
])
def test_every_row_action_and_key_fact_is_on_a_phone_screen(phone, live_server, community, path, facts):
    log_in(phone, live_server, "admin")
    phone.goto(live_server + path)
    _fits(phone, path)
    table = phone.locator("table.list")
    for fact in facts:
        expect(table.locator("td:not(.row-actions)").get_by_text(fact, exact=False).first).to_be_visible()
    actions = table.locator("a, button")
    found = _reachable(phone, actions, path)
    if path != "/access/log":  # the log is read-only
        assert found >= 1, f"{path}: no row action"


def test_delete_asks_first_and_a_refusal_shows_the_way(phone, live_server, community, services):
    log_in(phone, live_server, "admin")
    phone.goto(live_server + "/buildings")
    card = phone.locator("table.list tr", has_text="1号楼")
    questions = []
    phone.once("dialog", lambda d: (questions.append(d.message), d.dismiss()))
    card.get_by_role("button", name="删除").click()
    assert questions == ["确定删除楼栋 1号楼 吗？"]
    expect(phone.locator("[data-testid=refusal]")).to_have_count(0)  # dismissed: nothing was sent
    phone.once("dialog", lambda d: d.accept())
    card.get_by_role("button", name="删除").click()
    refusal = phone.locator("[data-testid=refusal]")
    expect(refusal).to_contain_text("请先删除这栋楼的房屋")
    refusal.get_by_role("link", name="查看这栋楼的房屋").click()
    expect(phone.locator("table.list")).to_contain_text("1单元101")
    assert len(services.registry.buildings()) == 1
