"""Where a work order is: a building or unit from the register, a named spot on the site
plan, a device, a point on the plan (0..1 of its width and height) and/or lat/lon."""

from __future__ import annotations

import math
from dataclasses import dataclass

from appliance.db.base import find
from appliance.db.models import Building, Unit
from appliance.errors import ValidationError
from appliance.validation import clean_text


@dataclass(frozen=True)
class Place:
    building_id: int | None = None
    unit_id: int | None = None
    spot: str = ""
    device: str = ""
    x: float | None = None  # 0..1 across the site plan
    y: float | None = None  # 0..1 down the site plan
    lat: float | None = None
    lon: float | None = None


def _number(value, field: str, lo: float, hi: float) -> float | None:
    if value is None or value == "":
        return None
    try:
        number = float(str(value)[:40]) if not isinstance(value, (int, float)) else float(value)
    except ValueError:
        raise ValidationError("Not a number: %(value)s", field=field, value=str(value)[:20]) from None
    if not math.isfinite(number) or not lo <= number <= hi:
        raise ValidationError("Must be between %(lo)s and %(hi)s.", field=field, lo=lo, hi=hi)
    return number


def clean_place(place) -> dict:
    """A :class:`Place` or a dict with the same keys -> the WorkOrder columns, checked."""
    if place is None:
        place = Place()
    if isinstance(place, dict):
        unknown = set(place) - set(Place.__dataclass_fields__)
        if unknown:
            raise ValidationError("Unknown place field: %(value)s", field="place", value=", ".join(sorted(unknown)))
        place = Place(**place)
    building = unit = None
    if place.building_id not in (None, ""):
        building = find(Building, place.building_id)
        if building is None:
            raise ValidationError("No such building.", field="building_id")
    if place.unit_id not in (None, ""):
        unit = find(Unit, place.unit_id)
        if unit is None:
            raise ValidationError("No such unit.", field="unit_id")
        if building is not None and unit.building_id != building.id:
            raise ValidationError("That unit is not in that building.", field="unit_id")
        building = building or unit.building
    x = _number(place.x, "x", 0.0, 1.0)
    y = _number(place.y, "y", 0.0, 1.0)
    if (x is None) != (y is None):
        raise ValidationError("A point on the site plan needs both x and y.", field="x")
    lat = _number(place.lat, "lat", -90.0, 90.0)
    lon = _number(place.lon, "lon", -180.0, 180.0)
    if (lat is None) != (lon is None):
        raise ValidationError("A map position needs both latitude and longitude.", field="lat")
    return {"building": building, "unit": unit, "spot": clean_text(place.spot, "spot", max_len=100),
            "device": clean_text(place.device, "device", max_len=100), "plan_x": x, "plan_y": y,
            "lat": lat, "lon": lon}


def place_words(order) -> str:
    """The place in one line, for lists and the 12345 address: "3号楼 2单元301 · 东侧路灯"."""
    parts = []
    if order.building_id:
        parts.append(order.building.name)
    if order.unit_id:
        parts.append(order.unit.number)
    head = " ".join(parts)
    rest = [p for p in (order.spot, order.device) if p]
    return " · ".join([head, *rest] if head else rest)
