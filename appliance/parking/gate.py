"""What the guard at the car gate sees about a waiting car: who it might be.

A registered car (the read is one of the registered plates, or close to them) names the
unit it belongs to, never the owner (the screen may face the street); a visitor pass names
the unit that invited it; otherwise the car is unknown, or on the district's watch list.
"""

from __future__ import annotations

from appliance.db.models import Vehicle
from appliance.db.models.parking import CarPass, CarQuestion
from appliance.parking.service import GRACE_WHY


def unit_of(resident) -> str:
    if resident is None:
        return ""
    unit = resident.household.unit
    return f"{unit.building.name} {unit.number}"


def who(q: CarQuestion) -> dict:
    """kind: registered / pass / watch / unknown; units: the unit of each candidate plate."""
    if q.why == "watch":
        kind = "watch"
    elif q.candidates or q.why in ("moved_out", "outside_schedule", "uncertain"):
        kind = "registered"
    elif q.why == "pass_used_up":
        kind = "pass"
    else:
        kind = "unknown"
    units = []
    for plate in q.candidates:
        v = Vehicle.get_or_none(Vehicle.plate == plate)
        units.append({"plate": plate, "unit": unit_of(v.resident) if v is not None else ""})
    inviter = ""
    if kind == "pass" and q.plate_read:
        p = (CarPass.select().where(CarPass.plate == q.plate_read).order_by(CarPass.created_at.desc()).first())
        inviter = unit_of(p.resident) if p is not None else ""
    return {"kind": kind, "units": units, "inviter": inviter, "grace": q.why in GRACE_WHY}
