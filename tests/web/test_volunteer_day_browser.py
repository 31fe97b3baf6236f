"""A volunteer's whole day on a 390x844 phone in real Chromium: add a resident, give them a PIN
that opens the gate, print a visitor pass that the kiosk scans, open the gate remotely with a
reason, look at today's access log, handle a car in the fire lane, and export the log. Every
page fits the phone's width and every button tapped is on screen."""

from __future__ import annotations

import datetime
import io

import numpy as np
import openpyxl
import pytest

from appliance.db.models import FireIncident, Resident
from models.plates.vote import BestRead
from tests.web.test_browser import log_in
from tests.web.test_print_qr_browser import read_code

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def phone(chromium):
    context = chromium.new_context(locale="zh-CN", viewport=PHONE, is_mobile=True, has_touch=True,
                                   accept_downloads=True)
    pg = context.new_page()
    yield pg
    context.close()


def fits(page, what: str) -> None:
    width = page.evaluate("document.scrollingElement.scrollWidth")
    assert width <= PHONE["width"], f"{what}: the page is {width}px wide on a 390px phone"


def tap(page, selector: str, what: str) -> None:
    button = page.locator(selector).first
    button.scroll_into_view_if_needed()
    box = button.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], f"{what} is off screen"
    assert box["height"] >= 24, f"{what} is too small to tap"
    button.click()


def test_a_volunteers_day_on_a_phone(phone, live_server, users, services, runtime):
    reg = services.registry
    building = reg.save_building({"name": "5号楼"}, "t")
    reg.save_unit({"building_id": building.id, "number": "1单元502", "area_m2": "70"}, "t")
    zone = services.firelane.zones.save({"name": "东侧消防通道", "camera": "cam1",
                                         "polygon": "0,0 100,0 100,100 0,100"}, "t")
    page = phone
    log_in(page, live_server, "volunteer")
    page.wait_for_url("**/")
    fits(page, "overview")

    # 1. A new resident.
    page.goto(live_server + "/residents/new")
    fits(page, "new resident")
    page.fill("input[name=name]", "赵桂兰")
    page.fill("input[name=phone]", "13700137000")
    page.select_option("select[name=building_id]", str(building.id))
    page.wait_for_selector("#unit-select option:has-text('1单元502')", state="attached")
    page.select_option("#unit-select", label="5号楼 1单元502")
    tap(page, "form.card button.primary", "save resident")
    page.wait_for_url("**/residents/*")
    resident = Resident.get(Resident.name == "赵桂兰")

    # 2. Her PIN opens the gate at the kiosk.
    fits(page, "resident page")
    tap(page, f"form[action='/residents/{resident.id}/access/pin'] button", "new PIN")
    page.wait_for_selector("#new-pin")
    pin = "".join(ch for ch in page.inner_text("#new-pin").split("—")[0] if ch.isdigit())
    assert services.access.pin_attempt(pin, "kiosk").granted

    # 3. A printed visitor pass scans at the kiosk.
    page.goto(live_server + "/access/passes")
    fits(page, "visitor passes")
    page.fill("input[name=note]", "快递 5-502")
    tap(page, "form.card button.primary", "create the pass")
    page.wait_for_selector(".qr svg")
    fits(page, "printable pass")
    assert services.access.scan(read_code(page, ".qr svg"), "kiosk").granted

    # 4. Remote open with a reason.
    page.goto(live_server + "/gate")
    fits(page, "gate")
    page.fill("input[name=reason]", "老人忘带钥匙")
    tap(page, "form[action$='/gate/open'] button", "open the gate")
    page.wait_for_load_state()
    assert runtime.services.access.gate.relay_energised

    # 5. Today's access log shows all three.
    page.goto(live_server + "/access/log")
    tap(page, "text=今天", "today")
    page.wait_for_load_state()
    fits(page, "access log")
    log = page.inner_text("main")
    assert page.locator("table.list tbody tr").count() == 3  # PIN, visitor pass, remote open
    assert "老人忘带钥匙" in log and "赵桂兰" in log and "访客通行证" in log

    # 6. A car in the fire lane: the badge shows at once; on my way; lane clear.
    inc = services.firelane.incidents.open(zone, "cam1", 7, "car", datetime.datetime.now(),
                                           plate=BestRead("粤B00001", 0.9, 5, True, exact=5, confirmed=5),
                                           frame=np.zeros((120, 160, 3), np.uint8), box=(10, 10, 60, 60))
    page.goto(live_server + "/")
    assert page.locator("#firelane-badge").text_content().strip() == "1"
    page.goto(live_server + f"/firelane/incidents/{inc.id}")
    fits(page, "incident")
    tap(page, f"form[action='/firelane/incidents/{inc.id}/acknowledge'] button", "on my way")
    page.wait_for_load_state()
    tap(page, f"form[action='/firelane/incidents/{inc.id}/close'] button", "lane clear")
    page.wait_for_load_state()
    assert FireIncident.get_by_id(inc.id).status == "closed"

    # 7. Export today's log for the property office.
    page.goto(live_server + "/access/log")
    tap(page, "text=今天", "today")
    page.wait_for_load_state()
    with page.expect_download() as download:
        tap(page, "a:has-text('导出')", "export")
    sheet = openpyxl.load_workbook(io.BytesIO(open(download.value.path(), "rb").read())).active
    assert sheet.max_row >= 4  # a header and the three entries
