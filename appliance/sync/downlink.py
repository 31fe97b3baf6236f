"""Downlink bundles (hub -> box): notices, config changes, credential revocations, plate
watch lists. Signed by the hub key pinned at pairing; applied in one transaction or not at all.

Each item has a hub-side sequence number per box; the box applies only items after the
last one it applied, so a replayed or old bundle changes nothing, and a bundle that skips
items (a gap) waits for the complete one.
"""

from __future__ import annotations

import json
import logging
import time
import uuid as uuidlib
import zlib

from appliance.db.base import now
from appliance.db.models import (Credential, CredentialRevocation, DistrictNotice, DistrictSetting, DownlinkLog,
                                 PlateWatch, VisitorPass)
from appliance.errors import LinliError
from appliance.i18n import N_
from appliance.sync import state
from appliance.sync.envelope import DOWNLINK, SCHEMA_VERSION, BadEnvelope, check, pack, parse

logger = logging.getLogger(__name__)

KINDS = ("notice", "config", "revoke", "plate_watch", "workorder_ref", "update_offer", "update_withdraw")
# Settings the district may change from afar; anything else is refused with the whole bundle.
# (District-wide words for residents come as "notice" entries, not as a setting.)
DISTRICT_SETTINGS = frozenset({"sync.share_names", "sync.share_phones", "sync.share_plates",
                               "gate.remote_open_allowed",
                               "devices.all_night_dates",  # holidays the district lights all night
                               "devices.lamp_schedule", "devices.silences",  # checked by the devices feature
                               "devices.circuit_dims", "devices.sensors"})


class RefusedDownlink(LinliError):
    msgid = N_("The district's message was refused (%(reason)s); nothing of it was applied.")


def build(items: list[dict], hub_id: str, box_id: str, private_key) -> bytes:
    """``items``: [{"s": seq, "k": kind, "d": data}, ...] in seq order."""
    body = zlib.compress(b"\n".join(json.dumps(i, separators=(",", ":"), ensure_ascii=False).encode()
                                    for i in items), 9)
    header = {"v": SCHEMA_VERSION, "hub": hub_id, "box": box_id, "n": len(items),
              "first": items[0]["s"] if items else 0, "last": items[-1]["s"] if items else 0,
              "created": int(time.time())}
    return pack(DOWNLINK, header, body, private_key)


def read_items(env) -> list[dict]:
    try:
        lines = zlib.decompress(env.body).split(b"\n") if env.header.get("n") else []
        items = [json.loads(line) for line in lines]
    except (zlib.error, ValueError) as exc:
        raise BadEnvelope(reason="downlink body") from exc
    if len(items) != env.header.get("n") or any(not isinstance(i, dict) or "s" not in i for i in items):
        raise BadEnvelope(reason="item count")
    seqs = [i["s"] for i in items]
    if seqs and (seqs != sorted(set(seqs)) or seqs[0] != env.header["first"] or seqs[-1] != env.header["last"]):
        raise BadEnvelope(reason="seq range")
    return items


def _revoke_on_the_gate(credential: str) -> None:
    """A revocation names the UUID of a resident credential (PIN, card, personal QR) or of a
    visitor pass, as access events report it; the gate refuses it from now on. Other
    identifiers are only recorded (another box's credential, or one already deleted)."""
    try:
        key = uuidlib.UUID(credential)
    except ValueError:
        return
    stamp = now()
    Credential.update(revoked_at=stamp, revoked_by="district") \
        .where(Credential.uuid == key, Credential.revoked_at.is_null()).execute()
    VisitorPass.update(revoked_at=stamp).where(VisitorPass.uuid == key, VisitorPass.revoked_at.is_null()).execute()


