"""The audit log and the overview's recent changes read as sentences, with filters."""

from __future__ import annotations

import datetime
import re

from tests.conftest import PASSWORD


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_audit_log_reads_as_sentences_and_filters(client_as, services, users):
    services.accounts.create("zhangsan", "volunteer", PASSWORD, display_name="张三")
    services.access.remote_open("快递", "zhangsan")
    b = services.registry.save_building({"name": "1号楼"}, "admin")
    u = services.registry.save_unit({"building_id": b.id, "number": "1单元101"}, "admin")
    services.registry.save_resident({"name": "王秀英", "unit_id": u.id}, "zhangsan")
    services.audit.record("system", "open", "firelane.incident", 4, {"zone": "东门", "plate": "京A12345"})
    c = client_as("admin")

    page = c.get("/audit").get_data(as_text=True)
    text = _text(page)
    assert "志愿者 张三" in text and "远程开门：快递" in text
    assert "添加了住户 王秀英" in text and "添加了楼栋 1号楼" in text
    assert "消防通道被占用（事件 #4）" in text and "区域：东门" in text and "车牌：京A12345" in text
    for raw in ("remote_open", "firelane.incident", "\\u", "{&#34;", '{"'):
        assert raw not in text, raw

    overview = _text(c.get("/").get_data(as_text=True))
    assert "志愿者 张三 远程开门：快递" in overview and "remote_open" not in overview

    mine = _text(c.get("/audit?actor=zhangsan").get_data(as_text=True))
    assert "远程开门" in mine and "添加了住户 王秀英" in mine and "添加了楼栋" not in mine
    residents = _text(c.get("/audit?entity=resident").get_data(as_text=True))
    assert "王秀英" in residents and "远程开门" not in residents
    yesterday = (datetime.date.today() - datetime.timedelta(days=1)).isoformat()
    assert "王秀英" not in _text(c.get(f"/audit?date_to={yesterday}").get_data(as_text=True))
    assert "王秀英" in _text(c.get(f"/audit?date_from={yesterday}&date_to=bad").get_data(as_text=True))


def test_roles_and_places_are_named_in_words(client_as, services):
    c = client_as("admin")
    accounts = c.get("/users").get_data(as_text=True)
    assert "管理员" in accounts and "志愿者" in accounts and "街道工作人员" in accounts
    assert not re.search(r'data-label="身份">\s*(admin|volunteer|district|kiosk)\s*<', accounts)
    services.registry.save_building({"name": "1号楼"}, "admin")
    buildings = c.get("/buildings").get_data(as_text=True)
    assert "<th>名称</th>" in buildings and "<th>姓名</th>" not in buildings


def test_the_last_possible_date_as_the_end_of_the_range_is_no_error(client_as):
    admin = client_as("admin")
    assert admin.get("/audit?date_to=9999-12-31").status_code == 200
