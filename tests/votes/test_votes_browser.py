"""A whole vote in real Chromium: staff draft it and publish the roll, an owner votes on the
phone (390×844), another at the kiosk, a paper ballot is scanned, typed in and checked by a
second person, a co-owner's second ballot is refused, the gauges move, and the notice shows
units and areas only. And the silent rule stays refused until every unit has a delivery record."""

from __future__ import annotations

import io

import pytest
import segno

from tests.web.test_kiosk_browser import log_in

pytestmark = pytest.mark.browser


@pytest.fixture
def phone(chromium):
    context = chromium.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True,
                                   has_touch=True)
    yield context.new_page()
    context.close()


@pytest.fixture
def second_page(chromium):
    context = chromium.new_context(locale="zh-CN", viewport={"width": 1280, "height": 800})
    yield context.new_page()
    context.close()


def draft_vote(page, base, title, matters, silent=False):
    page.goto(base + "/votes/new")
    page.fill("input[name=title]", title)
    for i, (text, item) in enumerate(matters, start=1):
        page.fill(f"input[name=matter_{i}]", text)
        page.select_option(f"select[name=item_{i}]", str(item))
    if silent:
        page.check("input[name=rule][value=silent]")
    page.click("#save-vote")
    page.wait_for_url("**/votes/*")
    page.fill("input[name=correction_days]", "0")
    page.click("#step-publish_roll")
    page.wait_for_selector("#step-open")
    return page.url


def phone_sign_in(phone, base, number, pin):
    phone.goto(base + "/me/login")
    phone.fill("input[name=phone]", number)
    phone.fill("input[name=pin]", pin)
    phone.click("button[type=submit]")
    phone.wait_for_url("**/me/")


def owners_gauge(page, matter=1):
    return page.locator(f"section.matter[data-matter='{matter}'] svg.gauges .frac").nth(1).text_content()


