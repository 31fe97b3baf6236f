"""Item 10: a vehicle in the fire lane shows at once (nav badge, overview card, a poll that
updates the badge without a reload), not only once the volunteer stage is reached; the duty
volunteer's phone is checked; "100%" in a notice is text, not a Python format error."""

from __future__ import annotations

import datetime

import numpy as np
import pytest
from playwright.sync_api import expect

from models.plates.vote import BestRead
from tests.web.test_browser import log_in

pytestmark = pytest.mark.browser


def _open(fl, zone, track, plate):
    return fl.incidents.open(zone, "cam1", track, "car", datetime.datetime.now().replace(microsecond=0),
                             frame=np.full((120, 160, 3), 120, np.uint8), box=(10, 10, 60, 60),
                             plate=BestRead(plate, 0.9, 4, True))


def test_a_new_incident_shows_on_the_overview_and_in_the_nav_at_once(page, live_server, users, services):
    fl = services.firelane
    zone = fl.zones.save({"name": "北门通道", "camera": "cam1", "polygon": "0,0 100,0 100,100"}, "t")
    log_in(page, live_server, "volunteer")
    expect(page.locator("#firelane-badge")).to_have_count(0)
    _open(fl, zone, 1, "京AD12345")  # stage "owner": the owner is being told, nobody else yet
    page.reload()
    expect(page.locator("#firelane-badge")).to_have_text("1")
    card = page.locator("[data-testid=firelane-alerts]")
    expect(card).to_contain_text("北门通道")
    expect(card.locator(".plate")).to_have_class("plate green")  # 8 characters: new energy
    _open(fl, zone, 2, "京A12345")
    expect(page.locator("#firelane-badge")).to_have_text("2", timeout=15000)  # no reload
    assert page.evaluate("document.body.getAttribute('data-firelane-alerted')") == "2"


def test_duty_phone_and_percent_in_a_notice(app, client_as, services):
    app.config["WTF_CSRF_ENABLED"] = False
    c = client_as("admin")
    r = c.post("/firelane/settings", data={"t2_min": "5", "t3_min": "20", "duty_name": "小王", "duty_phone": "abc"})
    assert r.status_code == 400 and "电话号码不对" in r.get_data(as_text=True)
    assert services.firelane.settings.duty() == ("", "")
    r = c.post("/firelane/settings", data={"t2_min": "5", "t3_min": "20", "duty_name": "小王",
                                            "duty_phone": "13900139000",
                                            "owner_sms": "%(plate)s 请挪车，100% 会被拍照"})
    assert r.status_code == 302
    from appliance.firelane import messages

    text = messages.render(services.firelane.settings.template("owner_sms"), plate="京A12345")
    assert text == "京A12345 请挪车，100% 会被拍照"
    r = c.post("/firelane/settings", data={"t2_min": "5", "t3_min": "20", "owner_sms": "%(nosuch)s 挪车"})
    assert r.status_code == 400 and "%(nosuch)s" in r.get_data(as_text=True)
