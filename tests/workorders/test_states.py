"""The work-order state machine: the usual path, shortcuts forward, refusals that name the
status in the reader's language and leave nothing behind."""

from __future__ import annotations

import datetime

import pytest

from appliance.db.models import AuditLog, OutboxEntry, WorkOrder, WorkOrderNote
from appliance.errors import ValidationError
from appliance.i18n import set_locale


def new_order(wo, **kw):
    args = {"source": "resident", "category": "lamp", "description": "路灯不亮", "actor": "volunteer"}
    args.update(kw)
    return wo.open(**args)


def test_the_whole_path_keeps_a_timeline_and_timestamps(wo, clock):
    order = new_order(wo)
    assert order.status == "new" and order.number == "GD-2026-000001"
    assert order.assignee == "电工老王"  # the category's default
    assert order.due_at == clock.t + datetime.timedelta(hours=48)
    for step in ("accepted", "in_progress"):
        clock.advance(hours=1)
        wo.transition(order.id, step, "volunteer")
    clock.advance(hours=2)
    fixed = wo.transition(order.id, "fixed", "volunteer", note="换了灯泡")
    assert fixed.fixed_at == clock.t and fixed.closed_at is None
    clock.advance(days=1)
    closed = wo.transition(order.id, "closed", "admin")
    assert closed.closed_at == clock.t
    moves = [(n.kind, n.from_status, n.to_status) for n in wo.timeline(order.id)]
    assert moves == [("opened", "", "new"), ("status", "new", "accepted"), ("status", "accepted", "in_progress"),
                     ("status", "in_progress", "fixed"), ("status", "fixed", "closed")]
    assert wo.timeline(order.id)[3].text == "换了灯泡"


def test_a_fix_on_the_spot_may_skip_forward(wo):
    order = new_order(wo)
    assert wo.transition(order.id, "fixed", "volunteer").status == "fixed"


@pytest.mark.parametrize("path, target, word", [
    (("accepted", "in_progress"), "accepted", "处理中"),
    (("fixed",), "in_progress", "已处理"),
    (("fixed", "closed"), "fixed", "已关闭"),
    ((), "reopened", "待受理"),
    ((), "new", "待受理"),
    (("accepted",), "accepted", "已受理"),
])
def test_illegal_moves_are_refused_naming_the_status_and_write_nothing(wo, path, target, word):
    order = new_order(wo)
    for step in path:
        wo.transition(order.id, step, "volunteer")
    before = (WorkOrderNote.select().count(), OutboxEntry.select().count(), AuditLog.select().count())
    set_locale("zh_CN")
    with pytest.raises(ValidationError) as err:
        wo.transition(order.id, target, "volunteer", note="试试")
    assert word in err.value.message() and err.value.field == "status"
    set_locale("en")
    with pytest.raises(ValidationError) as err:
        wo.transition(order.id, target, "volunteer")
    assert "cannot be set to" in err.value.message()
    set_locale("zh_CN")
    assert (WorkOrderNote.select().count(), OutboxEntry.select().count(), AuditLog.select().count()) == before
    assert WorkOrder.get_by_id(order.id).status == (path[-1] if path else "new")


def test_an_unknown_status_is_named(wo):
    order = new_order(wo)
    with pytest.raises(ValidationError) as err:
        wo.transition(order.id, "<script>", "volunteer")
    assert "<script>" in err.value.message()


def test_closing_without_a_fix_needs_a_reason(wo):
    order = new_order(wo)
    with pytest.raises(ValidationError) as err:
        wo.transition(order.id, "closed", "admin", note="  ")
    assert err.value.field == "note"
    closed = wo.transition(order.id, "closed", "admin", note="重复报修，已电话联系")
    assert closed.status == "closed" and closed.fixed_at is None


def test_reopening_clears_the_fix_and_sets_a_new_due_time(wo, clock):
    order = new_order(wo, category="leak")
    wo.transition(order.id, "fixed", "volunteer")
    clock.advance(days=3)
    again = wo.transition(order.id, "reopened", "resident:1", note="又漏了")
    assert again.fixed_at is None and again.due_at == clock.t + datetime.timedelta(hours=4)
    assert wo.next_statuses(again) == ("accepted", "in_progress", "fixed", "closed")
    assert wo.transition(order.id, "in_progress", "volunteer").status == "in_progress"


def test_a_merged_order_is_final(wo):
    a, b = new_order(wo), new_order(wo)
    wo.merge(b.id, a.id, "volunteer")
    for target in ("new", "accepted", "fixed", "closed", "reopened"):
        with pytest.raises(ValidationError):
            wo.transition(b.id, target, "volunteer", note="x")


def test_numbers_count_per_year_and_orders_of_other_ids_are_not_found(wo, clock):
    from appliance.errors import NotFound

    assert new_order(wo).number == "GD-2026-000001"
    assert new_order(wo).number == "GD-2026-000002"
    clock.t = datetime.datetime(2027, 1, 1, 0, 5)
    third = new_order(wo)
    assert third.number == "GD-2027-000001"
    assert wo.find(" gd-2027-000001 ").id == third.id and wo.find(str(third.uuid)).id == third.id
    assert wo.find("nonsense") is None and wo.find("") is None
    for bad in (999, "abc", -1, 2**70):
        with pytest.raises(NotFound):
            wo.get(bad)
