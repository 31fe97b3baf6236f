"""Access log: 今天 / 本周 in one tap instead of two date pickers."""

from __future__ import annotations

import datetime

import pytest
from playwright.sync_api import expect

from appliance.db.models import AccessEvent
from tests.web.test_browser import log_in

pytestmark = pytest.mark.browser


def test_today_and_this_week_shortcuts(phone_page, live_server, users, services):
    access = services.access
    for reason in ("上周的快递", "前天的快递", "今天的快递"):
        access.remote_open(reason, "volunteer")
    access.log.flush()
    today = access.now()
    old, recent, _now = AccessEvent.select().order_by(AccessEvent.id)
    AccessEvent.update(at=today - datetime.timedelta(days=8)).where(AccessEvent.id == old.id).execute()
    monday = today - datetime.timedelta(days=today.weekday())
    AccessEvent.update(at=monday).where(AccessEvent.id == recent.id).execute()
    AccessEvent.update(at=today).where(AccessEvent.id == _now.id).execute()
    page = phone_page
    log_in(page, live_server, "volunteer")
    page.goto(live_server + "/access/log")
    rows = page.locator("#access-log tbody tr")
    expect(rows).to_have_count(3)
    page.click("[data-testid=log-shortcuts] >> text=今天")
    expect(rows).to_have_count(1 if monday.date() != today.date() else 2)
    expect(page.locator("#access-log")).to_contain_text("今天的快递")
    page.click("[data-testid=log-shortcuts] >> text=本周")
    expect(rows).to_have_count(2)
    expect(page.locator("#access-log")).not_to_contain_text("上周的快递")
    assert page.evaluate("document.documentElement.scrollWidth") <= 400
