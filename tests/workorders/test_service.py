"""Opening, dedupe by key, merge, +1, categories, places, the queue and the weekly figures."""

from __future__ import annotations

import datetime
import threading

import pytest

from appliance.db.models import OutboxEntry, WorkOrder, WorkOrderCounter, WorkOrderNote
from appliance.errors import ValidationError
from appliance.workorders import payload
from appliance.workorders.place import Place, place_words


def new_order(wo, **kw):
    args = {"source": "resident", "category": "lamp", "description": "路灯不亮", "actor": "volunteer"}
    args.update(kw)
    return wo.open(**args)


def test_a_sensor_alarm_raised_every_minute_is_one_order(wo, clock):
    first = new_order(wo, source="sensor", category="leak", description="地下室漏水", dedupe_key="leak:b3",
                      actor="system")
    for _ in range(90):  # an hour and a half of alarms
        clock.advance(minutes=1)
        again = new_order(wo, source="sensor", category="leak", description="地下室漏水", dedupe_key="leak:b3",
                          actor="system")
        assert again.id == first.id
    order = WorkOrder.get_by_id(first.id)
    assert order.repeats == 90 and WorkOrder.select().count() == 1
    # The timeline says it came back, once an hour, not 90 times.
    assert [n.kind for n in wo.timeline(first.id)] == ["opened", "repeat"]
    # Once fixed, the same alarm is a new problem with its own number.
    wo.transition(first.id, "fixed", "volunteer")
    later = new_order(wo, source="sensor", category="leak", description="又漏水", dedupe_key="leak:b3",
                      actor="system")
    assert later.id != first.id and later.number.endswith("000002")


