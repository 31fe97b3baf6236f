"""The import preview says exactly what the file would change (floor areas weight owners' votes),
and the import's progress can be followed while it runs."""

from __future__ import annotations

import threading

import pytest

from appliance.db.models import Resident, Unit
from tests.helpers import many_rows, row, write_xlsx


@pytest.fixture
def existing(services, tmp_path):
    services.registry.save_building({"name": "1号楼"}, "test")
    first = [row(name="王秀英", unit="1单元101", area=62, phone="13800138000", alone="否"),
             row(name="李建国", unit="1单元102", area=75.5, phone="13900139000")]
    assert services.residents_io.import_file(write_xlsx(tmp_path / "first.xlsx", first), "test").ok


def test_preview_lists_area_changes_changed_fields_and_new_units_by_name(services, existing, tmp_path):
    again = [row(name="王秀英", unit="1单元101", area=60, phone="13800138000", alone="是"),  # area and a flag
             row(name="李建国", unit="1单元102", area=75.5, phone="13900139000"),  # nothing changes
             row(name="张三", unit="9单元909", area=88)]  # a typo makes a new unit
    report = services.residents_io.import_file(write_xlsx(tmp_path / "again.xlsx", again), "test", dry_run=True)
    assert report.ok and report.created == 1 and report.updated == 1 and report.unchanged == 1
    assert [(c.place, c.old, c.new) for c in report.area_changes] == [("1号楼 1单元101", "62", "60")]
    assert [(u.place, u.area) for u in report.new_unit_list] == [("1号楼 9单元909", "88")]
    [change] = report.resident_changes
    assert (change.place, change.name) == ("1号楼 1单元101", "王秀英")
    assert [(f.column, f.old, f.new) for f in change.fields] == [("独居老人", "否", "是")]
    assert Unit.get(Unit.number == "1单元101").area_m2 == 62  # a preview writes nothing

    done = services.residents_io.import_file(write_xlsx(tmp_path / "again.xlsx", again), "test")
    assert (done.created, done.updated, done.unchanged, done.new_units) == (1, 1, 1, 1)
    assert Unit.get(Unit.number == "1单元101").area_m2 == 60
    assert Resident.get(Resident.name == "王秀英").living_alone_elderly


def test_rows_of_one_unit_must_agree_on_its_floor_area(services, existing, tmp_path):
    rows = [row(name="甲", unit="2单元201", area=60), row(name="乙", unit="2单元201", area=66)]
    report = services.residents_io.import_file(write_xlsx(tmp_path / "f.xlsx", rows), "test", dry_run=True)
    assert [(e.row, e.column) for e in report.errors] == [(3, "面积(㎡)")]


def test_web_preview_shows_every_change_before_import(client_as, services, existing, tmp_path):
    again = write_xlsx(tmp_path / "again.xlsx", [
        row(name="王秀英", unit="1单元101", area=60, phone="13700137000"),
        row(name="张三", unit="9单元909", area=88)])
    c = client_as("volunteer")
    token = c.get("/residents/import").get_data(as_text=True).split('name="csrf_token" value="')[1].split('"')[0]
    with open(again, "rb") as fh:
        html = c.post("/residents/import", data={"csrf_token": token, "file": (fh, "again.xlsx")},
                      content_type="multipart/form-data").get_data(as_text=True)
    changes = html.split('data-testid="import-changes"')[1]
    assert "1号楼 1单元101" in changes and "62 → 60" in changes
    assert "电话" in changes and "13800138000 → 13700137000" in changes
    assert "1号楼 9单元909" in changes
    summary = html.split('data-testid="import-summary"')[1].split("</p>")[0]
    assert "1 位住户信息有变化" in summary and "1 套房屋面积有变化" in summary


