"""Staff edits of categories against the features' registration at every start: edits survive
a restart, bad values are refused naming the field, and a start with nothing new costs one read."""

from __future__ import annotations

import pytest

from appliance.db.models import AuditLog, WorkOrderCategory
from appliance.errors import ValidationError
from appliance.workorders.service import WorkOrderService


def restart(runtime, clock):
    """A new service on the same database: what the box has after a reboot."""
    return WorkOrderService(runtime.db, runtime.services.audit, clock=clock)


def register_all(service):
    service.register_category("lamp", "路灯不亮", "Street lamp out", 48, default_assignee="电工老王", group="devices")
    service.register_category("leak", "漏水", "Water leak", 4, group="devices")
    service.register_category("litter", "垃圾堆放", "Litter", 72, group="environment")


def test_staff_edits_of_name_due_assignee_and_off_survive_a_restart(wo, users, runtime, clock):
    wo.update_category("litter", {"name_zh": "垃圾乱堆", "name_en": "Rubbish", "due_hours": "24",
                                  "default_assignee": "Admin", "active": "0"}, "admin")
    again = restart(runtime, clock)
    register_all(again)
    row = WorkOrderCategory.get(WorkOrderCategory.code == "litter")
    assert (row.name_zh, row.name_en, row.due_hours, row.default_assignee, row.active) == (
        "垃圾乱堆", "Rubbish", 24, "Admin", False)
    assert "litter" not in [c.code for c in again.categories()]


def test_a_feature_still_updates_categories_staff_never_touched(wo, runtime, clock):
    again = restart(runtime, clock)
    again.register_category("leak", "漏水报警", "Water leak alarm", 2, group="devices")
    row = WorkOrderCategory.get(WorkOrderCategory.code == "leak")
    assert (row.name_zh, row.due_hours) == ("漏水报警", 2)


def test_a_start_with_nothing_new_reads_the_categories_once(wo, runtime, clock):
    statements = []
    again = restart(runtime, clock)
    conn = runtime.db.connection()
    conn.set_trace_callback(statements.append)
    try:
        for _ in range(3):
            register_all(again)
    finally:
        conn.set_trace_callback(None)
    assert len([s for s in statements if s.lstrip().upper().startswith(("SELECT", "INSERT", "UPDATE"))]) == 1


@pytest.mark.parametrize("data, field", [
    ({"due_hours": "0"}, "due_hours"), ({"due_hours": "721"}, "due_hours"), ({"due_hours": "abc"}, "due_hours"),
    ({"due_hours": ""}, "due_hours"), ({"name_zh": "  "}, "name_zh"), ({"name_zh": "长" * 61}, "name_zh"),
    ({"name_en": "x\x00y"}, "name_en"), ({"default_assignee": "不存在的人"}, "default_assignee"),
    ({"active": "maybe"}, "active"), ({"group": "g" * 41}, "group"),
])
def test_bad_values_are_refused_naming_the_field_and_nothing_changes(wo, users, data, field):
    audits = AuditLog.select().count()
    with pytest.raises(ValidationError) as err:
        wo.update_category("litter", data, "admin")
    assert err.value.field == field
    row = WorkOrderCategory.get(WorkOrderCategory.code == "litter")
    assert (row.name_zh, row.due_hours, row.active, row.edited) == ("垃圾堆放", 72, True, False)
    assert AuditLog.select().count() == audits


def test_categories_the_box_opens_itself_cannot_be_switched_off(wo):
    with pytest.raises(ValidationError) as err:
        wo.update_category("leak", {"active": "0"}, "admin")
    assert err.value.field == "active"
    assert WorkOrderCategory.get(WorkOrderCategory.code == "leak").active
    assert wo.update_category("leak", {"due_hours": "8"}, "admin").due_hours == 8


def test_every_edit_is_audited(wo, users):
    before = AuditLog.select().where(AuditLog.entity == "workorder.category").count()
    wo.update_category("litter", {"due_hours": "24"}, "admin")
    assert AuditLog.select().where(AuditLog.entity == "workorder.category").count() == before + 1
