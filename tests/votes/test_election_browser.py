"""A committee election in real Chromium: staff draft it with seats and candidates, an owner
ticks too many candidates on the phone (390×844) and is told so at the matter, then votes; a
tenant votes for the owner under a proxy staff recorded; the live view shows who is elected."""

from __future__ import annotations

import pytest

from tests.votes.test_votes_browser import phone_sign_in
from tests.web.test_kiosk_browser import log_in

pytestmark = pytest.mark.browser


@pytest.fixture
def phone(chromium):
    context = chromium.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True,
                                   has_touch=True)
    yield context.new_page()
    context.close()


def test_an_election_on_the_phone_with_a_tenant_voting_by_proxy(page, phone, live_server, users, community,
                                                                 services):
    owner, tenant = community[("2号楼", "101")]
    zhao = community[("2号楼", "102")][0]
    pins = {p.id: services.credentials.new_pin(p.id, "t") for p in (tenant, zhao)}
    log_in(page, live_server, "volunteer")
    page.wait_for_url("**/")
    page.goto(live_server + "/votes/new")
    page.fill("input[name=title]", "第二届业委会选举")
    page.fill("input[name=matter_1]", "选举业主委员会委员")
    page.select_option("select[name=item_1]", "3")
    page.locator("details.election-fields").first.locator("summary").click()
    page.fill("input[name=seats_1]", "2")
    page.fill("textarea[name=candidates_1]", "陈一\n林二\n黄三")
    page.click("#save-vote")
    page.wait_for_url("**/votes/*")
    detail = page.url
    page.fill("input[name=correction_days]", "0")
    page.click("#step-publish_roll")
    page.wait_for_selector("#step-open")
    page.click("#step-open")
    page.wait_for_selector("#step-close")

    # the tenant's written proxy is recorded
    page.click("#proxies-link")
    page.select_option("select[name=resident]", str(tenant.id))
    page.fill("input[name=document]", "王五委托租客 2026-12-01")
    page.click("#proxy-save")
    page.wait_for_selector("#done")
    assert "租客" in page.inner_text("#proxy-list")

    # an owner ticks three of three for two seats: told so at the matter, nothing counted
    phone_sign_in(phone, live_server, zhao.phone, pins[zhao.id])
    vote = services.votes.service.list()[0]
    phone.goto(live_server + f"/me/votes/{vote.id}")
    labels = phone.locator(".matter[data-matter='1'] fieldset.candidates label")
    assert labels.count() == 3
    for i in range(3):
        box = labels.nth(i).bounding_box()
        assert box["height"] >= 56 and box["x"] + box["width"] <= 390
        labels.nth(i).tap()
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    phone.click("#cast")
    phone.wait_for_selector(".matter-error[data-field='m1']")
    assert "2" in phone.inner_text(".matter-error") and not services.votes.ledger.entries(vote.id)
    phone.locator(".matter[data-matter='1'] label", has_text="黄三").tap()  # untick
    phone.click("#cast")
    phone.wait_for_selector("#done")

    # the tenant votes for 王五 on their own phone
    phone.click("#sign-out")
    phone_sign_in(phone, live_server, tenant.phone, pins[tenant.id])
    phone.goto(live_server + f"/me/votes/{vote.id}")
    assert "王五委托租客" in phone.inner_text("#proxy-note")
    phone.locator(".matter[data-matter='1'] label", has_text="陈一").tap()
    phone.click("#cast")
    phone.wait_for_selector("#done")
    phone.goto(live_server + f"/me/votes/{vote.id}")
    assert phone.locator("#cast-by-proxy").is_visible()

    page.goto(detail)
    assert page.locator("tr[data-candidate='1']").get_attribute("data-status") == "no_quorum"
    assert "2/6" in page.inner_text("section.matter.election")
    page.goto(detail + "/ledger")
    assert page.locator(".proxy").count() == 1
