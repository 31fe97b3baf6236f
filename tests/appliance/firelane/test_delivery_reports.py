"""Delivery reports from the network mark fire-lane notices delivered or undelivered."""
import pytest

from appliance.db.models import FireNotice, OutboxEntry
from appliance.firelane.reports import apply_reports, same_number

from .conftest import OWNER_PHONE
from .test_firelane_service import open_one, zone  # noqa: F401 (fixture)


def test_a_delivered_report_marks_the_owner_sms_delivered_and_tells_the_platform(firelane, zone, clock,  # noqa: F811
                                                                                 notifier, owner):
    inc = open_one(firelane, zone, clock)
    (sms,) = notifier.sent
    notice = FireNotice.get(FireNotice.channel == "sms_owner")
    assert notice.status == "sent" and notice.ref == sms.ref
    events_before = OutboxEntry.select().where(OutboxEntry.kind == "firelane.event").count()
    clock.advance(20)
    notifier.report(sms.ref, "pending")  # the phone is off for a moment
    assert apply_reports(firelane.db, firelane.clock, notifier.reports()) == 1
    assert FireNotice.get_by_id(notice.id).status == "sent"
    notifier.report(sms.ref, "delivered")
    apply_reports(firelane.db, firelane.clock, notifier.reports())
    notice = FireNotice.get_by_id(notice.id)
    assert notice.status == "delivered" and notice.delivered_at == clock()
    assert firelane.delivery.state(inc) == {"sms_owner": "delivered"}
    last = OutboxEntry.select().where(OutboxEntry.kind == "firelane.event").order_by(OutboxEntry.seq.desc()).get()
    assert OutboxEntry.select().where(OutboxEntry.kind == "firelane.event").count() == events_before + 1
    assert last.payload["type"] == "update" and last.payload["delivery"] == {"sms_owner": "delivered"}


def test_a_failed_part_makes_a_long_sms_undelivered(firelane, zone, clock, notifier, owner):  # noqa: F811
    open_one(firelane, zone, clock)
    notice = FireNotice.get(FireNotice.channel == "sms_owner")
    notice.ref = "41,42"  # a long notice went as two parts
    notice.save()
    apply_reports(firelane.db, firelane.clock, [(41, "+86" + OWNER_PHONE, "delivered")])
    assert FireNotice.get_by_id(notice.id).status == "sent"  # one part is not enough
    apply_reports(firelane.db, firelane.clock, [(42, "+86" + OWNER_PHONE, "failed")])
    assert FireNotice.get_by_id(notice.id).status == "undelivered"


def test_a_report_for_another_number_or_an_old_notice_changes_nothing(firelane, zone, clock, notifier,  # noqa: F811
                                                                      owner):
    open_one(firelane, zone, clock)
    (sms,) = notifier.sent
    assert apply_reports(firelane.db, firelane.clock, [(int(sms.ref), "+8613700000000", "delivered")]) == 0
    clock.advance(4 * 86400)  # the reference has come round again since
    assert apply_reports(firelane.db, firelane.clock, [(int(sms.ref), "+86" + OWNER_PHONE, "delivered")]) == 0
    assert FireNotice.get(FireNotice.channel == "sms_owner").status == "sent"


@pytest.mark.parametrize("a,b,same", [("+8613800138000", "13800138000", True), ("13800138000", "13800138000", True),
                                      ("+8613800138001", "13800138000", False), ("", "13800138000", False)])
def test_numbers_compare_without_the_country_code(a, b, same):
    assert same_number(a, b) is same


def test_a_report_after_the_car_left_updates_the_notice_but_sends_nothing_after_end(firelane, zone, clock,  # noqa: F811
                                                                                  notifier, owner):
    inc = open_one(firelane, zone, clock)
    (sms,) = notifier.sent
    clock.advance(120)
    firelane.incidents.vehicle_left(zone, 1)
    last_before = OutboxEntry.select().order_by(OutboxEntry.seq.desc()).get()
    assert last_before.payload["type"] == "end"
    notifier.report(sms.ref, "delivered")
    assert apply_reports(firelane.db, firelane.clock, notifier.reports()) == 1
    assert FireNotice.get(FireNotice.channel == "sms_owner").status == "delivered"
    assert OutboxEntry.select().order_by(OutboxEntry.seq.desc()).get().seq == last_before.seq
    assert firelane.incidents.get(inc.id).status == "closed"
