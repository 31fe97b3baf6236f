"""The "fixed?" question answered by SMS, through the simulated 4G dongle on a pty: the
resident's reply is read from the SIM with AT+CMGL, matched to their open question, closes or
reopens the order, and is thanked; strangers are not answered, unclear replies are explained."""

from __future__ import annotations

import pytest

from appliance.db.models import ReportFollowup, SmsInbound, WorkOrder
from appliance.firelane.setup import FireLaneFeature
from appliance.participation.sms_answers import parse


@pytest.fixture
def dongle(runtime):
    return runtime.feature(FireLaneFeature).simulated_modem


@pytest.fixture
def asked(services, estate, dongle):
    """Wang's lamp report, fixed, and the "fixed?" SMS sent to 13800138000."""
    reports = services.participation.reports
    order = reports.submit(category="lamp", description="路灯不亮", place={"building_id": estate["b3"].id},
                           resident_id=estate["wang"].id, phone="13800138000")
    services.workorders.transition(order.id, "fixed", "volunteer", note="已换灯泡")
    services.participation.tick(1)
    assert len(dongle.sent) == 1 and "回复1" in dongle.sent[0].text
    return order


def test_reply_1_with_stars_closes_the_order_and_thanks(services, asked, dongle):
    dongle.receive_sms("+8613800138000", "1 5")
    services.participation.tick(1)  # what the background loop does every minute
    order = WorkOrder.get_by_id(asked.id)
    assert order.status == "closed"
    row = ReportFollowup.get()
    assert (row.really_fixed, row.stars) == (True, 5)
    assert "短信" in services.workorders.timeline(order.id)[-1].text
    assert dongle.inbox == {}  # read and deleted from the SIM
    assert dongle.sent[-1].number.endswith("13800138000") and order.number in dongle.sent[-1].text
    assert "谢谢" in dongle.sent[-1].text
    (log,) = SmsInbound.select()
    assert (log.outcome, log.sender, log.replied, log.order_id) == ("answered", "138****8000", True, order.id)


def test_reply_no_reopens_and_says_so(services, asked, dongle):
    dongle.receive_sms("13800138000", "否，还是不亮")
    services.participation.tick(1)
    assert WorkOrder.get_by_id(asked.id).status == "reopened"
    row = ReportFollowup.get()
    assert (row.really_fixed, row.stars) == (False, None)
    assert "重新" in dongle.sent[-1].text


def test_unclear_reply_is_explained_once_then_a_good_one_counts(services, asked, dongle):
    dongle.receive_sms("13800138000", "师傅辛苦了")
    dongle.receive_sms("13800138000", "？？")
    services.participation.tick(1)
    assert WorkOrder.get_by_id(asked.id).status == "fixed"
    assert len(dongle.sent) == 2  # the question, then one explanation (not two)
    assert "回复1" in dongle.sent[-1].text and asked.number in dongle.sent[-1].text
    assert [r.outcome for r in SmsInbound.select().order_by(SmsInbound.id)] == ["unclear", "unclear"]
    dongle.receive_sms("13800138000", "是的 4星")
    services.participation.tick(1)
    assert WorkOrder.get_by_id(asked.id).status == "closed" and ReportFollowup.get().stars == 4
    assert len(dongle.sent) == 3


def test_strangers_are_logged_not_answered(services, asked, dongle):
    dongle.receive_sms("13912345678", "1")
    dongle.receive_sms("10086", "您本月话费余额不足")
    services.participation.tick(1)
    assert WorkOrder.get_by_id(asked.id).status == "fixed"  # someone else cannot close Wang's report
    assert len(dongle.sent) == 1
    assert {r.outcome for r in SmsInbound.select()} == {"unknown_sender"}
    assert "13912345678" not in {r.sender for r in SmsInbound.select()}


def test_a_second_answer_is_told_nothing_is_waiting(services, asked, dongle):
    dongle.receive_sms("13800138000", "1")
    services.participation.tick(1)
    dongle.receive_sms("13800138000", "2")
    services.participation.tick(1)
    assert WorkOrder.get_by_id(asked.id).status == "closed"  # the second message changes nothing
    assert [r.outcome for r in SmsInbound.select().order_by(SmsInbound.id)] == ["answered", "no_question"]
    assert "没有" in dongle.sent[-1].text


def test_a_modem_fault_loses_only_the_thanks(services, asked, dongle):
    dongle.receive_sms("13800138000", "1")
    dongle.fail_next("AT+CMGS", "+CMS ERROR: 500")
    services.participation.tick(1)
    assert WorkOrder.get_by_id(asked.id).status == "closed"
    assert SmsInbound.get().replied is False


@pytest.mark.parametrize("text,expected", [
    ("1", (True, None)), ("1 5", (True, 5)), ("１　４", (True, 4)), ("是", (True, None)), ("是的，5星", (True, 5)),
    ("yes 3", (True, 3)), ("2", (False, None)), ("2*1", (False, 1)), ("否", (False, None)), ("不是", (False, None)),
    ("没修好", (False, None)), ("修好了 ★★★★", (True, 4)), ("1 9", (True, None)), ("1 45", (True, None)),
    ("5", (None, None)), ("", (None, None)), ("nothing", (None, None)), ("谢谢", (None, None)),
    ("\x00\x1b[31m", (None, None)),
])
def test_parse(text, expected):
    assert parse(text) == expected
