"""The community register: buildings, units, households, residents, vehicles.

Every change is audited and, where it must reach the district, appended to the outbox
in the same transaction.
"""

from __future__ import annotations

import datetime
import re

from peewee import JOIN, fn

from appliance.db.base import find, now
from appliance.db.models import Building, Household, Resident, Unit, Vehicle
from appliance.db.models.registry import RESIDENT_ROLES
from appliance.errors import Conflict, NotFound, ValidationError, ValidationErrors
from appliance.sync import outbox
from appliance.validation import (clean_area, clean_date, clean_flag, clean_int, clean_phone, clean_role,
                                  clean_text, clean_all, BIRTH_YEAR_RANGE)
from models.plates.validate import normalize_plate, validate_plate

PAGE_SIZE = 50
FLAGS = {"alone": Resident.living_alone_elderly, "minor": Resident.minor, "disability": Resident.disability}


def natural_key(text) -> tuple:
    """2单元301 before 10单元101: digits compare as numbers."""
    return tuple(int(part) if part.isdigit() else part for part in re.split(r"(\d+)", str(text or "")))


def check_plate(value, field: str = "plate", row=None) -> tuple[str, str]:
    plate = normalize_plate(str(value or ""))
    result = validate_plate(plate)
    if not result.valid:
        raise ValidationError(result.reason, field=field, row=row)
    return plate, result.kind or ""


def resident_payload(r: Resident) -> dict:
    return {
        "uuid": str(r.uuid), "household": str(r.household.uuid), "unit": str(r.household.unit.uuid),
        "name": r.name, "phone": r.phone, "role": r.role,
        "move_in": r.move_in.isoformat() if r.move_in else None,
        "move_out": r.move_out.isoformat() if r.move_out else None,
        "living_alone_elderly": r.living_alone_elderly, "minor": r.minor, "disability": r.disability,
    }


