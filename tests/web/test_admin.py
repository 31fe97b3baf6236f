"""The admin pages as a volunteer uses them: add, fix mistakes, see clear errors, switch language."""

from __future__ import annotations

import io

from appliance.db.models import Building, OutboxEntry, Resident, Vehicle
from tests.conftest import csrf_token
from tests.helpers import row, write_xlsx


def post(client, url, data, **kw):
    data = {**data, "csrf_token": csrf_token(client, "/buildings")}
    return client.post(url, data=data, **kw)


def test_volunteer_builds_the_register_by_hand(client_as, services):
    c = client_as("volunteer")
    assert post(c, "/buildings", {"name": "3号楼", "floors": "6"}).status_code == 302
    b = Building.get(Building.name == "3号楼")
    assert post(c, "/units", {"building_id": b.id, "number": "2单元301", "area_m2": "72.5"}).status_code == 302
    unit = services.registry.units()[0]
    r = post(c, "/residents/new", {"name": "王秀英", "phone": "13912345678", "unit_id": unit.id, "role": "owner",
                                   "living_alone_elderly": "yes"})
    assert r.status_code == 302
    resident = Resident.get(Resident.name == "王秀英")
    assert resident.living_alone_elderly and not resident.minor
    assert OutboxEntry.select().where(OutboxEntry.kind == "resident.upsert").count() == 1
    page = c.get("/residents?q=王").get_data(as_text=True)
    assert "王秀英" in page and "独居老人" in page


def test_bad_input_is_explained_next_to_the_field_and_nothing_saved(client_as, services):
    c = client_as("volunteer")
    post(c, "/buildings", {"name": "1号楼"})
    b = Building.get()
    post(c, "/units", {"building_id": b.id, "number": "101"})
    unit = services.registry.units()[0]
    r = post(c, "/residents/new", {"name": "李四", "phone": "12345", "unit_id": unit.id})
    assert r.status_code == 400
    html = r.get_data(as_text=True)
    assert 'data-field="phone"' in html and "电话号码不对" in html
    assert Resident.select().count() == 0
    r = post(c, "/units", {"building_id": b.id, "number": "102", "area_m2": "lots"})
    assert r.status_code == 400 and "面积要填平方米数" in r.get_data(as_text=True)
    r = post(c, "/buildings", {"name": ""})
    assert r.status_code == 400 and "必填" in r.get_data(as_text=True)
    r = post(c, "/residents/new", {"name": "x", "unit_id": "not-a-number"})
    assert r.status_code in (400, 404)


def test_vehicle_plates_are_validated_with_the_reason(client_as, services):
    c = client_as("volunteer")
    services.registry.save_building({"name": "1号楼"}, "t")
    unit = services.registry.save_unit({"building_id": Building.get().id, "number": "101"}, "t")
    res = services.registry.save_resident({"name": "赵六", "unit_id": unit.id}, "t")
    r = post(c, f"/residents/{res.id}/vehicles", {"plate": "京O12345"}, headers={"HX-Request": "true"})
    assert "I 或 O" in r.get_data(as_text=True) and Vehicle.select().count() == 0
    r = post(c, f"/residents/{res.id}/vehicles", {"plate": "京a·12345"}, headers={"HX-Request": "true"})
    assert "京A12345" in r.get_data(as_text=True) and Vehicle.get().plate == "京A12345"


def test_upload_preview_lists_bad_rows_then_import_runs_as_a_job(client_as, services, tmp_path):
    c = client_as("volunteer")
    services.registry.save_building({"name": "1号楼"}, "t")
    bad = write_xlsx(tmp_path / "bad.xlsx", [row(name="张三"), row(name="", unit="102")])
    r = post(c, "/residents/import", {"file": (open(bad, "rb"), "bad.xlsx")}, content_type="multipart/form-data")
    html = r.get_data(as_text=True)
    assert r.status_code == 400 and "没有导入任何数据" in html and "<td>3</td><td>姓名</td>" in html
    good = write_xlsx(tmp_path / "good.xlsx", [row(name="张三"), row(name="李四", unit="102", plates="京B12345")])
    r = post(c, "/residents/import", {"file": (open(good, "rb"), "good.xlsx")}, content_type="multipart/form-data")
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "文件没有问题" in html and Resident.select().count() == 0
    staged = html.split('name="staged" value="')[1].split('"')[0]
    r = post(c, "/residents/import/commit", {"staged": staged})
    assert 'data-status="done"' in r.get_data(as_text=True)
    assert Resident.select().count() == 2 and Vehicle.get().plate == "京B12345"
    r = post(c, "/residents/import/commit", {"staged": staged})  # the staged file is used up
    assert r.status_code == 400


