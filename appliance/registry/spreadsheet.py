"""Residents to and from Excel/CSV, in the one template staff fill in.

Import is all-or-nothing: every row is checked first and every problem is reported with
the row number as the spreadsheet shows it and the column's name; only a clean file is
written, in one transaction. A row that names an existing resident (same building, unit
and name) updates that resident, so exporting and re-importing changes nothing.
Buildings must exist before import (a typo in a building name would otherwise create a
phantom building); units are created on first mention, with their floor area.
"""

from __future__ import annotations

import csv
import datetime
import logging
from dataclasses import dataclass, field
from pathlib import Path

from appliance.db.base import now
from appliance.db.models import Building, Household, Resident, Unit, Vehicle
from appliance.errors import ValidationError
from appliance.i18n import gettext
from appliance.registry.service import check_plate, resident_payload
from appliance.registry.sheetfile import AREA_KEYS, COLUMNS, INSTRUCTIONS, LABELS, read_rows
from appliance.registry.plan import AreaChange, NewUnit, ResidentChange, area_text, plan_import
from appliance.sync import outbox
from appliance.validation import (ROLE_LABELS, clean_area, clean_date, clean_flag, clean_int, clean_phone,
                                  clean_role, clean_text, BIRTH_YEAR_RANGE)

logger = logging.getLogger(__name__)

@dataclass
class RowError:
    row: int
    column: str  # the column header as the spreadsheet shows it
    message: str  # translated

    def __str__(self):
        return gettext("Row %(row)s, %(column)s: %(message)s", row=self.row, column=self.column,
                       message=self.message)


@dataclass
class ImportReport:
    rows: int = 0
    created: int = 0
    updated: int = 0  # existing residents with at least one field that changes
    unchanged: int = 0  # existing residents the file leaves as they are
    vehicles: int = 0
    new_units: int = 0
    errors: list[RowError] = field(default_factory=list)
    dry_run: bool = True
    # What the file changes, listed for the preview (see residents_plan).
    new_unit_list: list[NewUnit] = field(default_factory=list)
    area_changes: list[AreaChange] = field(default_factory=list)
    resident_changes: list[ResidentChange] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_dict(self) -> dict:
        return {"rows": self.rows, "created": self.created, "updated": self.updated, "unchanged": self.unchanged,
                "vehicles": self.vehicles, "new_units": self.new_units, "area_changes": len(self.area_changes),
                "dry_run": self.dry_run,
                "errors": [{"row": e.row, "column": e.column, "message": e.message} for e in self.errors]}


# --- reading files -------------------------------------------------------------------------
@dataclass
class _CleanRow:
    row: int
    building: Building
    unit_number: str
    areas: dict  # AREA_KEYS -> Decimal or None (None: the file says nothing, keep what the box has)
    values: dict
    plates: list[tuple[str, str]]