class RegistryService:
    def __init__(self, db, audit):
        self.db = db
        self.audit = audit

    # --- buildings ------------------------------------------------------------------
    def buildings(self) -> list[Building]:
        return sorted(Building.select(), key=lambda b: natural_key(b.name))

    def building(self, building_id) -> Building:
        b = find(Building, building_id)
        if b is None:
            raise NotFound("No such building.")
        return b

    def save_building(self, data: dict, actor: str, building_id=None) -> Building:
        checked = clean_all({
            "name": lambda: clean_text(data.get("name"), "name", required=True, max_len=50),
            "address": lambda: clean_text(data.get("address"), "address", max_len=200),
            "floors": lambda: clean_int(data.get("floors"), "floors", min=1, max=200),
        })
        name, address, floors = checked["name"], checked["address"], checked["floors"]
        clash = Building.select().where(Building.name == name)
        if building_id:
            clash = clash.where(Building.id != building_id)
        if clash.exists():
            raise ValidationError("A building with this name already exists.", field="name")
        with self.db.atomic():
            b = self.building(building_id) if building_id else Building()
            b.name, b.address, b.floors = name, address, floors
            b.save()
            self.audit.record(actor, "update" if building_id else "create", "building", b.id, {"name": name})
        return b

    def delete_building(self, building_id, actor: str) -> None:
        b = self.building(building_id)
        if b.units.count():
            raise Conflict("Remove the building's units first.")
        with self.db.atomic():
            b.delete_instance()
            self.audit.record(actor, "delete", "building", building_id, {"name": b.name})

    # --- units ------------------------------------------------------------------------
    def units(self, building_id=None) -> list[Unit]:
        query = Unit.select(Unit, Building).join(Building)
        if building_id:
            query = query.where(Unit.building == building_id)
        return sorted(query, key=lambda u: (natural_key(u.building.name), natural_key(u.number)))

    def unit(self, unit_id) -> Unit:
        u = find(Unit, unit_id)
        if u is None:
            raise NotFound("No such unit.")
        return u

    def save_unit(self, data: dict, actor: str, unit_id=None) -> Unit:
        building = self.building(data.get("building_id"))
        checked = clean_all({
            "number": lambda: clean_text(data.get("number"), "number", required=True, max_len=30),
            "floor": lambda: clean_int(data.get("floor"), "floor", min=-5, max=200),
            "area_m2": lambda: clean_area(data.get("area_m2")),
            "surveyed_area_m2": lambda: clean_area(data.get("surveyed_area_m2"), "surveyed_area_m2"),
            "contract_area_m2": lambda: clean_area(data.get("contract_area_m2"), "contract_area_m2"),
        })
        number, floor, area = checked["number"], checked["floor"], checked["area_m2"]
        clash = Unit.select().where(Unit.building == building, Unit.number == number)
        if unit_id:
            clash = clash.where(Unit.id != unit_id)
        if clash.exists():
            raise ValidationError("This unit already exists in the building.", field="number")
        with self.db.atomic():
            u = self.unit(unit_id) if unit_id else Unit()
            u.building, u.number, u.floor, u.area_m2 = building, number, floor, area
            if "surveyed_area_m2" in data or "contract_area_m2" in data:  # forms without them keep them
                u.surveyed_area_m2, u.contract_area_m2 = checked["surveyed_area_m2"], checked["contract_area_m2"]
            u.save()
            if not unit_id:
                Household.create(unit=u, name=f"{building.name}{number}")
            self.audit.record(actor, "update" if unit_id else "create", "unit", u.id,
                              {"building": building.name, "number": number})
        return u

    def delete_unit(self, unit_id, actor: str) -> None:
        u = self.unit(unit_id)
        if Resident.select().join(Household).where(Household.unit == u).exists():
            raise Conflict("Move the unit's residents out first.")
        with self.db.atomic():
            Household.delete().where(Household.unit == u).execute()
            u.delete_instance()
            self.audit.record(actor, "delete", "unit", unit_id)

    def household_for_unit(self, unit: Unit) -> Household:
        h = Household.select().where(Household.unit == unit).order_by(Household.id).first()
        return h or Household.create(unit=unit, name=f"{unit.building.name}{unit.number}")

    def households(self, building_id=None) -> list[Household]:
        query = (Household.select(Household, Unit, Building, fn.COUNT(Resident.id).alias("members"))
                 .join(Unit).join(Building).switch(Household).join(Resident, JOIN.LEFT_OUTER)
                 .group_by(Household.id).order_by(Building.name, Unit.number))
        if building_id:
            query = query.where(Unit.building == building_id)
        return list(query)

    def household(self, household_id) -> Household:
        h = find(Household, household_id)
        if h is None:
            raise NotFound("No such household.")
        return h

    def save_household(self, household_id, data: dict, actor: str) -> Household:
        h = self.household(household_id)
        h.name = clean_text(data.get("name"), "name", required=True, max_len=100)
        h.notes = clean_text(data.get("notes"), "notes", max_len=500)
        with self.db.atomic():
            h.save()
            self.audit.record(actor, "update", "household", h.id, {"name": h.name})
        return h

    # --- residents ----------------------------------------------------------------------
    def residents(self, search: str = "", building_id=None, page: int = 1, include_moved_out: bool = False,
                  flag: str | None = None):
        """One page of residents in natural order (building, unit, name) and how many match.
        ``search`` is literal text (``%`` and ``_`` are not wildcards); ``flag``: alone, minor or disability."""
        query = (Resident.select(Resident.id, Building.name, Unit.number, Resident.name)
                 .join(Household).join(Unit).join(Building))
        term = (search or "").strip()
        if term:
            query = query.where(Resident.name.contains(term) | Resident.phone.contains(term)
                                | Unit.number.contains(term))
        if building_id:
            query = query.where(Unit.building == building_id)
        if flag in FLAGS:
            query = query.where(FLAGS[flag] == True)  # noqa: E712
        if not include_moved_out:
            query = query.where(Resident.move_out.is_null() | (Resident.move_out > datetime.date.today()))
        order = sorted(query.tuples(), key=lambda t: (natural_key(t[1]), natural_key(t[2]), natural_key(t[3]), t[0]))
        start = (max(1, page) - 1) * PAGE_SIZE
        ids = [t[0] for t in order[start:start + PAGE_SIZE]]
        rows = {r.id: r for r in (Resident.select(Resident, Household, Unit, Building)
                                  .join(Household).join(Unit).join(Building).where(Resident.id.in_(ids)))} if ids else {}
        return [rows[i] for i in ids], len(order)

    def resident(self, resident_id) -> Resident:
        r = find(Resident, resident_id)
        if r is None:
            raise NotFound("No such resident.")
        return r

    def clean_resident(self, data: dict) -> dict:
        today = datetime.date.today()
        values = clean_all({
            "name": lambda: clean_text(data.get("name"), "name", required=True, max_len=50),
            "phone": lambda: clean_phone(data.get("phone")),
            "role": lambda: clean_role(data.get("role")),
            "move_in": lambda: clean_date(data.get("move_in"), "move_in"),
            "move_out": lambda: clean_date(data.get("move_out"), "move_out"),
            "birth_year": lambda: clean_int(data.get("birth_year"), "birth_year", min=1900, max=today.year,
                                            range_msgid=BIRTH_YEAR_RANGE),
            "living_alone_elderly": lambda: clean_flag(data.get("living_alone_elderly"), "living_alone_elderly"),
            "minor": lambda: clean_flag(data.get("minor"), "minor"),
            "disability": lambda: clean_flag(data.get("disability"), "disability"),
            "notes": lambda: clean_text(data.get("notes"), "notes", max_len=500),
        })
        if values["move_in"] and values["move_out"] and values["move_out"] < values["move_in"]:
            raise ValidationError("Move-out cannot be before move-in.", field="move_out")
        assert values["role"] in RESIDENT_ROLES
        return values

    def save_resident(self, data: dict, actor: str, resident_id=None) -> Resident:
        errors = []
        try:
            values = self.clean_resident(data)
        except ValidationErrors as exc:
            errors = exc.errors
        try:
            unit = self.unit(data.get("unit_id"))
        except NotFound as exc:
            errors.append(ValidationError(exc.msgid, field="unit_id", **exc.params))
        if errors:
            raise ValidationErrors(errors)
        with self.db.atomic():
            r = self.resident(resident_id) if resident_id else Resident()
            for key, value in values.items():
                setattr(r, key, value)
            r.household = self.household_for_unit(unit)
            r.updated_at = now()
            r.save()
            outbox.append("resident.upsert", resident_payload(r))
            self.audit.record(actor, "update" if resident_id else "create", "resident", r.id, {"name": r.name})
        return r

    def move_out(self, resident_id, when: datetime.date | None, actor: str) -> Resident:
        r = self.resident(resident_id)
        with self.db.atomic():
            r.move_out = when or datetime.date.today()
            r.updated_at = now()
            r.save()
            outbox.append("resident.upsert", resident_payload(r))
            self.audit.record(actor, "move_out", "resident", r.id, {"date": r.move_out.isoformat()})
        return r

    def delete_resident(self, resident_id, actor: str) -> None:
        r = self.resident(resident_id)
        with self.db.atomic():
            outbox.append("resident.delete", {"uuid": str(r.uuid)})
            r.delete_instance(recursive=True)
            self.audit.record(actor, "delete", "resident", resident_id)

    # --- vehicles -------------------------------------------------------------------------
    def vehicles(self, search: str = "") -> list[Vehicle]:
        query = Vehicle.select(Vehicle, Resident).join(Resident).order_by(Vehicle.plate)
        if search:
            query = query.where(Vehicle.plate ** f"%{normalize_plate(search)}%")
        return list(query)

    def add_vehicle(self, resident_id, plate_text: str, actor: str) -> Vehicle:
        resident = self.resident(resident_id)
        plate, kind = check_plate(plate_text)
        if Vehicle.select().where(Vehicle.plate == plate).exists():
            raise ValidationError("This plate is already registered.", field="plate")
        with self.db.atomic():
            v = Vehicle.create(resident=resident, plate=plate, kind=kind)
            self.audit.record(actor, "create", "vehicle", v.id, {"plate": plate})
        return v

    def delete_vehicle(self, vehicle_id, actor: str) -> None:
        v = find(Vehicle, vehicle_id)
        if v is None:
            raise NotFound("No such vehicle.")
        with self.db.atomic():
            v.delete_instance()
            self.audit.record(actor, "delete", "vehicle", vehicle_id, {"plate": v.plate})

    # --- overview -------------------------------------------------------------------------
    def residents_by_building(self) -> list[dict]:
        """Residents living in each building, with the elderly living alone among them."""
        today = datetime.date.today()
        living = Resident.move_out.is_null() | (Resident.move_out > today)
        query = (Building.select(Building.name, fn.COUNT(Resident.id).alias("residents"),
                                 fn.SUM(Resident.living_alone_elderly).alias("alone"))
                 .join(Unit, JOIN.LEFT_OUTER).join(Household, JOIN.LEFT_OUTER)
                 .join(Resident, JOIN.LEFT_OUTER, on=((Resident.household == Household.id) & living))
                 .group_by(Building.id).order_by(Building.name))
        return [{"name": b.name, "residents": b.residents or 0, "alone": int(b.alone or 0)} for b in query]

    def counts(self) -> dict:
        today = datetime.date.today()
        living = Resident.select().where(Resident.move_out.is_null() | (Resident.move_out > today))
        return {
            "buildings": Building.select().count(),
            "units": Unit.select().count(),
            "residents": living.count(),
            "elderly_alone": living.where(Resident.living_alone_elderly == True).count(),  # noqa: E712
            "vehicles": Vehicle.select().count(),
            "area_m2": float(Unit.select(fn.COALESCE(fn.SUM(Unit.area_m2), 0)).scalar() or 0),
        }
