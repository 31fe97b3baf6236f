"""Item 8: an entry still in the journal (not yet in the database) counts on every page that
shows a pass: the list no longer offers a used-up pass as valid ("0 / 1")."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.web.test_browser import log_in

pytestmark = pytest.mark.browser


def test_a_pass_used_a_moment_ago_is_used_up_everywhere(page, live_server, users, services):
    vp, code = services.credentials.create_pass("volunteer", None, 4, 1, note="快递小哥")
    other, _ = services.credentials.create_pass("volunteer", None, 4, 2, note="保洁阿姨")
    assert services.access.scan(code, "kiosk").granted
    services.access.scan(services.credentials.pass_payload(other), "kiosk")
    assert services.access.log.pending() == 2  # both entries wait in the journal
    log_in(page, live_server, "volunteer")
    page.goto(live_server + "/access/passes")
    table = page.locator("[data-testid=passes]")
    expect(table).not_to_contain_text("快递小哥")  # no longer offered as valid
    expect(table.locator("tr", has_text="保洁阿姨")).to_contain_text("1 / 2")
    page.goto(f"{live_server}/access/passes/{vp.id}")
    expect(page.locator("[data-testid=pass-used]")).to_contain_text("已用 1 次，共 1 次")
    expect(page.locator("[data-testid=pass-used]")).to_contain_text("已用完")
    assert services.access.log.pending() == 2  # looking wrote nothing
