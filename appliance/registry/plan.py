"""What an import will change, worked out before anything is written.

Floor area weights owners' votes (民法典 art. 278), so a spreadsheet must never change an
area silently: the preview (web and ``linli residents import --dry-run``) lists every new
unit by name (a typo such as 9单元909 shows up), every area that changes (old → new) and
every field of an existing resident that changes (old → new). The real import counts with
the same plan, so the preview and the result always agree.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from appliance.db.models import Household, Resident, Unit, Vehicle
from appliance.validation import ROLE_LABELS

# The columns of a resident compared with the register, in the template's order.
FIELDS = ("phone", "role", "move_in", "move_out", "birth_year", "living_alone_elderly", "minor", "disability",
          "notes")


@dataclass
class FieldChange:
    column: str  # the column header as the spreadsheet shows it
    old: str
    new: str


@dataclass
class ResidentChange:
    row: int
    place: str  # "1号楼 1单元101"
    name: str
    fields: list[FieldChange]


@dataclass
class AreaChange:
    row: int
    place: str
    old: str  # "" when the unit had no area yet
    new: str


@dataclass
class NewUnit:
    row: int
    place: str
    area: str


@dataclass
class ImportPlan:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    vehicles: int = 0
    new_units: list[NewUnit] = field(default_factory=list)
    area_changes: list[AreaChange] = field(default_factory=list)
    resident_changes: list[ResidentChange] = field(default_factory=list)


def area_text(value) -> str:
    """62.00 -> "62", 62.50 -> "62.5", None -> ""."""
    if value is None:
        return ""
    text = f"{Decimal(value).quantize(Decimal('0.01')):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def value_text(key: str, value) -> str:
    if value is None or value == "":
        return ""
    if key == "role":
        return ROLE_LABELS.get(value, value)
    if isinstance(value, bool) or key in ("living_alone_elderly", "minor", "disability"):
        return "是" if value else "否"
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def plan_import(clean: list, labels: dict) -> ImportPlan:
    """``clean``: the checked rows (``_CleanRow``); ``labels``: column key -> header."""
    plan = ImportPlan()
    units = {(u.building_id, u.number): u for u in Unit.select()}
    residents = {(r.household.unit_id, r.name): r
                 for r in Resident.select(Resident, Household).join(Household)}
    plates: dict[int, list[str]] = {}
    registered = set()
    for v in Vehicle.select(Vehicle.plate, Vehicle.resident).order_by(Vehicle.plate):
        plates.setdefault(v.resident_id, []).append(v.plate)
        registered.add(v.plate)
    seen_units: set = set()
    for item in clean:
        key = (item.building.id, item.unit_number)
        place = f"{item.building.name} {item.unit_number}"
        unit = units.get(key)
        if unit is None:
            if key not in seen_units:
                plan.new_units.append(NewUnit(item.row, place, area_text(item.areas["area_m2"])))
        elif key not in seen_units:
            for area_key, area in item.areas.items():
                if area is not None and getattr(unit, area_key) != area:
                    # the register's area is plain "floor area"; a fallback says which one it is
                    what = place if area_key == "area_m2" else f"{place} · {labels[area_key]}"
                    plan.area_changes.append(AreaChange(item.row, what, area_text(getattr(unit, area_key)),
                                                        area_text(area)))
        seen_units.add(key)
        new_plates = [p for p, _kind in item.plates if p not in registered]
        plan.vehicles += len(new_plates)
        resident = residents.get((unit.id, item.values["name"])) if unit is not None else None
        if resident is None:
            plan.created += 1
            continue
        changes = [FieldChange(labels[k], value_text(k, getattr(resident, k)), value_text(k, item.values[k]))
                   for k in FIELDS if value_text(k, getattr(resident, k)) != value_text(k, item.values[k])]
        if new_plates:
            old = plates.get(resident.id, [])
            changes.append(FieldChange(labels["plates"], ", ".join(old), ", ".join(old + new_plates)))
        if changes:
            plan.updated += 1
            plan.resident_changes.append(ResidentChange(item.row, place, resident.name, changes))
        else:
            plan.unchanged += 1
    return plan
