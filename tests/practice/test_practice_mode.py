"""Practice mode (培训模式): a volunteer practises on a throw-away demo community; the real
register, the gate relay and the modem are never touched, and leaving throws it all away."""

from __future__ import annotations

import pytest

from appliance.db.models import AccessEvent, AuditLog, Resident
from tests.web.test_kiosk_browser import log_in

pytestmark = pytest.mark.browser


def test_a_volunteer_practises_remote_open_and_leaves_no_trace(page, live_server, users, services, runtime):
    real_residents = Resident.select().count()
    log_in(page, live_server, "volunteer")
    page.wait_for_url("**/")
    page.goto(live_server + "/practice/")
    page.click("#practice-start button")
    page.wait_for_selector("#practice-banner")
    room = services.practice.room(users["volunteer"].id)
    folder = room.config.home
    assert folder.is_dir()
    page.goto(live_server + "/residents")
    assert page.locator("#practice-banner").is_visible()  # on every page
    assert page.inner_text("[data-testid=residents-count]").startswith("共 200 位")  # the demo community

    page.goto(live_server + "/gate")
    page.fill("input[name=reason]", "练习远程开门")
    page.click("form[action$='/gate/open'] button")
    page.wait_for_load_state()
    assert not runtime.services.access.gate.relay_energised  # the real relay never moved
    assert AccessEvent.select().count() == 0 and Resident.select().count() == real_residents
    assert not AuditLog.select().where(AuditLog.action == "remote_open").exists()

    page.click("#practice-banner button")
    page.wait_for_url("**/")
    assert page.locator("#practice-banner").count() == 0
    assert services.practice.room(users["volunteer"].id) is None and not folder.exists()
    page.goto(live_server + "/residents")
    assert page.inner_text("[data-testid=residents-count]").startswith(f"共 {real_residents} 位")


def test_practice_rooms_are_limited_and_signing_out_discards_the_room(services, users):
    rooms = services.practice
    rooms.max_rooms = 1
    room = rooms.enter(users["volunteer"].id)
    assert rooms.enter(users["volunteer"].id) is room  # entering again keeps your room
    from appliance.errors import LinliError

    with pytest.raises(LinliError):
        rooms.enter(users["admin"].id)
    assert rooms.leave(users["volunteer"].id) and not room.config.home.exists()
    assert rooms.room(users["volunteer"].id) is None


def test_a_button_on_a_stale_practice_page_does_nothing_to_the_real_box(app, users, services, runtime):
    from tests.conftest import csrf_token, login

    client = app.test_client()
    login(client, "volunteer")
    token = csrf_token(client, "/practice/")
    client.post("/practice/start", data={"csrf_token": token})
    services.practice.leave(users["volunteer"].id)  # Linli restarted, or left in another tab
    r = client.post("/gate/open", data={"reason": "练习远程开门", "csrf_token": token})
    assert r.status_code == 302 and "/practice/?ended=1" in r.headers["Location"]
    assert not runtime.services.access.gate.relay_energised
    assert not AuditLog.select().where(AuditLog.action == "remote_open").exists()