def test_dedupe_holds_when_alarms_arrive_at_the_same_moment(runtime, wo):
    results, errors = [], []

    def raise_alarm():
        try:
            results.append(new_order(wo, source="sensor", category="leak", description="漏水",
                                     dedupe_key="leak:same", actor="system").id)
        except Exception as exc:  # pragma: no cover - shown in the assert
            errors.append(exc)
        finally:
            runtime.db.close()

    threads = [threading.Thread(target=raise_alarm) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    assert not errors and len(results) == 6 and len(set(results)) == 1
    assert WorkOrder.select().where(WorkOrder.dedupe_key == "leak:same").count() == 1


def test_merge_moves_the_support_and_notes_both_orders(wo):
    keep = new_order(wo, description="路灯坏了")
    dup = new_order(wo, description="3号楼东边灯不亮")
    wo.plus_one(dup.id, "resident:7")
    kept = wo.merge(dup.id, keep.id, "volunteer")
    assert kept.plus_ones == 2  # the duplicate itself and its own +1
    merged = WorkOrder.get_by_id(dup.id)
    assert merged.status == "merged" and merged.merged_into_id == keep.id and merged.closed_at is not None
    assert wo.timeline(dup.id)[-1].text == keep.number
    assert wo.timeline(keep.id)[-1].kind == "plus_one" and wo.timeline(keep.id)[-1].text == dup.number
    # A +1 on the merged one lands on the order that is worked on.
    assert wo.plus_one(dup.id, "resident:8").id == keep.id
    assert WorkOrder.get_by_id(keep.id).plus_ones == 3
    with pytest.raises(ValidationError):
        wo.merge(keep.id, keep.id, "volunteer")
    with pytest.raises(ValidationError):
        wo.merge(dup.id, keep.id, "volunteer")  # already merged
    other = new_order(wo)
    with pytest.raises(ValidationError):
        wo.merge(other.id, dup.id, "volunteer")  # into a merged one


def test_assign_and_notes(wo):
    order = new_order(wo)
    wo.assign(order.id, "志愿者小李", "admin")
    wo.assign(order.id, "志愿者小李", "admin")  # no change, no second note
    wo.add_note(order.id, "明早去看", True, "volunteer")
    wo.add_note(order.id, "住户脾气不好", False, "volunteer")
    kinds = [(n.kind, n.text, n.public) for n in wo.timeline(order.id)]
    assert kinds[1:] == [("assign", "志愿者小李", False), ("note", "明早去看", True), ("note", "住户脾气不好", False)]
    assert [n.text for n in wo.timeline(order.id, public_only=True)] == ["", "明早去看"]
    for bad in ("", "   ", "x" * 2001, "坏\x00字"):
        with pytest.raises(ValidationError) as err:
            wo.add_note(order.id, bad, True, "volunteer")
        assert err.value.field == "text"
    with pytest.raises(ValidationError):
        wo.assign(order.id, "x" * 101, "admin")


def test_open_refuses_bad_input_naming_the_field_and_writes_nothing(wo, place, resident):
    cases = [
        ({"source": "aliens"}, "source"), ({"category": "nope"}, "category"), ({"description": " "}, "description"),
        ({"reporter_id": 99999}, "reporter_id"), ({"reporter_phone": "12ab"}, "reporter_phone"),
        ({"place": {"unit_id": 424242}}, "unit_id"), ({"place": {"building_id": "x"}}, "building_id"),
        ({"place": {"x": 0.5}}, "x"), ({"place": {"x": "nan", "y": 0.2}}, "x"),
        ({"place": {"lat": 91, "lon": 120}}, "lat"), ({"place": {"floor": 3}}, "place"),
        ({"due_at": "tomorrow"}, "due_at"),
    ]
    outbox_before = OutboxEntry.select().count()
    for kw, field in cases:
        with pytest.raises(ValidationError) as err:
            new_order(wo, **kw)
        assert err.value.field == field, kw
    assert WorkOrder.select().count() == 0 and OutboxEntry.select().count() == outbox_before
    assert WorkOrderCounter.select().count() == 0


def test_a_failure_inside_the_transaction_leaves_no_half_written_order(wo, monkeypatch):
    def broken(*a, **k):
        raise RuntimeError("disk full")

    monkeypatch.setattr(payload, "publish", broken)
    with pytest.raises(RuntimeError):
        new_order(wo)
    assert WorkOrder.select().count() == 0 and WorkOrderNote.select().count() == 0
    monkeypatch.undo()
    assert new_order(wo).number == "GD-2026-000001"  # the number was not used up either


def test_place_is_checked_and_described(wo, place, services):
    order = new_order(wo, place=place)
    assert place_words(order) == "3号楼 2单元301 · 东侧路灯"
    other = services.registry.save_building({"name": "5号楼"}, "t")
    with pytest.raises(ValidationError) as err:
        new_order(wo, place={"building_id": other.id, "unit_id": place["unit_id"]})
    assert err.value.field == "unit_id"
    # The unit alone is enough; its building is filled in.
    only_unit = new_order(wo, place=Place(unit_id=place["unit_id"], x=0.25, y=0.75, device="lamp-07"))
    assert only_unit.building.name == "3号楼" and (only_unit.plan_x, only_unit.plan_y) == (0.25, 0.75)


def test_categories_upsert_at_start_and_keep_staff_edits(wo, users):
    again = wo.register_category("lamp", "路灯不亮", "Street lamp out", 48, default_assignee="电工老王",
                                 group="devices")
    assert again.due_hours == 48
    changed = wo.register_category("lamp", "路灯故障", "Street lamp fault", 24, group="devices")
    assert (changed.name_zh, changed.due_hours) == ("路灯故障", 24)
    wo.update_category("lamp", {"due_hours": "12", "default_assignee": "Volunteer"}, "admin")
    kept = wo.register_category("lamp", "路灯不亮", "Street lamp out", 48, group="devices")
    assert (kept.due_hours, kept.default_assignee) == (12, "Volunteer")
    wo.update_category("litter", {"active": "0"}, "admin")
    assert "litter" not in [c.code for c in wo.categories()]
    with pytest.raises(ValidationError) as err:
        new_order(wo, category="litter")
    assert err.value.field == "category"
    with pytest.raises(ValidationError) as err:
        wo.update_category("lamp", {"due_hours": "-3"}, "admin")
    assert err.value.field == "due_hours"


def test_queue_puts_overdue_first_then_due_time(wo, clock):
    leak = new_order(wo, category="leak")  # due in 4 h
    lamp = new_order(wo, category="lamp")  # due in 48 h
    litter = new_order(wo, category="litter")  # due in 72 h
    clock.advance(hours=1)
    soon = new_order(wo, category="lamp", due_at=clock.t + datetime.timedelta(hours=1))
    rows, more = wo.queue()
    assert [r.id for r in rows] == [soon.id, leak.id, lamp.id, litter.id] and not more
    clock.advance(hours=5)  # leak and soon are overdue now
    assert [r.id for r in wo.queue()[0]] == [soon.id, leak.id, lamp.id, litter.id]
    assert [r.id for r in wo.overdue()] == [soon.id, leak.id] and wo.overdue_count() == 2
    assert wo.is_overdue(leak) and not wo.is_overdue(lamp)
    wo.transition(leak.id, "fixed", "volunteer")
    assert wo.overdue_count() == 1 and [r.id for r in wo.queue()[0]] == [soon.id, lamp.id, litter.id]  # fixed is no longer late
    assert [r.id for r in wo.queue("fixed")[0]] == [leak.id]
    assert [r.id for r in wo.queue(category="litter")[0]] == [litter.id]
    assert [r.id for r in wo.queue(overdue=False)[0]] == [lamp.id, litter.id]
    assert len(wo.queue("all")[0]) == 4
    page1, more = wo.queue("all", per_page=3)
    assert len(page1) == 3 and more and len(wo.queue("all", page=2, per_page=3)[0]) == 1
    with pytest.raises(ValidationError):
        wo.queue("bogus")


def test_weekly_figures_and_median_days_to_fix(wo, clock):
    start = clock.t  # Monday 2026-03-02
    orders = [new_order(wo, category="lamp"), new_order(wo, category="lamp"), new_order(wo, category="leak")]
    clock.advance(days=1)
    wo.transition(orders[2].id, "fixed", "volunteer")  # leak: 1 day
    clock.advance(days=7)  # the next week
    wo.transition(orders[0].id, "fixed", "volunteer")  # lamp: 8 days
    new_order(wo, category="litter")
    clock.advance(days=2)
    wo.transition(orders[1].id, "fixed", "volunteer")  # lamp: 10 days
    figures = wo.stats(weeks=4)
    weeks = figures["weeks"]
    assert [w["start"] for w in weeks][-2:] == [start.date(), start.date() + datetime.timedelta(days=7)]
    assert [(w["opened"], w["fixed"]) for w in weeks] == [(0, 0), (0, 0), (3, 1), (1, 2)]
    medians = {m["code"]: (m["median_days"], m["fixed"]) for m in figures["median_days"]}
    assert medians == {"lamp": (9.0, 2), "leak": (1.0, 1)}
    assert figures["open"] == 1 and figures["total"] == 4
    bars = figures["chart"]["bars"]
    assert len(bars) == 4 and bars[2]["h_open"] > bars[3]["h_open"] > 0 and bars[0]["h_open"] == 0
