"""What the platform hears of an incident: Frigate-style new / update / end events in the
sync outbox ("firelane.event"), with no names or phone numbers; the plate does leave."""

from __future__ import annotations

from appliance.db.models import FireIncident, FireNotice
from appliance.sync import outbox
from models.plates.validate import validate_plate


def delivery_state(inc: FireIncident) -> dict:
    """Latest state of each person's notices: {"sms_owner": "sent", ...} (no numbers)."""
    state = {}
    for n in FireNotice.select().where(FireNotice.incident == inc).order_by(FireNotice.id):
        if n.channel in ("dashboard", "outbox"):
            continue
        key = n.channel.replace("call_", "sms_")
        if n.status == "queued" and key in state:
            state[key] = "retrying"
        elif n.channel.startswith("call_"):
            state[key] = "called"
        else:
            state[key] = n.status
    return state


def payload(inc: FireIncident, event: str) -> dict:
    return {"uuid": str(inc.uuid), "event": event, "zone": inc.zone.name, "camera": inc.camera,
            "plate": inc.plate, "plate_valid": bool(inc.plate) and validate_plate(inc.plate).valid,
            "registered": inc.vehicle_id is not None, "stage": inc.stage,
            "status": inc.status, "label": inc.label,
            "entered_at": inc.entered_at.isoformat(), "opened_at": inc.opened_at.isoformat(),
            "closed_at": inc.closed_at.isoformat() if inc.closed_at else None,
            "acknowledged": inc.acknowledged_at is not None,
            "delivery": delivery_state(inc)}


def publish(inc: FireIncident, kind: str) -> None:
    """A new / update / end event for the platform, in the caller's transaction."""
    outbox.append("firelane.event", {"type": kind, **payload(inc, kind)})


def escalate(inc: FireIncident) -> None:
    outbox.append("firelane.escalation", payload(inc, "escalated"), priority=1)