def test_uploads_are_size_capped(app, client_as):
    app.config["MAX_CONTENT_LENGTH"] = 1024 * 1024
    c = client_as("volunteer")
    big = io.BytesIO(b"x" * (2 * 1024 * 1024))
    r = post(c, "/residents/import", {"file": (big, "big.csv")}, content_type="multipart/form-data")
    assert r.status_code == 413 and "文件太大" in r.get_data(as_text=True)


def test_export_downloads_the_template(client_as):
    c = client_as("district")
    r = c.get("/residents/export.xlsx?template=1")
    assert r.status_code == 200 and r.data[:2] == b"PK"
    assert c.get("/residents/export.pdf").status_code == 404


def test_english_is_one_click_away(client_as):
    c = client_as("admin")
    assert "住户" in c.get("/").get_data(as_text=True)
    c.get("/lang/en")
    html = c.get("/").get_data(as_text=True)
    assert "Residents" in html and "住户" not in html


def test_healthz_reports_each_subsystem(client):
    data = client.get("/healthz").get_json()
    assert set(data["subsystems"]) >= {"database", "config", "tasks", "gpio", "accounts"}


def test_api_needs_login_and_answers_json(client, client_as):
    assert client.get("/api/v1/summary").status_code == 401
    c = client_as("district")
    assert c.get("/api/v1/summary").get_json()["residents"] == 0
    assert c.get("/api/v1/residents?page=abc").status_code == 400
    assert c.get("/api/v1/openapi.json").get_json()["openapi"].startswith("3.")


def test_admin_manages_accounts(client_as, users):
    c = client_as("admin")
    r = post(c, "/users", {"username": "laoli", "role": "volunteer", "password": "short"})
    assert r.status_code == 400 and "至少" in r.get_data(as_text=True)
    r = post(c, "/users", {"username": "laoli", "role": "volunteer", "password": "long-enough-1"})
    assert r.status_code == 303 and "laoli" in c.get(r.headers["Location"]).get_data(as_text=True)


def test_buildings_units_and_households_can_be_corrected(client_as, services):
    c = client_as("volunteer")
    post(c, "/buildings", {"name": "3号搂"})  # a typo
    b = Building.get()
    assert post(c, f"/buildings/{b.id}", {"name": "3号楼", "floors": "7"}).status_code == 302
    assert Building.get().name == "3号楼" and Building.get().floors == 7
    post(c, "/units", {"building_id": b.id, "number": "101", "area_m2": "50"})
    unit = services.registry.units()[0]
    assert post(c, f"/units/{unit.id}", {"building_id": b.id, "number": "101", "area_m2": "55.5"}).status_code == 302
    assert float(services.registry.unit(unit.id).area_m2) == 55.5
    services.registry.save_resident({"name": "周杰", "unit_id": unit.id}, "t")
    page = c.get("/households").get_data(as_text=True)
    assert "3号楼101" in page and "<td>1</td>" in page
    household = services.registry.households()[0]
    assert post(c, f"/households/{household.id}", {"name": "周家", "notes": "有轮椅"}).status_code == 302
    assert "周家" in c.get("/households").get_data(as_text=True)
    assert post(c, f"/households/{household.id}", {"name": ""}).status_code == 400
    assert c.get("/households/9999").status_code == 404


def test_dashboard_draws_residents_per_building(client_as, services):
    services.registry.save_building({"name": "1号楼"}, "t")
    services.registry.save_building({"name": "2号楼"}, "t")
    unit = services.registry.save_unit({"building_id": 1, "number": "101"}, "t")
    services.registry.save_resident({"name": "甲", "unit_id": unit.id, "living_alone_elderly": "yes"}, "t")
    services.registry.save_resident({"name": "乙", "unit_id": unit.id, "move_out": "2001-01-01",
                                     "move_in": "2000-01-01"}, "t")
    assert services.registry.residents_by_building() == [{"name": "1号楼", "residents": 1, "alone": 1},
                                                         {"name": "2号楼", "residents": 0, "alone": 0}]
    html = client_as("volunteer").get("/").get_data(as_text=True)
    assert 'data-testid="by-building"' in html and "1号楼: 1" in html
