"""An escalated fire-lane incident lands in the work-order queue (DESIGN "Work orders"): one
order per incident, due within the hour, marked fixed when the car leaves."""

from __future__ import annotations

import pytest

from appliance.db.models import WorkOrder, WorkOrderNote
from appliance.firelane.lane import FireLane
from appliance.firelane.orders import CATEGORY, FireLaneOrders

from .test_firelane_service import LANE, open_one


@pytest.fixture
def lane(runtime, notifier, clock, tmp_path):
    s = runtime.services
    orders = FireLaneOrders(s.workorders)
    orders.register()
    return FireLane(runtime.db, s.audit, notifier, tmp_path / "evidence", "幸福里", clock=clock, orders=orders)


@pytest.fixture
def zone(lane):
    return lane.zones.save({"name": "北门通道", "camera": "cam1", "polygon": LANE}, "test")


@pytest.fixture
def duty(lane):
    lane.settings.save({"t2_min": 10, "t3_min": 30, "duty_name": "小王", "duty_phone": "13900139000"}, "test")


def _climb_to_escalation(lane, clock):
    clock.advance(600)
    lane.tick()
    clock.advance(1200)
    lane.tick()


def test_escalation_opens_one_order_in_the_queue_due_within_the_hour(lane, zone, clock, owner, duty, services):
    inc = open_one(lane, zone, clock)
    clock.advance(600)
    lane.tick()
    assert not WorkOrder.select().exists()  # the owner and the volunteer come first
    clock.advance(1200)
    lane.tick()
    [order] = WorkOrder.select()
    assert (order.source, order.category.code, order.status) == ("firelane", CATEGORY, "new")
    assert "京A12345" in order.description and "北门通道" in order.description and "30" in order.description
    assert order.spot == "北门通道" and order.device == "cam1"
    assert (order.due_at - order.created_at).total_seconds() == 3600
    assert services.workorders.queue()[0][0].id == order.id
    clock.advance(60)
    lane.tick()  # the ladder runs every second: still one order
    assert WorkOrder.select().count() == 1 and inc.id


def test_the_car_leaving_marks_the_order_fixed_with_a_note(lane, zone, clock, owner, duty):
    open_one(lane, zone, clock)
    _climb_to_escalation(lane, clock)
    lane.incidents.vehicle_left(zone, 1)
    order = WorkOrder.get()
    assert order.status == "fixed"
    notes = [n.text for n in WorkOrderNote.select().where(WorkOrderNote.order == order)]
    assert any("驶离" in t or "left" in t for t in notes)


def test_staff_closing_the_incident_names_them_and_an_unescalated_incident_makes_no_order(lane, zone, clock, owner,
                                                                                          duty):
    first = open_one(lane, zone, clock)
    _climb_to_escalation(lane, clock)
    lane.incidents.close_by_hand(first.id, "志愿者小李")
    order = WorkOrder.get()
    assert order.status == "fixed"
    assert any("志愿者小李" in n.text for n in WorkOrderNote.select().where(WorkOrderNote.order == order))
    second = open_one(lane, zone, clock, track=2)
    lane.incidents.close_by_hand(second.id, "志愿者小李")  # left before the ladder climbed
    assert WorkOrder.select().count() == 1


def test_a_switched_off_category_never_stops_the_escalation(lane, zone, clock, owner, duty, services):
    from appliance.db.models import FireIncident, WorkOrderCategory

    WorkOrderCategory.update(active=False).where(WorkOrderCategory.code == CATEGORY).execute()
    inc = open_one(lane, zone, clock)
    _climb_to_escalation(lane, clock)
    assert FireIncident.get_by_id(inc.id).stage == "escalated"
    assert not WorkOrder.select().exists()


def test_the_running_box_wires_escalations_to_work_orders(runtime):
    from appliance.firelane.setup import FireLaneFeature

    lane = next(f for f in runtime.features if isinstance(f, FireLaneFeature)).lane
    assert isinstance(lane.ladder.orders, FireLaneOrders) and lane.incidents.orders is lane.ladder.orders
