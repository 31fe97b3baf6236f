"""What the district hears of a work order: a ``workorder.upsert`` outbox entry with the
order's whole current state and the timeline note that changed it.

The reporter travels in a nested ``reporter`` object whose keys the sync field policy
(:mod:`appliance.sync.policy`) knows: ``resident_uuid`` leaves only as the box's pseudonym,
``name`` only when names may be shared, ``phone`` only when phone numbers may. Internal
notes leave without their text; a resident actor leaves as "resident", not as a row id.
"""

from __future__ import annotations

from appliance.db.models import WorkOrder, WorkOrderNote
from appliance.sync import outbox

KIND = "workorder.upsert"
PRIORITY = 5  # within the default urgent band: sent even when the data budget is used up


def _iso(value):
    return value.isoformat() if value else None


def _actor(actor: str) -> str:
    return "resident" if actor.startswith("resident:") else actor


def reporter_payload(order: WorkOrder) -> dict | None:
    if order.reporter_id is None and not order.reporter_phone:
        return None
    out: dict = {}
    if order.reporter_id is not None:
        person = order.reporter
        out["resident_uuid"] = str(person.uuid)
        out["name"] = person.name
        out["phone"] = order.reporter_phone or person.phone
    else:
        out["phone"] = order.reporter_phone
    return out


def note_payload(note: WorkOrderNote) -> dict:
    out = {"uuid": str(note.uuid), "at": _iso(note.at), "actor": _actor(note.actor), "kind": note.kind,
           "from": note.from_status, "to": note.to_status, "public": note.public}
    if note.public:
        out["text"] = note.text
    return out


def order_payload(order: WorkOrder, note: WorkOrderNote | None = None) -> dict:
    building = order.building if order.building_id else None
    unit = order.unit if order.unit_id else None
    return {
        "uuid": str(order.uuid), "number": order.number, "source": order.source,
        "category": order.category.code, "category_zh": order.category.name_zh, "status": order.status,
        "building": building.name if building else None, "building_uuid": str(building.uuid) if building else None,
        "unit": unit.number if unit else None, "unit_uuid": str(unit.uuid) if unit else None,
        "spot": order.spot, "device": order.device, "plan_x": order.plan_x, "plan_y": order.plan_y,
        "lat": order.lat, "lon": order.lon, "description": order.description,
        "on_behalf": bool(order.on_behalf_by), "assignee": order.assignee,
        "due_at": _iso(order.due_at), "created_at": _iso(order.created_at), "updated_at": _iso(order.updated_at),
        "fixed_at": _iso(order.fixed_at), "closed_at": _iso(order.closed_at),
        "plus_ones": order.plus_ones, "repeats": order.repeats,
        "merged_into": str(order.merged_into.uuid) if order.merged_into_id else None,
        "external_ref": order.external_ref,
        "reporter": reporter_payload(order),
        "note": note_payload(note) if note is not None else None,
    }


def publish(order: WorkOrder, note: WorkOrderNote | None = None) -> None:
    """Append the order's state to the outbox, inside the caller's transaction."""
    outbox.append(KIND, order_payload(order, note), priority=PRIORITY)
