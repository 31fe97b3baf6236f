"""Item 6: every state-changing form answers with a redirect, so a reload repeats nothing
(a reload after a remote open used to open the gate a second time)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from appliance.db.models import AuditLog
from tests.conftest import csrf_token
from tests.web.test_browser import log_in

pytestmark = pytest.mark.browser


def _remote_opens():
    return AuditLog.select().where(AuditLog.action == "remote_open").count()


def test_reloading_after_a_remote_open_does_not_open_the_gate_again(page, live_server, users, services):
    log_in(page, live_server, "volunteer")
    page.goto(live_server + "/gate")
    page.fill("input[name=reason]", "快递")
    page.click("text=立即开门")
    expect(page.locator("p.notice")).to_be_visible()
    assert _remote_opens() == 1
    page.reload()
    page.wait_for_load_state()
    assert _remote_opens() == 1
    assert page.locator("p.notice").count() == 0  # the notice was for the open, not for the reload
    assert page.url.endswith("/gate")


def test_a_reset_password_shows_once_and_a_reload_does_not_reset_again(page, live_server, users, services):
    log_in(page, live_server, "admin")
    page.goto(live_server + "/users")
    page.once("dialog", lambda d: d.accept())
    page.locator(f"form[action='/users/{users['volunteer'].id}/password'] button").click()
    shown = page.locator("#one-time-password code").inner_text()
    assert shown
    resets = AuditLog.select().where(AuditLog.action.contains("reset")).count()
    page.reload()
    page.wait_for_load_state()
    assert page.locator("#one-time-password").count() == 0
    assert AuditLog.select().where(AuditLog.action.contains("reset")).count() == resets


@pytest.fixture
def resident(services):
    b = services.registry.save_building({"name": "1号楼"}, "t")
    unit = services.registry.save_unit({"building_id": b.id, "number": "101"}, "t")
    return services.registry.save_resident({"name": "甲", "unit_id": unit.id}, "t")


def test_state_changing_forms_without_htmx_answer_with_a_redirect(client_as, resident, users):
    admin = client_as("admin")
    token = csrf_token(admin, "/users")
    forms = [
        ("/gate/open", {"reason": "快递"}),
        ("/users", {"username": "newvol", "role": "volunteer", "password": "a-long-password-1",
                    "display_name": "新人"}),
        (f"/users/{users['volunteer'].id}/password", {}),
        (f"/residents/{resident.id}/access/pin", {}),
        (f"/residents/{resident.id}/access/card", {"card": "12345678"}),
        (f"/residents/{resident.id}/access/schedule", {"weekdays": "1", "start": "07:00", "end": "22:00"}),
        (f"/residents/{resident.id}/access/qr", {}),
    ]
    for url, data in forms:
        r = admin.post(url, data={**data, "csrf_token": token})
        assert r.status_code in (302, 303), (url, r.status_code)
    # The PIN made above is on the page the redirect leads to, once.
    r = admin.post(f"/residents/{resident.id}/access/pin", data={"csrf_token": token})
    first = admin.get(r.headers["Location"]).get_data(as_text=True)
    again = admin.get(r.headers["Location"]).get_data(as_text=True)
    assert 'id="new-pin"' in first and 'id="new-pin"' not in again
