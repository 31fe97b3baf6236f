"""刷脸进门 end to end in headless Chromium: a replayed kiosk camera (real photos, real models),
consent and enrollment at the kiosk, then the gate kiosk's face button on mock pins.

The resident enrolls alone at the kiosk after their PIN. The relay is wired active-high here so "open" reads as the pin going high, then low again
when the pulse ends. No registry carries a recording of a real head turning, so the resident's
own later frames open the gate where face liveness is configured off; with liveness on (the
default) the same still frames must be refused. The live-movement path through the same
decision is tested with scripted keypoints in tests/appliance/access/test_face_entry.py.
"""

from __future__ import annotations

import time

import pytest

from appliance.config import load_config
from appliance.db.models import AccessEvent, FaceTemplate
from tests.appliance.face_helpers import ReplayCamera, portrait_frames
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

RELAY = 26
PLAYED = """window.__played = [];
(function () { var A = window.Audio; window.Audio = function (src) { window.__played.push(src); return new A(src); }; })();"""


@pytest.fixture
def config(linli_home):
    (linli_home / "config.toml").write_text("[gate]\nrelay_pin = 26\nrelay_active_low = false\npulse_s = 0.5\n")
    return load_config(linli_home)


@pytest.fixture
def resident(services):
    building = services.registry.save_building({"name": "5号楼"}, "test")
    unit = services.registry.save_unit({"building_id": building.id, "number": "1单元502"}, "test")
    return services.registry.save_resident({"name": "欧先生", "unit_id": unit.id, "move_in": "2020-01-01",
                                            "birth_year": 1961}, "test")


def log_in(page, base, username):
    page.goto(base + "/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")


def face_result(page):
    box = page.locator("#result.granted, #result.refused")
    box.wait_for(timeout=30000)
    return box.get_attribute("class"), box.inner_text(), box.get_attribute("data-sound")


def relay_levels(runtime):
    return [state for _, state in runtime.pin_factory.pin(RELAY).states]


def wait_relay_released(runtime, timeout=5.0):
    end = time.monotonic() + timeout
    while runtime.services.access.gate.relay_energised and time.monotonic() < end:
        time.sleep(0.05)


def tap_pin(page, pin):
    for digit in pin:
        page.click(f".pinpad [data-key='{digit}']")


def test_face_entry_from_consent_to_the_relay(page, live_server, services, users, resident, runtime):
    camera = ReplayCamera(portrait_frames("obama.jpg", 6, seed=5))
    services.face.camera = camera
    pin = services.credentials.new_pin(resident.id, "volunteer")
    page.add_init_script(PLAYED)
    log_in(page, live_server, "kiosk")
    page.wait_for_url("**/kiosk/")

    # 1. The resident, alone at the kiosk, proves who they are with the PIN (nothing opens),
    # gives the separate consent and enrolls from the box camera.
    page.click("#face-settings")
    tap_pin(page, pin)  # submits by itself when complete
    page.wait_for_url(f"**/kiosk/face/{resident.id}/consent")
    assert relay_levels(runtime) == [False]
    assert not page.is_checked("#agree")
    page.check("#agree")
    page.click("#agree-submit")
    page.wait_for_url(f"**/kiosk/face/{resident.id}/enroll")
    page.click("#enroll-start")
    page.wait_for_selector("[data-testid=face-result]")
    assert page.get_attribute("[data-testid=face-result]", "data-ok") == "yes"
    assert FaceTemplate.select(FaceTemplate.resident).distinct().count() == 1  # one resident, a template per frame
    page.click("#face-done")
    page.wait_for_url("**/kiosk/")
    assert page.goto(f"{live_server}/kiosk/face/{resident.id}/enroll").status == 403  # the next person cannot
    page.goto(f"{live_server}/kiosk/")

    # 2. Later, at the gate. Liveness is on by default: the resident's still picture is
    # recognised but never makes the asked movement, so the gate stays shut.
    assert services.config.face.liveness is True
    camera.frames = portrait_frames("obama2.jpg", 6, seed=6)
    page.click("#face-entry")
    prompt = page.locator("[data-testid=face-progress]")
    prompt.wait_for(timeout=10000)
    assert prompt.get_attribute("data-sound") in ("face_turn_left", "face_turn_right", "face_nod")
    assert "请" in prompt.inner_text()
    page.screenshot(path=str(services.config.home / "face-prompt.png"))
    cls, text, sound = face_result(page)
    assert "refused" in cls and "动作" in text and sound == "face_refused"
    assert relay_levels(runtime) == [False]  # never driven high
    assert any(p.endswith("face_refused.wav") for p in page.evaluate("window.__played"))

    # 3. A gate configured without the movement check: the resident's later frames open it.
    services.config.face.liveness = False
    page.wait_for_selector("#result.idle", timeout=10000)
    page.click("#face-entry")
    cls, text, sound = face_result(page)
    assert "granted" in cls and "欧*" in text and sound == "granted"
    wait_relay_released(runtime)
    assert relay_levels(runtime) == [False, True, False]  # high (open) for one pulse, then low
    assert any(p.endswith("granted.wav") for p in page.evaluate("window.__played"))

    # 4. Somebody else at the same gate is refused; the relay does not move.
    camera.frames = portrait_frames("biden.jpg", 6, seed=7)
    page.wait_for_selector("#result.idle", timeout=10000)
    page.click("#face-entry")
    cls, text, sound = face_result(page)
    assert "refused" in cls and "密码" in text
    assert relay_levels(runtime) == [False, True, False]
    page.screenshot(path=str(services.config.home / "face-refused.png"))

    services.access.log.flush()
    rows = [(e.method, e.granted, e.reason, e.resident_id) for e in AccessEvent.select().order_by(AccessEvent.id)]
    assert rows[0] == ("face", False, "face_liveness", None)
    assert rows[1] == ("face", True, "granted", resident.id)
    assert rows[2][:2] == ("face", False) and rows[2][2] in ("face_no_match", "face_unknown")

    # 5. The resident withdraws at the kiosk (after the PIN): the template is gone at once and
    # the same face no longer opens; the PIN still does.
    camera.frames = portrait_frames("obama2.jpg", 6, seed=6)
    page.wait_for_selector("#result.idle", timeout=10000)
    page.click("#face-settings")
    tap_pin(page, pin)
    page.wait_for_url(f"**/kiosk/face/{resident.id}/enroll")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#withdraw")
    page.wait_for_selector("[data-testid=face-result]")
    assert FaceTemplate.select().count() == 0
    page.click("#face-done")
    page.wait_for_url("**/kiosk/")
    page.click("#face-entry")
    cls, text, sound = face_result(page)
    assert "refused" in cls
    assert relay_levels(runtime) == [False, True, False]
