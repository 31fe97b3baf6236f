"""Printed codes scan: the print pages are rendered by real Chromium (screen and print media),
the code is read back from a screenshot with OpenCV and opens the gate through the access
service's QR path."""

from __future__ import annotations

import pytest

from appliance.access.camera import decode_qr

from tests.web.test_kiosk_browser import log_in

pytestmark = pytest.mark.browser


@pytest.fixture
def resident(services):
    reg = services.registry
    b = reg.save_building({"name": "1号楼"}, "test")
    u = reg.save_unit({"building_id": b.id, "number": "1单元101"}, "test")
    return reg.save_resident({"name": "张三", "unit_id": u.id, "phone": "13800138000", "move_in": "2020-01-01"},
                             "test")


def read_code(page, selector: str) -> str:
    """What a camera reads off the code as the page draws it."""
    element = page.locator(selector)
    element.wait_for()
    element.scroll_into_view_if_needed()
    box = element.bounding_box()
    margin = 24  # what the page draws around the code, as a camera sees it
    png = page.screenshot(clip={"x": max(0, box["x"] - margin), "y": max(0, box["y"] - margin),
                                "width": box["width"] + 2 * margin, "height": box["height"] + 2 * margin})
    # The kiosk camera's decoder: OpenCV's QRCodeDetector, then its ArUco-based one (the classic
    # detector alone misses ~3% of perfect codes: 9 of 300 random payloads in a measurement).
    text = decode_qr(png)
    assert text, f"{selector}: no QR code read from the rendered page"
    return text


def drawn_square(page, selector: str) -> dict:
    box = page.locator(selector).bounding_box()
    assert abs(box["width"] - box["height"]) < 2, box
    return box


@pytest.mark.parametrize("media", ["screen", "print"])
def test_printed_resident_code_scans_and_opens_the_gate(page, live_server, users, services, resident, runtime, media):
    services.credentials.issue_qr(resident.id, "test")
    log_in(page, live_server, "volunteer")
    page.wait_for_url("**/")
    page.emulate_media(media=media)
    page.goto(f"{live_server}/residents/{resident.id}/access/qr")
    box = drawn_square(page, ".qr svg")
    if media == "print":  # 60 mm at 96 px per inch
        assert abs(box["width"] - 60 / 25.4 * 96) < 2, box
    text = read_code(page, ".qr svg")
    assert text == page.get_attribute(".qr", "data-payload")
    decision = services.access.scan(text, "kiosk")
    assert decision.granted and decision.reason == "granted", decision
    assert runtime.services.access.gate.relay_energised


@pytest.mark.parametrize("media", ["screen", "print"])
def test_printed_visitor_pass_scans_and_opens_the_gate(page, live_server, users, services, runtime, media):
    vp, _code = services.credentials.create_pass("volunteer", None, hours=2, max_uses=1, note="快递")
    log_in(page, live_server, "volunteer")
    page.wait_for_url("**/")
    page.emulate_media(media=media)
    page.goto(f"{live_server}/access/passes/{vp.id}")
    drawn_square(page, ".qr svg")
    text = read_code(page, ".qr svg")
    decision = services.access.scan(text, "kiosk")
    assert decision.granted and decision.reason == "visitor", decision


@pytest.mark.parametrize("media", ["screen", "print"])
def test_residents_own_code_on_the_phone_scans(phone_page, live_server, services, resident, media):
    pin = services.credentials.new_pin(resident.id, "test")
    services.credentials.issue_qr(resident.id, "test")
    phone_page.goto(live_server + "/me/login")
    phone_page.fill("input[name=phone]", "13800138000")
    phone_page.fill("input[name=pin]", pin)
    phone_page.click("button[type=submit]")
    phone_page.wait_for_url("**/me/")
    phone_page.emulate_media(media=media)
    drawn_square(phone_page, "#my-qr svg")
    text = read_code(phone_page, "#my-qr svg")
    decision = services.access.scan(text, "kiosk")
    assert decision.granted, decision
