"""Residents import/export: all-or-nothing, errors by row and column, lossless round trip."""

from __future__ import annotations

import pytest

from appliance.db.models import OutboxEntry, Resident, Unit, Vehicle
from appliance.errors import ValidationError
from tests.helpers import many_rows, row, write_csv, write_xlsx


@pytest.fixture
def buildings(services):
    for name in ("1号楼", "2号楼"):
        services.registry.save_building({"name": name}, "test")


def test_dry_run_lists_every_bad_row_and_writes_nothing(services, buildings, tmp_path):
    path = write_xlsx(tmp_path / "bad.xlsx", [
        row(name="张三"),
        row(name="", unit="1单元102"),                 # row 3: missing name
        row(name="李四", phone="12345"),               # row 4: bad phone
        row(name="王五", building="9号楼"),             # row 5: unknown building
        row(name="张三"),                              # row 6: duplicate of row 2
        row(name="赵六", unit="1单元103", plates="京A1234I"),  # row 7: bad plate (letter I)
    ])
    report = services.residents_io.import_file(path, "test", dry_run=True)
    found = {(e.row, e.column) for e in report.errors}
    assert found == {(3, "姓名"), (4, "电话"), (5, "楼栋"), (6, "姓名"), (7, "车牌")}
    messages = {e.row: e.message for e in report.errors}
    assert "12345" in messages[4]
    assert "9号楼" in messages[5]
    assert "第 2 行" in messages[6] or "2" in messages[6]
    assert Resident.select().count() == 0 and Unit.select().count() == 0


def test_a_bad_row_blocks_the_whole_file(services, buildings, tmp_path):
    rows = many_rows(30) + [row(name="坏行", phone="abc")]
    report = services.residents_io.import_file(write_xlsx(tmp_path / "f.xlsx", rows), "test")
    assert not report.ok and [e.row for e in report.errors] == [32]
    assert Resident.select().count() == 0 and Vehicle.select().count() == 0 and OutboxEntry.select().count() == 0


def test_good_file_imports_with_units_vehicles_outbox_and_progress(services, buildings, tmp_path):
    calls = []
    rows = many_rows(450)
    report = services.residents_io.import_file(write_xlsx(tmp_path / "ok.xlsx", rows), "test",
                                               progress=lambda d, t: calls.append((d, t)))
    assert report.ok and report.created == 450 and report.vehicles == 150
    assert Resident.select().count() == 450
    assert Vehicle.get(Vehicle.plate == "京A00003").resident.name == "住户00003"
    assert Unit.select().count() == 450
    assert OutboxEntry.select().where(OutboxEntry.kind == "resident.upsert").count() == 450
    assert calls[-1] == (450, 450) and len(calls) >= 3


def test_round_trip_is_lossless(services, buildings, tmp_path):
    rows = [row(name="张三", plates="京A12345, 京AD12345", alone="是", move_out="2030-01-01", notes="三楼"),
            row(name="李四", unit="2单元301", area=62.25, role="租户", phone="010-12345678", minor="是", birth_year=2015),
            row(building="2号楼", name="王五", role="家庭成员", phone="", move_in="", birth_year="")]
    services.residents_io.import_file(write_xlsx(tmp_path / "in.xlsx", rows), "test")
    out = tmp_path / "out.xlsx"
    services.residents_io.export_file(out)
    first = services.residents_io.export_rows()
    again = services.residents_io.import_file(out, "test")
    assert again.ok and again.created == 0 and again.updated == 0 and again.unchanged == 3  # nothing changes
    assert services.residents_io.export_rows() == first
    assert first[0][14] == "京A12345, 京AD12345" or "京AD12345" in first[0][14]


def test_csv_in_gbk_from_chinese_excel(services, buildings, tmp_path):
    path = write_csv(tmp_path / "gbk.csv", [row(name="欧阳娜娜")], encoding="gb18030")
    report = services.residents_io.import_file(path, "test")
    assert report.ok and Resident.get().name == "欧阳娜娜"


def test_unreadable_files_are_refused_clearly(services, tmp_path):
    junk = tmp_path / "junk.xlsx"
    junk.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(ValidationError) as info:
        services.residents_io.import_file(junk, "test")
    assert "Excel" in info.value.message()
    other = tmp_path / "x.pdf"
    other.write_text("x")
    with pytest.raises(ValidationError):
        services.residents_io.import_file(other, "test")
    nohead = write_xlsx(tmp_path / "nohead.xlsx", [["a"]], header=["随便"])
    with pytest.raises(ValidationError) as info:
        services.residents_io.import_file(nohead, "test")
    assert "楼栋" in info.value.message()


def test_plate_owned_by_someone_else_is_an_error(services, buildings, tmp_path):
    services.residents_io.import_file(write_xlsx(tmp_path / "a.xlsx", [row(name="张三", plates="京A12345")]), "t")
    report = services.residents_io.import_file(
        write_xlsx(tmp_path / "b.xlsx", [row(name="李四", unit="1单元102", plates="京A12345")]), "t", dry_run=True)
    assert [(e.row, e.column) for e in report.errors] == [(2, "车牌")]


def test_template_has_the_headers_and_no_rows(services, tmp_path):
    from openpyxl import load_workbook

    path = tmp_path / "t.xlsx"
    assert services.residents_io.export_file(path, template_only=True) == 0
    ws = load_workbook(path).worksheets[0]
    assert [c.value for c in ws[1]][:6] == ["楼栋", "房号", "面积(㎡)", "测绘面积(㎡)", "合同面积(㎡)", "姓名"] and ws.max_row == 1
