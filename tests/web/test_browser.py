"""A volunteer in real headless Chromium: log in, import a spreadsheet through the UI, see the rows."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD
from tests.helpers import row, write_xlsx

pytestmark = pytest.mark.browser


def log_in(page, base, username):
    page.goto(base + "/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")


def test_volunteer_imports_a_spreadsheet_and_sees_the_residents(page, live_server, users, services, tmp_path):
    services.registry.save_building({"name": "1号楼"}, "t")
    log_in(page, live_server, "volunteer")
    assert page.locator("h1").inner_text() == "概况"
    page.click("text=住户")
    page.click("text=从 Excel 导入")
    bad = write_xlsx(tmp_path / "bad.xlsx", [row(name="张三"), row(name="李四", phone="12")])
    page.set_input_files("input[type=file]", str(bad))
    page.click("text=检查文件")
    report = page.locator("[data-testid=import-report]")
    assert "没有导入任何数据" in report.inner_text() and "电话号码不对" in report.inner_text()
    good = write_xlsx(tmp_path / "good.xlsx", [row(name="张三", plates="京A12345"),
                                               row(name="李四", unit="1单元102", alone="是")])
    page.set_input_files("input[type=file]", str(good))
    page.click("text=检查文件")
    assert "2 行" in page.locator("[data-testid=import-summary]").inner_text()
    page.click("text=开始导入")  # htmx swaps in the job progress
    page.wait_for_selector("[data-testid=job][data-status=done]", timeout=15000)
    page.click("text=查看住户")
    table = page.locator("[data-testid=residents]")
    assert "张三" in table.inner_text() and "李四" in table.inner_text() and "独居老人" in table.inner_text()
    page.fill("input[name=q]", "李四")  # htmx live search
    expect(table).not_to_contain_text("张三")
    expect(table).to_contain_text("李四")


def test_pages_fit_a_phone_screen(phone_page, live_server, users, services):
    log_in(phone_page, live_server, "volunteer")
    phone_page.goto(live_server + "/residents")
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 400, f"page is {width}px wide on a 390px phone"
    font = phone_page.evaluate("parseFloat(getComputedStyle(document.querySelector('input[name=q]')).fontSize)")
    button = phone_page.evaluate("document.querySelector('.actions .button').getBoundingClientRect().height")
    assert font >= 16 and button >= 44  # readable text, thumb-sized targets


def test_demo_login_page_lists_the_demo_accounts(page, live_server, config):
    config.box.demo = True
    page.goto(live_server + "/login")
    assert "演示账号" in page.content() and "linli-volunteer" in page.content()
