"""Builders for test spreadsheets in the residents template."""

from __future__ import annotations

import csv
from pathlib import Path

from openpyxl import Workbook

HEADER = ["楼栋", "房号", "面积(㎡)", "姓名", "电话", "身份", "入住日期", "迁出日期", "出生年份", "独居老人", "未成年",
          "残障", "车牌", "备注"]


def row(building="1号楼", unit="1单元101", area=88.5, name="张三", phone="13800138000", role="业主",
        move_in="2020-05-01", move_out="", birth_year=1960, alone="否", minor="否", disability="否", plates="",
        notes=""):
    return [building, unit, area, name, phone, role, move_in, move_out, birth_year, alone, minor, disability, plates,
            notes]


def write_xlsx(path: Path, rows: list[list], header=HEADER) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.append(header)
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


def write_csv(path: Path, rows: list[list], header=HEADER, encoding="utf-8-sig") -> Path:
    with open(path, "w", encoding=encoding, newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


def many_rows(n: int, building="1号楼", start: int = 0) -> list[list]:
    out = []
    for i in range(start, start + n):
        out.append(row(building=building, unit=f"{i // 40 + 1}单元{i % 40 + 101}", name=f"住户{i:05d}",
                       phone=f"139{i:08d}", plates=f"京A{i:05d}" if i % 3 == 0 else ""))
    return out