class ResidentsIO:
    def __init__(self, db, audit):
        self.db = db
        self.audit = audit

    def check(self, rows: list[tuple[int, dict]]) -> tuple[list[_CleanRow], ImportReport]:
        report = ImportReport(rows=len(rows))
        buildings = {b.name: b for b in Building.select()}
        seen_people: dict[tuple, int] = {}
        seen_plates: dict[str, int] = {}
        plate_owner = {v.plate: (v.resident.household.unit_id, v.resident.name)
                       for v in Vehicle.select(Vehicle, Resident, Household).join(Resident).join(Household)}
        unit_ids = {(u.building_id, u.number): u.id for u in Unit.select()}
        unit_areas: dict[tuple, tuple] = {}  # (building, unit) -> (area, first row giving it)
        clean: list[_CleanRow] = []
        for row, record in rows:
            errors_before = len(report.errors)

            def attempt(key, fn, *args, **kwargs):
                try:
                    return fn(record.get(key), key, *args, row=row, **kwargs)
                except ValidationError as exc:
                    report.errors.append(RowError(row, LABELS[key], exc.message()))
                    return None

            building_name = attempt("building", clean_text, required=True, max_len=50)
            building = buildings.get(building_name) if building_name else None
            if building_name and building is None:
                report.errors.append(RowError(row, LABELS["building"],
                                              gettext("Unknown building %(name)s. Create it first.",
                                                      name=building_name)))
            unit_number = attempt("unit", clean_text, required=True, max_len=30)
            values = {
                "name": attempt("name", clean_text, required=True, max_len=50),
                "phone": attempt("phone", lambda v, f, row: clean_phone(v, f, row)),
                "role": attempt("role", lambda v, f, row: clean_role(v, f, row)),
                "move_in": attempt("move_in", clean_date),
                "move_out": attempt("move_out", clean_date),
                "birth_year": attempt("birth_year", clean_int, min=1900, max=datetime.date.today().year,
                                      range_msgid=BIRTH_YEAR_RANGE),
                "living_alone_elderly": attempt("living_alone_elderly", clean_flag),
                "minor": attempt("minor", clean_flag),
                "disability": attempt("disability", clean_flag),
                "notes": attempt("notes", clean_text, max_len=500),
            }
            areas = {key: attempt(key, lambda v, f, row: clean_area(v, f, row)) for key in AREA_KEYS}
            for key, area in areas.items():
                if area is None or not (building_name and unit_number):
                    continue
                first = unit_areas.setdefault((building_name, unit_number, key), (area, row))
                if first[0] != area:  # one unit, one area: it weights its owner's vote
                    report.errors.append(RowError(row, LABELS[key], gettext(
                        "Floor area %(area)s differs from %(other)s on row %(row)s for the same unit.",
                        area=area_text(area), other=area_text(first[0]), row=first[1])))
            if values["move_in"] and values["move_out"] and values["move_out"] < values["move_in"]:
                report.errors.append(RowError(row, LABELS["move_out"], gettext("Move-out cannot be before move-in.")))
            person = (building_name, unit_number, values["name"])
            if all(person):
                if person in seen_people:
                    report.errors.append(RowError(row, LABELS["name"], gettext(
                        "Duplicate: the same person is already on row %(other)s.", other=seen_people[person])))
                seen_people.setdefault(person, row)
            plates = []
            for text in str(record.get("plates") or "").replace("，", ",").replace("、", ",").split(","):
                if not text.strip():
                    continue
                try:
                    plate, kind = check_plate(text, "plates", row)
                except ValidationError as exc:
                    report.errors.append(RowError(row, LABELS["plates"], f"{text.strip()[:12]}: {exc.message()}"))
                    continue
                if plate in seen_plates:
                    report.errors.append(RowError(row, LABELS["plates"], gettext(
                        "Duplicate plate %(plate)s (also on row %(other)s).", plate=plate, other=seen_plates[plate])))
                    continue
                seen_plates[plate] = row
                owner = plate_owner.get(plate)
                unit_id = unit_ids.get((building.id, unit_number)) if building else None
                if owner and owner != (unit_id, values["name"]):
                    report.errors.append(RowError(row, LABELS["plates"], gettext(
                        "Plate %(plate)s is registered to another resident.", plate=plate)))
                    continue
                plates.append((plate, kind))
            if len(report.errors) == errors_before:
                for key in ("living_alone_elderly", "minor", "disability"):
                    values[key] = bool(values[key])
                values["role"] = values["role"] or "owner"
                values["notes"] = values["notes"] or ""
                clean.append(_CleanRow(row, building, unit_number, areas, values, plates))
        return clean, report

    def import_file(self, path: Path, actor: str, dry_run: bool = False, progress=None) -> ImportReport:
        rows = read_rows(path)
        if progress and not dry_run:
            progress(0, len(rows))  # the total is known as soon as the file is read
        clean, report = self.check(rows)
        report.dry_run = dry_run
        if not report.ok:
            return report
        if dry_run:
            self._plan(clean, report)
            return report
        with self.db.atomic():
            self._plan(clean, report)  # counted in the transaction: the result says what was written
            self._write(clean, progress)
            self.audit.record(actor, "import", "resident", "", {"file": Path(path).name, "rows": report.rows,
                                                                "created": report.created, "updated": report.updated})
        logger.info("imported %s rows (%s new, %s updated)", report.rows, report.created, report.updated)
        return report

    def _plan(self, clean: list[_CleanRow], report: ImportReport) -> None:
        plan = plan_import(clean, LABELS)
        report.created, report.updated, report.unchanged = plan.created, plan.updated, plan.unchanged
        report.vehicles, report.new_units = plan.vehicles, len(plan.new_units)
        report.new_unit_list, report.area_changes = plan.new_units, plan.area_changes
        report.resident_changes = plan.resident_changes

    def _write(self, clean: list[_CleanRow], progress) -> None:
        units = {(u.building_id, u.number): u for u in Unit.select()}
        households = {}
        for h in Household.select().order_by(Household.id.desc()):
            households[h.unit_id] = h
        existing = {(r.household.unit_id, r.name): r
                    for r in Resident.select(Resident, Household).join(Household)}
        vehicles = {v.plate: v for v in Vehicle.select()}
        total = len(clean)
        for done, item in enumerate(clean, start=1):
            key = (item.building.id, item.unit_number)
            unit = units.get(key)
            given = {k: v for k, v in item.areas.items() if v is not None}
            if unit is None:
                unit = Unit.create(building=item.building, number=item.unit_number, **given)
                units[key] = unit
            elif any(getattr(unit, k) != v for k, v in given.items()):
                for k, v in given.items():
                    setattr(unit, k, v)
                unit.save()
            household = households.get(unit.id)
            if household is None:
                household = households[unit.id] = Household.create(unit=unit, name=f"{item.building.name}{unit.number}")
            resident = existing.get((unit.id, item.values["name"]))
            if resident is None:
                resident = Resident(household=household)
            for k, v in item.values.items():
                setattr(resident, k, v)
            resident.updated_at = now()
            resident.save()
            resident.household = household
            unit.building = item.building
            household.unit = unit
            outbox.append("resident.upsert", resident_payload(resident))
            for plate, kind in item.plates:
                if plate not in vehicles:
                    vehicles[plate] = Vehicle.create(resident=resident, plate=plate, kind=kind)
            if progress and (done % 100 == 0 or done == total):
                progress(done, total)

    # --- export -----------------------------------------------------------------------------
    def export_rows(self) -> list[list]:
        plates: dict[int, list[str]] = {}
        for v in Vehicle.select().order_by(Vehicle.plate):
            plates.setdefault(v.resident_id, []).append(v.plate)
        out = []
        query = (Resident.select(Resident, Household, Unit, Building).join(Household).join(Unit).join(Building)
                 .order_by(Building.name, Unit.number, Resident.id))
        for r in query:
            unit = r.household.unit
            out.append([
                unit.building.name, unit.number,
                *(float(getattr(unit, k)) if getattr(unit, k) is not None else None for k in AREA_KEYS),
                r.name, r.phone, ROLE_LABELS.get(r.role, r.role),
                r.move_in.isoformat() if r.move_in else None, r.move_out.isoformat() if r.move_out else None,
                r.birth_year, "是" if r.living_alone_elderly else "否", "是" if r.minor else "否",
                "是" if r.disability else "否", ", ".join(plates.get(r.id, [])), r.notes or None,
            ])
        return out

    def export_file(self, path: Path, template_only: bool = False, progress=None) -> int:
        path = Path(path)
        rows = [] if template_only else self.export_rows()
        header = [zh for _, zh, _ in COLUMNS]
        tmp = path.with_name(path.name + ".part")
        if path.suffix.lower() == ".csv":
            with open(tmp, "w", encoding="utf-8-sig", newline="") as fh:
                writer = csv.writer(fh)
                writer.writerow(header)
                writer.writerows([["" if v is None else v for v in row] for row in rows])
        elif path.suffix.lower() == ".xlsx":
            self._write_xlsx(tmp, header, rows)
        else:
            raise ValidationError("Use an .xlsx or .csv file.", field="file")
        tmp.replace(path)  # never leave a half-written file under the real name
        if progress:
            progress(len(rows), len(rows))
        return len(rows)

    def _write_xlsx(self, path: Path, header: list[str], rows: list[list]) -> None:
        from openpyxl import Workbook
        from openpyxl.styles import Font

        wb = Workbook(write_only=False)
        ws = wb.active
        ws.title = "住户"
        ws.append(header)
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in rows:
            ws.append(row)
        for col, width in zip("ABCDEFGHIJKLMNOP", (10, 12, 10, 12, 12, 10, 14, 10, 12, 12, 10, 9, 8, 8, 22, 20)):
            ws.column_dimensions[col].width = width
        ws.freeze_panes = "A2"
        help_sheet = wb.create_sheet("说明")
        for line in INSTRUCTIONS:
            help_sheet.append([gettext(line)])
        help_sheet.column_dimensions["A"].width = 100
        wb.save(path)
