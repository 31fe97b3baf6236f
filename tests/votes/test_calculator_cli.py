"""``linli votes tally ROLL BALLOTS``: the offline calculator's output and its refusals."""

from __future__ import annotations

import csv
import json

import pytest
from openpyxl import Workbook

from appliance.cli import main


def write_csv(path, header, rows):
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


def write_xlsx(path, header, rows):
    wb = Workbook()
    wb.active.append(header)
    for r in rows:
        wb.active.append(r)
    wb.save(path)
    return path


@pytest.fixture(autouse=True)
def english(monkeypatch):
    monkeypatch.setenv("LINLI_LANG", "en")


ROLL = [["101", "张三", "80.50"], ["102", "张三", "60"], ["201", "李四", "90.25"], ["202", "开发商", "100"],
        ["203", "开发商", "100"], ["301", "王五", "70"]]


def test_prints_each_matter_with_exact_fractions_and_json(tmp_path, capsys):
    roll = write_xlsx(tmp_path / "roll.xlsx", ["unit", "owner", "area"], ROLL)
    ballots = write_csv(tmp_path / "ballots.csv", ["unit", "matter", "choice"], [
        ["101", "续聘物业", "赞成"], ["102", "续聘物业", "赞成"], ["201", "续聘物业", "赞成"],
        ["202", "续聘物业", "反对"], ["101", "加装电梯", "赞成"], ["201", "加装电梯", "赞成"],
        ["202", "加装电梯", "弃权"]])
    assert main(["votes", "tally", str(roll), str(ballots), "--special", "加装电梯"]) == 0
    out = capsys.readouterr().out
    assert "续聘物业" in out and "通过" in out and "未通过" in out
    # owners: 张三 (2 units), 李四, 开发商 (2 units), 王五 = 4; 3 took part
    assert "3/4" in out and "43075/50075" in out
    assert main(["votes", "tally", str(roll), str(ballots), "--special", "加装电梯", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data[0] == {"matter": "续聘物业", "result": "passed",
                       "participation": {"area": "43075/50075", "owners": "3/4"},
                       "approval": {"area": "23075/43075", "owners": "2/3"}}
    # items 6-8: 2 of 3 owners is under 3/4
    assert data[1]["matter"] == "加装电梯" and data[1]["result"] == "failed"


def test_a_special_matter_nobody_voted_on_is_below_the_quorum(tmp_path, capsys):
    roll = write_csv(tmp_path / "roll.csv", ["unit", "owner", "area"], ROLL)
    ballots = write_csv(tmp_path / "b.csv", ["unit", "matter", "choice"], [["101", "A", "赞成"]])
    assert main(["votes", "tally", str(roll), str(ballots), "--special", "B", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [d["result"] for d in data] == ["no_quorum", "no_quorum"] and data[1]["participation"]["owners"] == "0/4"


def test_a_bad_file_exits_1_naming_every_bad_row(tmp_path, capsys):
    roll = write_csv(tmp_path / "roll.csv", ["unit", "owner", "area"], ROLL)
    ballots = write_csv(tmp_path / "b.csv", ["unit", "matter", "choice"], [
        ["101", "A", "赞成"], ["999", "A", "赞成"], ["101", "A", "赞成"], ["102", "A", "反对"], ["201", "A", "也许"]])
    assert main(["votes", "tally", str(roll), str(ballots)]) == 1
    err = capsys.readouterr().err
    assert "row 3" in err and "999" in err  # unknown unit
    assert "row 4" in err and "duplicate" in err
    assert "row 5" in err and "conflicts with row 2" in err  # 张三 owns 101 and 102
    assert "row 6" in err and "也许" in err


def test_a_roll_without_area_or_owner_is_refused_row_by_row(tmp_path, capsys):
    roll = write_csv(tmp_path / "roll.csv", ["unit", "owner", "area"], [
        ["101", "张三", ""], ["102", "", "50"], ["103", "李四", "50.123"], ["103", "王五", "40"], ["104", "赵六", "-1"]])
    ballots = write_csv(tmp_path / "b.csv", ["unit", "matter", "choice"], [["101", "A", "赞成"]])
    assert main(["votes", "tally", str(roll), str(ballots)]) == 1
    err = capsys.readouterr().err
    for row in ("row 2", "row 3", "row 4", "row 5", "row 6"):
        assert row in err
    assert "area is missing" in err and "owner is missing" in err and "already on row 4" in err


def test_unreadable_files_say_so(tmp_path, capsys):
    bad = tmp_path / "roll.xlsx"
    bad.write_bytes(b"not a workbook")
    ballots = write_csv(tmp_path / "b.csv", ["unit", "matter", "choice"], [["101", "A", "赞成"]])
    assert main(["votes", "tally", str(bad), str(ballots)]) == 2
    assert "Excel" in capsys.readouterr().err
    assert main(["votes", "tally", str(tmp_path / "missing.csv"), str(ballots)]) == 2
    no_cols = write_csv(tmp_path / "r.csv", ["房号", "x"], [["101", "1"]])
    assert main(["votes", "tally", str(no_cols), str(ballots)]) == 2


def test_the_problems_are_in_chinese_by_default(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("LINLI_LANG", "zh_CN")
    roll = write_csv(tmp_path / "roll.csv", ["房号", "业主", "面积"], ROLL)
    ballots = write_csv(tmp_path / "b.csv", ["房号", "事项", "意见"], [["999", "A", "赞成"], ["101", "A", "赞成"]])
    assert main(["votes", "tally", str(roll), str(ballots)]) == 1
    assert "b.csv 第 2 行：房屋 999 不在名册上" in capsys.readouterr().err
