"""An owner raises an objection (询异) on a phone (390×844) in real Chromium; the office sees it
in its list, marked as filed on the phone."""

from __future__ import annotations

import pytest

from tests.votes.conftest import MATTERS
from tests.votes.test_votes_browser import phone, phone_sign_in  # noqa: F401  (the fixture)
from tests.web.test_kiosk_browser import log_in

pytestmark = pytest.mark.browser


def test_an_owner_objects_on_the_phone_and_the_office_lists_it(page, phone, live_server, users,  # noqa: F811
                                                               community, services):
    votes = services.votes
    zhao = community[("2号楼", "102")][0]
    vote = votes.service.save({"title": "2026年业主大会"}, MATTERS, "admin")
    votes.service.publish_roll(vote.id, "admin", correction_days=0)
    votes.service.open(vote.id, "admin")
    votes.ballots.cast_phone(vote.id, zhao, {"m1": "yes", "m2": "no"})
    votes.service.close(vote.id, "admin")
    votes.service.publish_preliminary(vote.id, "admin")

    phone_sign_in(phone, live_server, zhao.phone, services.credentials.new_pin(zhao.id, "t"))
    phone.goto(live_server + f"/me/votes/{vote.id}")
    link = phone.locator("#to-objection")
    box = link.bounding_box()
    assert box["height"] >= 44 and box["x"] >= 0 and box["x"] + box["width"] <= 390
    link.tap()
    phone.wait_for_selector("#objection-form")
    assert "2号楼 102" in phone.inner_text("#objection-form")  # their only unit, chosen for them
    phone.fill("textarea[name=text]", "我在纸上投的是反对，公示写成了赞成")
    send = phone.locator("#objection-send")
    assert send.bounding_box()["height"] >= 44
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    send.tap()
    phone.wait_for_selector("#done")
    assert "我在纸上投的是反对" in phone.inner_text("#my-objections")

    log_in(page, live_server, "volunteer")
    page.wait_for_url("**/")
    page.goto(live_server + f"/votes/{vote.id}/objections")
    row = page.locator("#objection-list tr[data-objection]")
    assert row.count() == 1
    assert row.locator("[data-channel=me]").count() == 1
    assert "2号楼 102" in row.inner_text() and "我在纸上投的是反对" in row.inner_text()
