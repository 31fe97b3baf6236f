"""The residents template as a file: its columns, and reading an .xlsx or .csv into rows.

Reading refuses what could hurt the box (XML entities, huge files, too many rows) before
anything is parsed; checking and writing the rows is :mod:`appliance.registry.spreadsheet`.
"""

from __future__ import annotations

import csv
import io
import logging
from pathlib import Path

from appliance.errors import ValidationError
from appliance.i18n import N_

logger = logging.getLogger(__name__)

MAX_ROWS = 50_000
MAX_FILE_BYTES = 20 * 1024 * 1024

# (key, Chinese header used in the template, English header also accepted)
COLUMNS = [
    ("building", "楼栋", "Building"),
    ("unit", "房号", "Unit"),
    ("area_m2", "面积(㎡)", "Area (m2)"),
    ("surveyed_area_m2", "测绘面积(㎡)", "Surveyed area (m2)"),
    ("contract_area_m2", "合同面积(㎡)", "Contract area (m2)"),
    ("name", "姓名", "Name"),
    ("phone", "电话", "Phone"),
    ("role", "身份", "Role"),
    ("move_in", "入住日期", "Move-in"),
    ("move_out", "迁出日期", "Move-out"),
    ("birth_year", "出生年份", "Birth year"),
    ("living_alone_elderly", "独居老人", "Living alone elderly"),
    ("minor", "未成年", "Minor"),
    ("disability", "残障", "Disability"),
    ("plates", "车牌", "Plates"),
    ("notes", "备注", "Notes"),
]
HEADER_TO_KEY = {}
for _key, _zh, _en in COLUMNS:
    HEADER_TO_KEY[_zh] = HEADER_TO_KEY[_en.lower()] = HEADER_TO_KEY[_key] = _key
LABELS = {key: zh for key, zh, _ in COLUMNS}
REQUIRED = ("building", "unit", "name")
# 面积 is the property register's (不动产登记) area; a vote falls back to the surveyed, then the
# contract area only where it is missing (appliance/votes), so all three travel with the unit.
AREA_KEYS = ("area_m2", "surveyed_area_m2", "contract_area_m2")

INSTRUCTIONS = [
    N_("One row per resident. Required columns: 楼栋, 房号, 姓名."),
    N_("楼栋 must match a building already created on the Buildings page."),
    N_("身份: 业主, 租户 or 家庭成员. Dates like 2024-03-01. Flags: 是 or 否."),
    N_("面积 is the area in the property register (不动产登记). Fill 测绘面积 or 合同面积 only for units "
       "without it: owners' votes then use the surveyed, else the contract area."),
    N_("车牌: one or more plates separated by commas, e.g. 京A12345, 粤B D12345."),
    N_("A row with the same building, unit and name as an existing resident updates that resident."),
]


def read_rows(path: Path) -> list[tuple[int, dict]]:
    """Return [(spreadsheet row number, {key: value})]; raise ValidationError for unreadable files."""
    path = Path(path)
    if path.stat().st_size > MAX_FILE_BYTES:
        raise ValidationError("The file is too large (at most %(mb)s MB).", field="file", mb=MAX_FILE_BYTES >> 20)
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        raw = _read_xlsx(path)
    elif suffix == ".csv":
        raw = _read_csv(path.read_bytes())
    else:
        raise ValidationError("Use an .xlsx or .csv file.", field="file")
    return _map_header(raw)


def _refuse_dtd(path: Path) -> None:
    """Excel never writes a DTD; one in any XML part of the file (entity expansion, external
    entities) is refused before a parser sees it. Raises ValueError."""
    import zipfile

    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            with archive.open(info) as part:
                tail = b""
                while chunk := part.read(65536):
                    if b"<!DOCTYPE" in tail + chunk or b"<!ENTITY" in tail + chunk:
                        raise ValueError("DTD in " + info.filename)
                    tail = chunk[-16:]


def _read_xlsx(path: Path) -> list[list]:
    import zipfile

    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    from xml.etree.ElementTree import ParseError

    try:
        _refuse_dtd(path)
        wb = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError, ParseError) as exc:
        logger.info("unreadable workbook: %s", type(exc).__name__)
        raise ValidationError("This is not a readable Excel file.", field="file") from None
    try:
        ws = wb.worksheets[0]
        rows = []
        for values in ws.iter_rows(values_only=True):
            rows.append(list(values))
            if len(rows) > MAX_ROWS + 1:
                raise ValidationError("Too many rows (at most %(n)s).", field="file", n=MAX_ROWS)
        return rows
    finally:
        wb.close()


def _read_csv(data: bytes) -> list[list]:
    # Excel on Chinese Windows saves CSV as GBK; try UTF-8 (with BOM) first.
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ValidationError("The CSV file is not UTF-8 or GBK text.", field="file")
    if "\x00" in text:
        raise ValidationError("The CSV file is not UTF-8 or GBK text.", field="file")
    try:
        rows = list(csv.reader(io.StringIO(text)))
    except csv.Error:
        raise ValidationError("The CSV file is damaged.", field="file") from None
    if len(rows) > MAX_ROWS + 1:
        raise ValidationError("Too many rows (at most %(n)s).", field="file", n=MAX_ROWS)
    return rows


def _map_header(raw: list[list]) -> list[tuple[int, dict]]:
    if not raw:
        raise ValidationError("The file is empty.", field="file")
    header = [str(h).strip() if h is not None else "" for h in raw[0]]
    keys = [HEADER_TO_KEY.get(h) or HEADER_TO_KEY.get(h.lower()) for h in header]
    missing = [LABELS[k] for k in REQUIRED if k not in keys]
    if missing:
        raise ValidationError("Missing columns: %(columns)s. Download the template to see them.", field="file",
                              columns=", ".join(missing))
    rows = []
    for index, values in enumerate(raw[1:], start=2):
        record = {}
        for key, value in zip(keys, values):
            if key:
                record[key] = value.strip() if isinstance(value, str) else value
        if all(v in (None, "") for v in record.values()):
            continue  # blank lines people leave between blocks
        rows.append((index, record))
    return rows


# --- checking and writing ------------------------------------------------------------------