def _apply_item(kind: str, data: dict) -> None:
    if kind == "notice":
        DistrictNotice.insert(uuid=str(data["uuid"]), title=str(data["title"]), body=str(data.get("body", ""))) \
            .on_conflict_ignore().execute()
    elif kind == "config":
        key = str(data["key"])
        if key not in DISTRICT_SETTINGS:
            raise RefusedDownlink(reason="setting %s may not be changed by the district" % key)
        DistrictSetting.insert(key=key, value=data["value"]).on_conflict_replace().execute()
    elif kind == "revoke":
        credential = str(data["credential"])
        CredentialRevocation.insert(credential=credential, reason=str(data.get("reason", ""))) \
            .on_conflict_ignore().execute()
        _revoke_on_the_gate(credential)
    elif kind == "plate_watch":
        plate = str(data["plate"]).upper()
        if data.get("remove"):
            PlateWatch.delete().where(PlateWatch.plate == plate).execute()
        else:
            PlateWatch.insert(plate=plate, reason=str(data.get("reason", ""))).on_conflict_replace().execute()
    elif kind == "workorder_ref":
        _workorder_ref(str(data["uuid"]), str(data["ref"])[:60])
    elif kind == "update_offer":
        from appliance.sync.updates import BadOffer, record_offer

        try:
            record_offer(data)
        except BadOffer as exc:
            raise RefusedDownlink(reason=exc.message()) from None
    elif kind == "update_withdraw":
        from appliance.sync.updates import BadOffer, record_withdrawal

        try:
            record_withdrawal(data)
        except BadOffer as exc:
            raise RefusedDownlink(reason=exc.message()) from None
    else:
        raise RefusedDownlink(reason="unknown item kind %s" % kind)


def _workorder_ref(order_uuid: str, ref: str) -> None:
    """The city's 12345 number for one of this box's orders, entered on the hub: kept on the
    order (the reporter sees it on /me), noted on its timeline and sent back up with it."""
    from appliance.db.models import WorkOrder, WorkOrderNote
    from appliance.workorders import payload

    try:
        key = uuidlib.UUID(order_uuid)
    except ValueError:
        raise RefusedDownlink(reason="work order uuid") from None
    order = WorkOrder.get_or_none(WorkOrder.uuid == key)
    if order is None or order.external_ref == ref:
        return  # another box's order, or applied before
    stamp = now()
    WorkOrder.update(external_ref=ref, updated_at=stamp).where(WorkOrder.id == order.id).execute()
    note = WorkOrderNote.create(order=order, at=stamp, actor="district", kind="ref", text=ref, public=True)
    payload.publish(WorkOrder.get_by_id(order.id), note)


def apply_downlink(db, data: bytes, hub_id: str, hub_key, box_id: str, channel: str) -> dict:
    """Verify and apply; returns {"applied": n, "down_ack": last applied}. Raises on refusal."""
    try:
        env = check(parse(data), hub_key, DOWNLINK)
        h = env.header
        if h.get("box") != box_id or h.get("hub") != hub_id:
            raise RefusedDownlink(reason="meant for another box or from another hub")
        items = read_items(env)
        # Decide and apply under one write lock, so a second process (a USB import beside
        # the running box) cannot apply the same items in between.
        with db.atomic("IMMEDIATE"):
            done = int(state.get("down_applied", 0))
            new = [i for i in items if i["s"] > done]
            if not new:
                state.log(channel, "down", h.get("first"), h.get("last"), 0, len(data), "replay")
                return {"applied": 0, "down_ack": done}
            if new[0]["s"] != done + 1:
                raise RefusedDownlink(reason="items %s..%s are missing" % (done + 1, new[0]["s"] - 1))
            for item in new:
                try:
                    _apply_item(str(item.get("k")), item.get("d") or {})
                except (KeyError, TypeError, AttributeError) as exc:
                    raise RefusedDownlink(reason="item %s is incomplete" % item["s"]) from exc
                DownlinkLog.create(hub_seq=item["s"], kind=str(item.get("k")), channel=channel)
            state.put("down_applied", new[-1]["s"])
            state.log(channel, "down", new[0]["s"], new[-1]["s"], len(new), len(data))
        logger.info("applied %s downlink items from %s via %s", len(new), hub_id, channel)
        return {"applied": len(new), "down_ack": new[-1]["s"]}
    except LinliError as exc:
        with db.atomic("IMMEDIATE"):
            state.log(channel, "down", None, None, 0, len(data), "refused", exc.message())
        raise
