"""The published schema describes the messages the code really sends."""

from __future__ import annotations

import json
import zlib
from pathlib import Path

import jsonschema
import pytest

from appliance.hub.service import HubService
from appliance.hub.store import open_hub_db
from appliance.sync import downlink, envelope
from appliance.sync.outbox import append

SCHEMA = json.loads((Path(__file__).resolve().parents[2] / "appliance/sync/schema/linli-sync.asyncapi.json")
                    .read_text())


def check(name, instance):
    jsonschema.validate(instance, SCHEMA["components"]["schemas"][name])


@pytest.fixture
def hub(tmp_path, services):
    h = HubService(open_hub_db("", tmp_path / "h"), "district-1", tmp_path / "h")
    h.register_box(services.box_id, services.sync.public_key)
    services.sync.pin_hub("district-1", h.public_key)
    yield h
    h.db.close()


def test_real_messages_match_the_published_schema(services, db, hub):
    with db.atomic():
        append("access.event", {"gate": "north", "resident_uuid": "r1"})
        append("access.event", {"gate": "north", "resident_uuid": "r2"})
        append("incident.fire_lane", {"plate": "京A12345"})
    data, _ = services.sync.next_batch()
    env = envelope.parse(data)
    check("UplinkHeader", env.header)
    for line in zlib.decompress(env.body).split(b"\n"):
        check("UplinkLine", json.loads(line))
    hub.receive(data, "mqtt")
    check("AckHeader", envelope.parse(hub.ack_bytes(services.box_id)).header)
    hub.queue_downlink([services.box_id], "notice", {"uuid": "n", "title": "t", "body": ""})
    denv = envelope.parse(hub.downlink_bytes(services.box_id))
    check("DownlinkHeader", denv.header)
    for item in downlink.read_items(denv):
        check("DownlinkItem", item)
    check("Status", services.sync.status_payload())
    assert set(SCHEMA["channels"]) == {f"linli/v1/{{box}}/{leaf}"
                                       for leaf in ("up", "ack", "down", "status", "pair", "pair/reply")}
    from appliance.sync.paircode import box_request, code_key, hub_reply

    key = code_key("1234-5678")
    check("PairRequest", json.loads(box_request(key, services.box_id, services.sync.public_key, "x")))
    check("PairReply", json.loads(hub_reply(key, "district-1", hub.public_key, services.box_id)))
    with pytest.raises(jsonschema.ValidationError):
        check("UplinkLine", {"u": "x", "t": 1, "p": {"face_template": [1]}})
