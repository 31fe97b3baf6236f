"""Grids and their tasks: a task is a work order for the grid's worker with a checklist; it
cannot be finished with unticked lines; overdue tasks come first; the monthly sheet has the
street office's columns."""

from __future__ import annotations

import datetime
import io

import pytest
from openpyxl import load_workbook

from appliance.db.models import WorkOrder
from appliance.errors import ValidationError


@pytest.fixture
def grid(care, services, unit, users):
    b = services.registry.save_building({"name": "6号楼"}, "t")
    return care.save_grid({"name": "第一网格", "worker": "volunteer", "buildings": [unit.building_id, b.id]}, "admin")


def test_a_task_is_a_work_order_with_a_checklist(care, grid, clock):
    task = care.create_task(grid.id, {"kind": "inspection", "title": "消防通道检查",
                                      "checklist": "通道畅通\n\n灭火器在有效期\n", "due": clock.t.date()}, "admin")
    order = WorkOrder.get_by_id(task.order_id)
    assert (order.source, order.category.code, order.assignee) == ("grid", "grid_inspection", "volunteer")
    assert order.due_at == datetime.datetime.combine(clock.t.date(), datetime.time(18))
    assert [i["item"] for i in task.checklist] == ["通道畅通", "灭火器在有效期"]
    care.tick_item(task.id, 0, True, "volunteer")
    assert WorkOrder.get_by_id(order.id).status == "in_progress"
    with pytest.raises(ValidationError) as err:
        care.finish_task(task.id, "已检查", "volunteer")
    assert "灭火器在有效期" in err.value.message()
    care.tick_item(task.id, 1, True, "volunteer")
    done = care.finish_task(task.id, "通道畅通，灭火器正常", "volunteer")
    assert done.done_at is not None and WorkOrder.get_by_id(order.id).status == "fixed"
    with pytest.raises(ValidationError):
        care.tick_item(task.id, 0, False, "volunteer")


def test_overdue_tasks_come_first_and_the_month_sheet(care, grid, clock):
    later = care.create_task(grid.id, {"kind": "visit", "title": "走访独居老人", "due": clock.t.date()
                                       + datetime.timedelta(days=5)}, "admin")
    soon = care.create_task(grid.id, {"kind": "rectification", "title": "清理楼道杂物", "checklist": "",
                                      "due": clock.t.date()}, "admin")
    clock.advance(hours=10)  # 19:00: past today's due time
    rows = care.grid_tasks("volunteer")
    assert [t.id for t in rows] == [soon.id, later.id] and care.task_overdue(rows[0])
    assert not care.task_overdue(rows[1]) and care.grid_tasks("someone-else") == []
    care.finish_task(soon.id, "=HYPERLINK(\"http://x\")", "volunteer")
    sheet = load_workbook(io.BytesIO(care.grid_month_xlsx(clock.t.date()))).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0] == ["任务", "网格", "结果", "时间"]
    assert ["走访：走访独居老人", "第一网格", "未完成"] == values[1][:3]
    assert values[2][:3] == ["整改：清理楼道杂物", "第一网格", "'=HYPERLINK(\"http://x\")"]  # text, not a formula


def test_grid_garbage_is_refused(care, grid, unit, users):
    for data, field in (({"name": ""}, "name"), ({"name": "第一网格"}, "name"),
                        ({"name": "二", "worker": "ghost"}, "worker"),
                        ({"name": "二", "buildings": [unit.building_id]}, "buildings"),
                        ({"name": "二", "buildings": ["x"]}, "buildings")):
        with pytest.raises(ValidationError) as err:
            care.save_grid(data, "admin")
        assert err.value.field == field, data
    for data, field in (({"kind": "party", "title": "x"}, "kind"), ({"kind": "visit", "title": ""}, "title"),
                        ({"kind": "visit", "title": "x", "due": datetime.date(2020, 1, 1)}, "due"),
                        ({"kind": "visit", "title": "x", "checklist": "\n".join("abc" * 40 for _ in range(2))},
                         "checklist")):
        with pytest.raises(ValidationError) as err:
            care.create_task(grid.id, data, "admin")
        assert err.value.field == field, data
    assert WorkOrder.select().count() == 0
