"""The gate kiosk at 800×480 (the usual small touch screen): everything fits in every state,
and the keys never move while someone types."""

from __future__ import annotations

import os

import pytest

from tests.web.test_kiosk_browser import log_in, result, tap_pin

pytestmark = pytest.mark.browser

KEYS = """() => Array.from(document.querySelectorAll('#pin-form .key, #pin-dots')).map(e => {
    const r = e.getBoundingClientRect(); return [e.dataset.key || e.id, r.x, r.y, r.width, r.height]; })"""
FITS = """() => ({scroll: document.documentElement.scrollHeight, scrollW: document.documentElement.scrollWidth,
    over: Array.from(document.querySelectorAll('#kiosk *')).filter(e => e.offsetParent !== null && e.id !== 'camera')
        .map(e => [e.tagName + '#' + e.id + '.' + e.className, e.getBoundingClientRect().bottom])
        .filter(x => x[1] > window.innerHeight + 0.5),
    clipped: Array.from(document.querySelectorAll('#result, .kiosk-side'))
        .filter(e => e.scrollHeight > e.clientHeight + 1 || e.scrollWidth > e.clientWidth + 1)
        .map(e => [e.id || e.className, e.scrollHeight, e.clientHeight])})"""


@pytest.fixture
def kiosk_page(chromium):
    context = chromium.new_context(locale="zh-CN", viewport={"width": 800, "height": 480}, has_touch=True)
    pg = context.new_page()
    yield pg
    context.close()


@pytest.fixture
def resident(services):
    reg = services.registry
    b = reg.save_building({"name": "1号楼"}, "test")
    u = reg.save_unit({"building_id": b.id, "number": "1单元101"}, "test")
    return reg.save_resident({"name": "欧阳建国", "unit_id": u.id, "move_in": "2020-01-01"}, "test")


def check(page, state, keys_before):
    shots = os.environ.get("LINLI_TEST_SHOTS")  # a folder: keep a screenshot of each state to look at
    if shots:
        page.screenshot(path=f"{shots}/{state.replace(' ', '_')}.png")
    fits = page.evaluate(FITS)
    assert fits["scroll"] <= 480 and fits["scrollW"] <= 800, (state, fits)
    assert not fits["over"], (state, fits["over"])
    assert not fits["clipped"], (state, fits["clipped"])  # nothing cut off inside the result or the left side
    keys = page.evaluate(KEYS)
    assert keys == keys_before, (state, keys_before, keys)
    for name, _x, _y, w, h in keys:
        if name != "pin-dots":
            assert w >= 60 and h >= 60, (state, name, w, h)  # big touch targets


def test_kiosk_fits_800x480_and_keys_stay_put_in_every_state(kiosk_page, live_server, users, services, resident,
                                                                runtime, monkeypatch):
    page = kiosk_page
    pin = services.credentials.new_pin(resident.id, "test")
    services.access.settings.kiosk_notice = "今天下午两点停水，请提前储水。物业电话 12345678"
    log_in(page, live_server, "kiosk")
    page.wait_for_url("**/kiosk/")
    keys = page.evaluate(KEYS)
    assert len(keys) == 13
    check(page, "idle", keys)

    for digit in "12345":  # one short of a PIN: all the dots the field ever shows
        page.click(f".pinpad [data-key='{digit}']")
    check(page, "typing", keys)
    page.click(".pinpad [data-key='clear']")

    tap_pin(page, pin)
    cls, _text = result(page)
    assert "granted" in cls
    check(page, "granted", keys)
    page.wait_for_selector("#result.idle", timeout=8000)

    wrong = "000000" if pin != "000000" else "111111"
    tap_pin(page, wrong)
    cls, _text = result(page)
    assert "refused" in cls
    check(page, "refused", keys)

    # a scanned code that is not ours: the longest refusal text
    page.keyboard.type("LQ1:x:nonsense")
    page.keyboard.press("Enter")
    page.wait_for_selector("#result.refused")
    check(page, "unknown code", keys)

    # the fire alarm comes in while the page is open (the notices poll every 5 s)
    services.access.simulate("fire_on", "test")
    page.wait_for_selector(".kiosk-fire", timeout=8000)
    check(page, "fire banner", keys)
    tap_pin(page, pin)
    result(page)
    check(page, "fire banner and result", keys)

    # too many wrong PINs: the pause notice joins the others (a long pause here, so the
    # notice's 5 s poll is sure to see it; on a real gate the pause is a few seconds)
    monkeypatch.setattr(services.access.pin_throttle, "pause", lambda streak: 60.0 if streak >= 5 else 0.0)
    for _ in range(5):
        # one attempt at a time: digits typed while the last answer is on its way would be
        # cleared with the pad when it lands, and that attempt would never be sent
        with page.expect_response("**/kiosk/pin"):
            tap_pin(page, wrong)
        page.wait_for_selector("#result.refused")
    page.wait_for_selector(".kiosk-notice >> text=暂停", timeout=8000)
    check(page, "every notice at once", keys)
    tap_pin(page, pin)  # the longest refusal, under every notice
    page.wait_for_selector("#result.refused >> text=二维码")
    check(page, "locked out under every notice", keys)
    page.reload()
    page.wait_for_selector(".kiosk-fire")
    check(page, "reloaded with every notice", keys)


CAMERA = """navigator.mediaDevices.getUserMedia = function () {
  var c = document.createElement('canvas'); c.width = 640; c.height = 480;
  var g = c.getContext('2d'); g.fillStyle = '#888'; g.fillRect(0, 0, 640, 480);
  return Promise.resolve(c.captureStream(5)); };"""


def test_kiosk_with_camera_and_face_button_fits_800x480(kiosk_page, live_server, users, services, resident, runtime):
    """A kiosk with a camera: the live picture and the 刷脸进门 button take room on the left, never from the pad."""
    page = kiosk_page
    services.face.camera = object()  # only drawn here: the face button is offered
    page.add_init_script(CAMERA)
    pin = services.credentials.new_pin(resident.id, "test")
    log_in(page, live_server, "kiosk")
    page.wait_for_url("**/kiosk/")
    page.wait_for_selector("#camera:not([hidden])")
    page.wait_for_selector("#face-entry")
    keys = page.evaluate(KEYS)
    check(page, "camera idle", keys)
    services.access.simulate("fire_on", "test")
    page.wait_for_selector(".kiosk-fire", timeout=8000)
    check(page, "camera fire", keys)
    tap_pin(page, pin)
    assert "granted" in result(page)[0]
    check(page, "camera fire granted", keys)
