"""The zone editor on a 1280x800 screen: existing zones are drawn on the picture, a zone can
be changed in place, the camera is picked from a list, and picture and form sit side by side."""

from __future__ import annotations

import pytest

from appliance.db.models import FireZone
from tests.web.test_kiosk_browser import log_in

pytestmark = pytest.mark.browser


@pytest.fixture
def desk_page(chromium):
    context = chromium.new_context(locale="zh-CN", viewport={"width": 1280, "height": 800})
    pg = context.new_page()
    yield pg
    context.close()


def test_a_volunteer_redraws_an_existing_zone_beside_the_others(desk_page, live_server, users, services):
    zones = services.firelane.zones
    east = zones.save({"name": "东侧消防通道", "camera": "cam1", "polygon": "100,100 500,100 500,400"}, "test")
    zones.save({"name": "北门通道", "camera": "cam1", "polygon": "700,100 900,100 900,300"}, "test")
    zones.save({"name": "地库口", "camera": "cam2", "polygon": "10,10 200,10 200,200"}, "test")
    page = desk_page
    log_in(page, live_server, "volunteer")
    page.wait_for_url("**/")
    page.goto(live_server + "/firelane/zones")
    page.click(f"tr[data-zone='{east.id}'] a.button")
    assert "东侧消防通道" in page.inner_text("#editor-title")
    assert page.locator("#zone-editor .existing-zone").count() == 1  # 北门通道, in blue; not cam2's zone
    assert page.get_attribute("#zone-shape", "points") == "100,100 500,100 500,400"
    assert page.locator("#zone-camera option").all_inner_texts() == ["cam1", "cam2"]
    svg, form = page.locator("#zone-editor").bounding_box(), page.locator(".zone-form").bounding_box()
    assert form["x"] > svg["x"] + svg["width"] - 1  # side by side at 1280
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    page.click("#zone-clear")
    for x, y in ((60, 60), (300, 60), (300, 250), (60, 250)):
        page.locator("#zone-editor").click(position={"x": x, "y": y})
    page.click("#zone-save")
    page.wait_for_url("**/firelane/zones?camera=cam1")
    changed = FireZone.get_by_id(east.id)
    assert len(changed.polygon) == 4 and changed.name == "东侧消防通道"
    assert FireZone.select().count() == 3  # changed in place, not added
