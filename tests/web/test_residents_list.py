"""The residents list: filters for the people who need attention, real pages, natural order,
literal search, and a unit picker that follows the chosen building."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.web.test_browser import log_in


@pytest.fixture
def street(services, users):
    reg = services.registry
    b10 = reg.save_building({"name": "10号楼"}, "t")
    b2 = reg.save_building({"name": "2号楼"}, "t")
    units = {}
    for b in (b2, b10):
        for number in ("10单元101", "2单元101"):
            units[b.name, number] = reg.save_unit({"building_id": b.id, "number": number}, "t")
    reg.save_resident({"name": "王秀英", "unit_id": units["2号楼", "10单元101"].id, "living_alone_elderly": "1"}, "t")
    reg.save_resident({"name": "李小明", "unit_id": units["2号楼", "2单元101"].id, "minor": "1"}, "t")
    reg.save_resident({"name": "赵大爷", "unit_id": units["10号楼", "2单元101"].id, "disability": "1"}, "t")
    reg.save_resident({"name": "100%满意", "unit_id": units["10号楼", "10单元101"].id}, "t")
    reg.save_resident({"name": "张_三", "unit_id": units["10号楼", "10单元101"].id}, "t")
    return units


def names(html: str) -> list[str]:
    table = html.split('data-testid="residents"')[1].split("</table>")[0]
    return re.findall(r'<td class="title"><a [^>]*>([^<]+)</a>', table)


def test_flags_natural_order_literal_search_and_pages(client_as, services, street, monkeypatch):
    c = client_as("volunteer")
    assert names(c.get("/residents").get_data(as_text=True)) == ["李小明", "王秀英", "赵大爷", "100%满意", "张_三"]
    assert names(c.get("/residents?flag=alone").get_data(as_text=True)) == ["王秀英"]
    assert names(c.get("/residents?flag=minor").get_data(as_text=True)) == ["李小明"]
    assert names(c.get("/residents?flag=disability").get_data(as_text=True)) == ["赵大爷"]
    assert names(c.get("/residents?q=%25").get_data(as_text=True)) == ["100%满意"]
    assert names(c.get("/residents?q=_").get_data(as_text=True)) == ["张_三"]
    b10 = services.registry.buildings()[1]
    assert b10.name == "10号楼"  # buildings are in natural order too
    assert names(c.get(f"/residents?building={b10.id}").get_data(as_text=True)) == ["赵大爷", "100%满意", "张_三"]

    import appliance.registry.service as registry
    import web.admin.registry as views

    monkeypatch.setattr(registry, "PAGE_SIZE", 2)
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    first = c.get("/residents").get_data(as_text=True)
    assert names(first) == ["李小明", "王秀英"] and "第 1 页，共 3 页" in first
    third = c.get("/residents?page=3").get_data(as_text=True)
    assert names(third) == ["张_三"] and "下一页" not in third and "上一页" in third


def test_dashboard_tile_opens_the_elderly_and_the_unit_picker_follows_the_building(page, live_server, street):
    log_in(page, live_server, "volunteer")
    page.locator("a.stat", has_text="独居老人").click()
    table = page.locator("[data-testid=residents]")
    expect(table).to_contain_text("王秀英")
    expect(table).not_to_contain_text("李小明")
    expect(page.locator("select[name=flag]")).to_have_value("alone")

    page.goto(live_server + "/residents/new")
    units = page.locator("select[name=unit_id] option")
    expect(units).to_have_count(4)
    assert units.all_inner_texts() == ["2号楼 2单元101", "2号楼 10单元101", "10号楼 2单元101", "10号楼 10单元101"]
    page.select_option("select[name=building_id]", label="10号楼")
    expect(units).to_have_count(2)
    assert units.all_inner_texts() == ["10号楼 2单元101", "10号楼 10单元101"]
    page.fill("input[name=name]", "新住户")
    page.select_option("select[name=unit_id]", label="10号楼 10单元101")
    page.click("button.primary")
    expect(page.locator("[role=status]")).to_contain_text("已保存")
    expect(page.locator("select[name=unit_id] option:checked")).to_have_text("10号楼 10单元101")