def test_a_whole_vote_across_phone_kiosk_and_paper(page, second_page, phone, chromium, live_server, users,
                                                    community, services):
    pins = {k: services.credentials.new_pin(community[k][0].id, "t") for k in (("1号楼", "201"), ("2号楼", "101"))}
    wife_pin = services.credentials.new_pin(community[("1号楼", "201")][1].id, "t")
    log_in(page, live_server, "volunteer")
    page.wait_for_url("**/")
    detail = draft_vote(page, live_server, "2026年业主大会", [("续聘物业公司", 4), ("加装电梯", 7)])
    page.goto(detail.replace("?", "") + "/roll?print=1")
    assert "2号楼 102" in page.inner_text("#roll") and "赵六" not in page.inner_text("#roll")
    page.goto(detail)
    page.click("#step-open")
    page.wait_for_selector("#step-close")
    assert owners_gauge(page) == "0/6"

    # phone: 李四 votes
    phone_sign_in(phone, live_server, "13800000002", pins[("1号楼", "201")])
    phone.click("nav.me-nav a[href$='/me/votes/']")
    phone.click("#open-votes a")
    for m, choice in ((1, "赞成"), (2, "反对")):
        label = phone.locator(f".matter[data-matter='{m}'] label", has_text=choice)
        box = label.bounding_box()
        assert box["height"] >= 56 and box["x"] >= 0 and box["x"] + box["width"] <= 390
        label.tap()
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    phone.click("#cast")
    phone.wait_for_selector("#done")
    assert "1" in phone.inner_text("#done")

    # kiosk: 王五 votes with the PIN
    kiosk_ctx = chromium.new_context(locale="zh-CN", viewport={"width": 1024, "height": 600}, has_touch=True)
    kiosk = kiosk_ctx.new_page()
    log_in(kiosk, live_server, "kiosk")
    kiosk.wait_for_url("**/kiosk/")
    kiosk.click("#kiosk-vote")
    kiosk.wait_for_url("**/kiosk/votes/")
    kiosk.fill("input[name=pin]", "0000000"[: len(pins[("2号楼", "101")])])
    kiosk.click("#pin-next")
    kiosk.wait_for_selector("#error")
    kiosk.fill("input[name=pin]", pins[("2号楼", "101")])
    kiosk.click("#pin-next")
    kiosk.wait_for_selector("#ballot")
    for m in (1, 2):
        label = kiosk.locator(f".matter[data-matter='{m}'] label", has_text="赞成")
        assert label.bounding_box()["height"] >= 90
        label.click()
    kiosk.click("#cast")
    assert "granted" in kiosk.get_attribute("#done", "class")
    kiosk_ctx.close()

    # paper: 赵六's signed ballot photographed and typed in by the volunteer, checked by the admin
    vote = services.votes.service.list()[0]
    row = next(r for r in services.votes.roll.rows(vote.id) if (r.building, r.number) == ("2号楼", "102"))
    code = services.votes.ballots.paper_code(vote, row)
    page.goto(detail + "/ballots/print")
    assert page.locator(f".sheet[data-code='{code}'] svg").count() == 1
    buf = io.BytesIO()
    segno.make(code, error="m").save(buf, kind="png", scale=8, border=4)
    page.goto(detail + "/paper")
    page.set_input_files("input[name=scan]", files=[{"name": "ballot.png", "mimeType": "image/png",
                                                     "buffer": buf.getvalue()}])
    page.locator("fieldset.choices").nth(0).locator("label", has_text="赞成").click()
    page.locator("fieldset.choices").nth(1).locator("label", has_text="弃权").click()
    page.click("#paper-save")
    page.wait_for_selector("#done")
    page.click(".paper .confirm")
    page.wait_for_selector("#pending-error")
    assert "两人核对" in page.inner_text("#pending-error")
    log_in(second_page, live_server, "admin")
    second_page.wait_for_url("**/")
    second_page.goto(detail + "/paper")
    second_page.click(".paper .confirm")
    second_page.wait_for_selector("#done")

    # the co-owner's second ballot for unit 201 is refused and recorded
    phone.click("#sign-out")
    phone_sign_in(phone, live_server, "13800000012", wife_pin)
    phone.goto(live_server + f"/me/votes/{vote.id}")
    assert phone.locator("#my-ballot").is_visible() and phone.locator("#ballot").count() == 0

    page.goto(detail)
    assert owners_gauge(page) == "3/6"
    assert page.locator("[data-testid=needed]").count() == 2
    assert "1号楼" in page.inner_text(".knock[data-building='1号楼']")
    page.click("#step-close")
    page.wait_for_selector("#step-preliminary")
    page.click("#step-preliminary")
    page.wait_for_selector("#step-final")
    page.goto(detail + "/notice")
    notice = page.inner_text("#notice")
    assert "1号楼 201" in notice and "90.25" in notice and "未达参与门槛" in notice
    assert "李四" not in notice and "13800000002" not in notice
    page.goto(detail + "/ledger")
    assert page.locator("#chain-ok").is_visible() and page.locator("#ledger tr.ballot").count() == 3


def test_the_silent_rule_waits_for_every_delivery_record(page, live_server, users, community, services):
    log_in(page, live_server, "volunteer")
    page.wait_for_url("**/")
    detail = draft_vote(page, live_server, "维修资金使用", [("使用维修资金修屋面", 5)], silent=True)
    page.click("#step-open")
    page.wait_for_selector("#step-close")
    assert page.locator("[data-testid=rule-refused]").is_visible()
    page.goto(detail + "/delivery")
    for box in page.locator("input[name=roll_id]").all():
        box.check()
    with page.expect_navigation():
        page.click("#save-delivery")
    assert page.locator("input[name=roll_id]").count() == 0
    page.goto(detail)
    assert page.locator("[data-testid=rule-refused]").count() == 0
    assert page.locator("[data-testid=rule-result]").is_visible()
