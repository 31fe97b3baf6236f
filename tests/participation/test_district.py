"""On the district hub: reports from the boxes, overdue first, and the 12345 package with the
hotline's fields; contact data only as the field policy lets it leave."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from openpyxl import load_workbook

from appliance.config import load_config
from appliance.db.models import WorkOrder
from appliance.runtime import build_runtime
from tests.conftest import PASSWORD, csrf_token, login


@pytest.fixture
def hub_runtime(linli_home):
    (linli_home / "config.toml").write_text("[hub]\nenabled = true\nid = \"district-1\"\n", encoding="utf-8")
    rt = build_runtime(load_config(linli_home), immediate_tasks=True, hardware=False)
    yield rt
    rt.close()


def test_district_lists_reports_overdue_first_and_exports_12345(hub_runtime):
    from web import create_app

    s = hub_runtime.services
    app = create_app(hub_runtime.config, s, testing=True)
    s.accounts.create("district", "district", PASSWORD, display_name="District")
    s.hub.register_box(s.box_id, s.sync.public_key)
    s.sync.pin_hub("district-1", s.hub.public_key)
    reg = s.registry
    b = reg.save_building({"name": "3号楼"}, "t")
    u = reg.save_unit({"building_id": b.id, "number": "2单元301"}, "t")
    wang = reg.save_resident({"name": "王秀英", "phone": "13800138000", "unit_id": u.id, "move_in": "2020-01-01"}, "t")
    reports = s.participation.reports
    fixed = reports.submit(category="lamp", description="路灯不亮", place={"building_id": b.id, "spot": "东侧"},
                           resident_id=wang.id, phone="13800138000")
    late = reports.submit(category="leak", description="楼道漏水", place={"building_id": b.id})
    WorkOrder.update(due_at=datetime.datetime.now() - datetime.timedelta(hours=2)).where(WorkOrder.id == late.id).execute()
    s.workorders.add_note(late.id, "催办", True, "volunteer")  # an entry carrying the overdue due time
    s.workorders.transition(fixed.id, "fixed", "volunteer", note="已换灯泡")
    s.participation.followups.ask_due()
    s.participation.followups.answer(wang.id, fixed.id, True, 5)
    after = 0
    while (batch := s.sync.next_batch(after)) is not None:
        data, entries = batch
        s.hub.receive(data, "usb")
        after = entries[-1].seq

    c = app.test_client()
    assert login(c, "district").status_code == 302
    html = c.get("/district/reports").get_data(as_text=True)
    assert html.index(late.number) < html.index(fixed.number)  # overdue first
    assert "逾期" in html or "overdue" in html
    rows = list(csv.reader(io.StringIO(c.get("/district/reports/12345.csv").get_data().decode("utf-8-sig"))))
    assert rows[0][:8] == ["工单编号", "提交时间", "诉求类型", "诉求内容", "地址", "处理状态", "办结时间", "回访满意度"]
    by_number = {r[0].split("/")[-1]: r for r in rows[1:]}
    done = by_number[fixed.number]
    # The reporter confirmed it is fixed, which closes the order.
    assert (done[2], done[3], done[5], done[7]) == ("路灯不亮", "路灯不亮", "已关闭", "5星")
    assert "3号楼" in done[4] and "东侧" in done[4] and done[6]
    # Names and phones stay on the box unless the district enabled sharing.
    assert "王秀英" not in "".join(done) and "13800138000" not in "".join(done)
    assert by_number[late.number][5] == "待受理"
    ws = load_workbook(io.BytesIO(c.get("/district/reports/12345.xlsx").get_data())).active
    assert ws.max_row == 3 and ws.cell(1, 1).value == "工单编号"
    assert c.get("/district/reports/12345.pdf").status_code == 404


def test_12345_number_entered_on_the_hub_reaches_the_box_and_the_reporter(hub_runtime):
    from web import create_app
    from tests.participation.conftest import resident_client

    s = hub_runtime.services
    app = create_app(hub_runtime.config, s, testing=True)
    s.accounts.create("district", "district", PASSWORD, display_name="District")
    s.hub.register_box(s.box_id, s.sync.public_key)
    s.sync.pin_hub("district-1", s.hub.public_key)
    b = s.registry.save_building({"name": "3号楼"}, "t")
    u = s.registry.save_unit({"building_id": b.id, "number": "101"}, "t")
    wang = s.registry.save_resident({"name": "王秀英", "phone": "13800138000", "unit_id": u.id,
                                     "move_in": "2020-01-01"}, "t")
    order = s.participation.reports.submit(category="leak", description="漏水", place={"building_id": b.id},
                                           resident_id=wang.id)
    c = app.test_client()
    login(c, "district")
    token = csrf_token(c, "/district/reports")
    bad = c.post("/district/reports/ref", data={"csrf_token": token, "box": s.box_id, "uuid": str(order.uuid),
                                                "ref": "<script>"})
    assert bad.status_code == 400 and "12345" in bad.get_data(as_text=True)
    r = c.post("/district/reports/ref", data={"csrf_token": token, "box": s.box_id, "uuid": str(order.uuid),
                                              "ref": "FZ12345-20260302-0042"})
    assert r.status_code == 302
    assert s.sync.handle_downlink(s.hub.downlink_bytes(s.box_id), "usb")["applied"] == 1
    assert WorkOrder.get_by_id(order.id).external_ref == "FZ12345-20260302-0042"
    me = resident_client(app, s, wang)
    assert "FZ12345-20260302-0042" in me.get(f"/me/reports/{order.id}").get_data(as_text=True)
