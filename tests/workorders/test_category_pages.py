"""The categories page through Flask's client: admins edit, volunteers and the district only
read, garbage is answered with a 400 naming the field, never a 500, and nothing half-written."""

from __future__ import annotations

import pytest

from appliance.db.models import WorkOrderCategory
from tests.conftest import csrf_token


@pytest.fixture
def cats(services, users):
    wo = services.workorders
    wo.register_category("zz_lamp", "路灯不亮", "Street lamp out", 48, group="environment")
    wo.register_category("zz_leak", "漏水", "Water leak", 4, group="devices")
    return wo


def post(client, code, data):
    return client.post(f"/workorders/categories/{code}",
                       data=dict(data, csrf_token=csrf_token(client, "/workorders/categories")))


def row(code):
    return WorkOrderCategory.get(WorkOrderCategory.code == code)


def test_queue_links_to_the_categories_page_readable_by_volunteers(client_as, cats):
    c = client_as("volunteer")
    assert "/workorders/categories" in c.get("/workorders/").get_data(as_text=True)
    html = c.get("/workorders/categories").get_data(as_text=True)
    assert "路灯不亮" in html and "zz_lamp" in html and "<fieldset disabled" in html
    assert post(c, "zz_lamp", {"name_zh": "改名", "due_hours": "5"}).status_code == 403
    assert row("zz_lamp").name_zh == "路灯不亮"
    assert client_as("district").get("/workorders/categories").status_code == 200


def test_admin_edits_a_category(client_as, cats):
    c = client_as("admin")
    r = post(c, "zz_lamp", {"name_zh": "路灯坏了", "name_en": "Lamp broken", "due_hours": "24",
                            "default_assignee": "Volunteer", "group": "environment"})
    assert r.status_code == 302
    got = row("zz_lamp")
    assert (got.name_zh, got.due_hours, got.default_assignee, got.active, got.edited) == (
        "路灯坏了", 24, "Volunteer", False, True)
    r = post(c, "zz_lamp", {"name_zh": "路灯坏了", "due_hours": "24", "active": "1"})
    assert r.status_code == 302 and row("zz_lamp").active


@pytest.mark.parametrize("data, field, words", [
    ({"name_zh": "x", "due_hours": "9999"}, "due_hours", "1"),
    ({"name_zh": "x", "due_hours": "一天"}, "due_hours", "整数"),
    ({"name_zh": "", "due_hours": "4"}, "name_zh", "必填"),
    ({"name_zh": "x" * 5000, "due_hours": "4"}, "name_zh", "60"),
    ({"name_zh": "x", "due_hours": "4", "default_assignee": "<script>alert(1)</script>"}, "default_assignee", ""),
    ({"name_zh": "漏水", "due_hours": "4", "group": "devices"}, "active", ""),
])
def test_garbage_is_answered_naming_the_field(client_as, cats, data, field, words):
    c = client_as("admin")
    code = "zz_leak" if field == "active" else "zz_lamp"
    before = row(code)
    r = post(c, code, data)
    html = r.get_data(as_text=True)
    assert r.status_code == 400
    assert f'data-field="{field}"' in html and words in html
    assert "<script>alert(1)</script>" not in html
    after = row(code)
    assert (after.name_zh, after.due_hours, after.active, after.edited) == (
        before.name_zh, before.due_hours, before.active, before.edited)


def test_unknown_code_and_missing_csrf_are_not_500(client_as, cats):
    c = client_as("admin")
    assert post(c, "nope" * 30, {"name_zh": "x", "due_hours": "4"}).status_code == 400
    assert c.post("/workorders/categories/zz_lamp", data={"name_zh": "x"}).status_code in (400, 403)
    assert row("zz_lamp").name_zh == "路灯不亮"