def test_import_job_progress_is_visible_while_it_runs(client_as, services, existing, tmp_path, monkeypatch):
    """Progress is written inside the import's one transaction; a page (another thread, another
    connection) must still see the total at once and the count going up."""
    c = client_as("volunteer")
    path = write_xlsx(tmp_path / "big.xlsx", many_rows(450, start=1000))
    job = services.jobs.create("residents.import", created_by="volunteer")
    seen = []
    original = services.jobs.progress

    def progress_then_look(job_id, done, total=None, **kwargs):
        original(job_id, done, total, **kwargs)
        if kwargs.get("status", "running") != "running" or total is None:
            return

        def look():
            html = c.get(f"/jobs/{job.uuid}").get_data(as_text=True)
            seen.append((done, html.split("<p>")[1].split("</p>")[0].strip()))

        t = threading.Thread(target=look)
        t.start()
        t.join()

    monkeypatch.setattr(services.jobs, "progress", progress_then_look)
    services.tasks.import_residents(job.id, str(path), "volunteer")
    assert seen[0] == (0, "正在导入… 0 / 450")
    middle = [text for done, text in seen if 0 < done < 450]
    assert middle and all(text == f"正在导入… {done} / 450" for done, text in seen if 0 < done < 450)
    assert services.jobs.get(job.uuid).status == "done"


@pytest.mark.slow  # waits on CLI processes or device timeouts (see tests/conftest.py SLOW_MODULES)
def test_cli_dry_run_lists_every_change(tmp_path):
    from appliance.config import load_config
    from appliance.runtime import build_runtime
    from tests.test_cli import linli

    home = tmp_path / "box"
    assert linli(home, "init").returncode == 0
    rt = build_runtime(load_config(home), hardware=False)
    try:
        rt.services.registry.save_building({"name": "1号楼"}, "t")
        rt.services.residents_io.import_file(write_xlsx(tmp_path / "a.xlsx", [
            row(name="王秀英", unit="1单元101", area=62, phone="13800138000")]), "t")
    finally:
        rt.close()
    again = write_xlsx(tmp_path / "b.xlsx", [row(name="王秀英", unit="1单元101", area=60, phone="13700137000"),
                                             row(name="张三", unit="9单元909", area=88)])
    result = linli(home, "residents", "import", str(again), "--dry-run")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "面积变化 1号楼 1单元101：62 → 60 ㎡（第 2 行）" in out
    assert "新增房屋 1号楼 9单元909，88 ㎡（第 3 行）" in out
    assert "王秀英，1号楼 1单元101（第 2 行）：" in out and "电话: 13800138000 → 13700137000" in out
    assert "1 位信息有变化" in out and "1 套房屋面积有变化" in out and "试运行" in out


def test_surveyed_and_contract_areas_come_in_from_the_file_and_go_out_again(services, existing, tmp_path):
    from tests.helpers import HEADER

    header = HEADER + ["测绘面积(㎡)", "合同面积(㎡)"]
    rows = [row(name="赵六", unit="3单元301", area="") + [70.25, ""],  # no register area yet: surveyed
            row(name="钱七", unit="3单元302", area="") + ["", 66],  # only the sales contract
            row(name="王秀英", unit="1单元101", area=62, phone="13800138000") + [61.8, ""]]
    path = write_xlsx(tmp_path / "areas.xlsx", rows, header=header)
    preview = services.residents_io.import_file(path, "test", dry_run=True)
    assert preview.ok, preview.errors
    assert [(c.place, c.old, c.new) for c in preview.area_changes] == [("1号楼 1单元101 · 测绘面积(㎡)", "", "61.8")]
    assert services.residents_io.import_file(path, "test").ok
    surveyed = Unit.get(Unit.number == "3单元301")
    assert (surveyed.area_m2, surveyed.surveyed_area_m2, surveyed.contract_area_m2) == (None, 70.25, None)
    assert Unit.get(Unit.number == "3单元302").contract_area_m2 == 66
    exported = services.residents_io.export_rows()
    assert [r[2:5] for r in exported if r[1] == "3单元301"] == [[None, 70.25, None]]


def test_a_fallback_area_column_with_garbage_names_the_column_and_writes_nothing(services, existing, tmp_path):
    from tests.helpers import HEADER

    rows = [row(name="赵六", unit="3单元301", area="") + ["七十", ""]]
    path = write_xlsx(tmp_path / "bad.xlsx", rows, header=HEADER + ["测绘面积(㎡)", "合同面积(㎡)"])
    report = services.residents_io.import_file(path, "test")
    assert [(e.row, e.column) for e in report.errors] == [(2, "测绘面积(㎡)")]
    assert not Unit.select().where(Unit.number == "3单元301").exists()
