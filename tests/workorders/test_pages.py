"""The staff pages through Flask's client: the queue, an order, actions, and garbage input
answered with a clear message (400 or the htmx panel), never a 500."""

from __future__ import annotations

import datetime
import re

import pytest

from appliance.db.models import WorkOrder
from tests.conftest import csrf_token


@pytest.fixture
def orders(services, users, place, resident):
    wo = services.workorders
    wo.register_category("lamp", "路灯不亮", "Street lamp out", 48)
    wo.register_category("leak", "漏水", "Water leak", 4)
    lamp = wo.open(source="resident", category="lamp", description="<script>alert(1)</script>灯不亮",
                   actor=f"resident:{resident.id}", place=place, reporter_id=resident.id)
    leak = wo.open(source="sensor", category="leak", description="地下室漏水", actor="system")
    WorkOrder.update(due_at=datetime.datetime.now() - datetime.timedelta(hours=2)).where(
        WorkOrder.id == leak.id).execute()
    return lamp, leak


def post(client, path, data, htmx=False):
    data = dict(data, csrf_token=csrf_token(client, "/workorders/"))
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post(path, data=data, headers=headers)


def test_queue_shows_overdue_first_in_red(client_as, orders):
    lamp, leak = orders
    html = client_as("volunteer").get("/workorders/").get_data(as_text=True)
    numbers = re.findall(r'data-number="([^"]+)"', html)
    assert numbers == [leak.number, lamp.number]
    assert re.search(rf'<tr class="late" data-number="{leak.number}"', html)
    assert "已逾期" in html and "<script>alert" not in html
    assert 'id="workorders-badge"' in html  # the nav counts the overdue one


def test_queue_filters_and_garbage_parameters(client_as, orders):
    lamp, leak = orders
    c = client_as("volunteer")
    html = c.get("/workorders/?category=lamp").get_data(as_text=True)
    assert lamp.number in html and leak.number not in html
    assert leak.number in c.get("/workorders/?overdue=1").get_data(as_text=True)
    for bad in ("status=bogus", "page=abc", "page=99999999999999999999", "overdue=2", "status=%00"):
        r = c.get("/workorders/?" + bad)
        assert r.status_code == 400, bad
        assert "不对" in r.get_data(as_text=True)
    assert c.get("/workorders/?category=" + "x" * 5000).status_code == 200
    assert c.get("/workorders/999999").status_code == 404
    assert c.get("/workorders/stats?weeks=x").status_code == 400


def test_order_page_shows_the_reporter_only_to_staff(client_as, orders):
    lamp, _leak = orders
    staff = client_as("volunteer").get(f"/workorders/{lamp.id}").get_data(as_text=True)
    assert "王秀英" in staff and "3号楼 2单元301 · 东侧路灯" in staff and "&lt;script&gt;" in staff
    district = client_as("district").get(f"/workorders/{lamp.id}").get_data(as_text=True)
    assert "王秀英" not in district and "13800138000" not in district
    assert 'data-testid="wo-note-form"' not in district


def test_actions_change_the_order(client_as, orders, services):
    lamp, leak = orders
    c = client_as("volunteer")
    assert post(c, f"/workorders/{lamp.id}/assign", {"assignee": "电工老王"}).status_code == 302
    assert post(c, f"/workorders/{lamp.id}/note", {"text": "明天上午去", "public": "1"}).status_code == 302
    r = post(c, f"/workorders/{lamp.id}/status", {"to": "fixed", "note": "换了灯泡", "public": "1"}, htmx=True)
    assert r.status_code == 200 and "已处理" in r.get_data(as_text=True)
    order = WorkOrder.get_by_id(lamp.id)
    assert (order.assignee, order.status) == ("电工老王", "fixed")
    assert post(c, f"/workorders/{leak.id}/merge", {"into": lamp.number.lower()}).status_code == 302
    assert WorkOrder.get_by_id(leak.id).merged_into_id == lamp.id
    page = c.get(f"/workorders/{leak.id}").get_data(as_text=True)
    assert 'data-testid="wo-status-form"' not in page and lamp.number in page


@pytest.mark.parametrize("action, data, words", [
    ("status", {"to": "closed"}, "请写明原因"),
    ("status", {"to": "bogus"}, "未知的状态"),
    ("status", {}, "请选择新的状态"),
    ("status", {"to": "reopened"}, "不能改为"),
    ("note", {"text": "   "}, "必填"),
    ("note", {"text": "x" * 5000}, "太长了"),
    ("note", {"text": "a\x00b"}, "控制字符"),
    ("assign", {"assignee": "x" * 300}, "太长了"),
    ("merge", {"into": "GD-1999-000001"}, "没有工单"),
    ("merge", {"into": ""}, "没有工单"),
])
def test_garbage_is_refused_with_a_message_and_nothing_changes(client_as, orders, action, data, words):
    lamp, _leak = orders
    c = client_as("volunteer")
    before = WorkOrder.get_by_id(lamp.id)
    r = post(c, f"/workorders/{lamp.id}/{action}", data)
    assert r.status_code == 400 and words in r.get_data(as_text=True), r.get_data(as_text=True)[-1500:]
    r = post(c, f"/workorders/{lamp.id}/{action}", data, htmx=True)
    assert r.status_code == 200 and 'data-testid="wo-error"' in r.get_data(as_text=True)
    after = WorkOrder.get_by_id(lamp.id)
    assert (after.status, after.assignee, after.updated_at) == (before.status, before.assignee, before.updated_at)


def test_only_staff_may_act(client_as, orders):
    lamp, _leak = orders
    c = client_as("district")
    assert c.get("/workorders/").status_code == 200
    assert post(c, f"/workorders/{lamp.id}/status", {"to": "accepted"}).status_code == 403
    assert WorkOrder.get_by_id(lamp.id).status == "new"


def test_stats_page_draws_the_weeks(client_as, orders, services):
    lamp, _leak = orders
    services.workorders.transition(lamp.id, "fixed", "volunteer")
    html = client_as("volunteer").get("/workorders/stats?weeks=8").get_data(as_text=True)
    assert html.count('class="wo-opened"') == 8 and html.count('class="wo-fixed"') == 8
    assert 'id="wo-medians"' in html and "路灯不亮" in html
