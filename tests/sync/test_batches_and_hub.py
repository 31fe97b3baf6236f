"""Signed batches into the hub: stored once, acked; tampered, truncated, replayed, foreign or
conflicting batches refused whole."""

from __future__ import annotations

import zlib

import pytest

from appliance.hub.models import HubBatch, HubEntry
from appliance.hub.service import HubService
from appliance.hub.store import open_hub_db
from appliance.sync import batch as batchfmt
from appliance.sync import envelope
from appliance.sync.keys import public_text
from appliance.sync.outbox import append


@pytest.fixture
def hub(tmp_path, services):
    home = tmp_path / "hubhome"
    h = HubService(open_hub_db("", home), "district-1", home)
    h.register_box(services.box_id, services.sync.public_key)
    services.sync.pin_hub("district-1", h.public_key)
    yield h
    h.db.close()


def produce(db, n, start=0):
    with db.atomic():
        for i in range(start, start + n):
            append("access.event", {"n": i, "gate": "north"})


def deliver(services, hub):
    """Drain the box into the hub batch by batch, as a channel would; returns the batches."""
    sent, after = [], 0
    while True:
        built = services.sync.next_batch(after=after)
        if built is None:
            return sent
        data, entries = built
        receipt = hub.receive(data, "test")
        assert receipt.status == "stored", receipt
        services.sync.handle_ack(hub.ack_bytes(services.box_id), "test")
        sent.append(data)


def test_batches_are_size_capped_stored_once_and_acked(config, services, db, hub):
    config.sync.batch_max_bytes = 4096
    produce(db, 1500)
    sent = deliver(services, hub)
    assert len(sent) > 1 and all(len(b) <= 4096 for b in sent)
    assert HubEntry.select().count() == 1500
    assert services.sync.backlog() == 0 and services.sync.acked() == 1500
    # Header carries box id, range, schema version and creation time.
    h = envelope.parse(sent[0]).header
    assert h["box"] == services.box_id and h["first"] == 1 and h["v"] == 1 and h["created"] > 0


def test_tampered_truncated_padded_and_foreign_batches_store_nothing(services, db, hub, tmp_path):
    produce(db, 50)
    data, _ = services.sync.next_batch()
    env = envelope.parse(data)
    body = bytearray(data)
    body[len(data) - 80] ^= 0x01  # a bit in the compressed body
    header_swap = data.replace(b'"first":1', b'"first":2')
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    stranger = Ed25519PrivateKey.generate()
    foreign = envelope.pack(envelope.UPLINK, env.header, env.body, stranger)  # claims our box id
    other_box = dict(env.header, box="box-unknown")
    unknown = envelope.pack(envelope.UPLINK, other_box, env.body, stranger)
    cases = {"tampered": bytes(body), "header": header_swap, "truncated": data[:-10], "cut body": data[:len(data) // 2],
             "padded": data + b"\0", "foreign": foreign, "unknown box": unknown, "empty": b""}
    for name, bad in cases.items():
        receipt = hub.receive(bad, "usb")
        assert receipt.status == "refused", name
    assert HubEntry.select().count() == 0
    assert HubBatch.select().where(HubBatch.status == "refused").count() == len(cases)
    assert hub.receive(data, "usb").status == "stored"
    assert HubEntry.select().count() == 50


def test_replayed_batches_change_nothing_and_conflicts_refuse_the_whole_batch(services, db, hub):
    produce(db, 30)
    first, _ = services.sync.next_batch()
    assert hub.receive(first, "mqtt").new == 30
    again = hub.receive(first, "mqtt")
    assert again.status == "duplicate" and again.new == 0 and again.acked == 30
    # A batch that overlaps what the hub has, with one entry whose uuid differs: refused whole.
    produce(db, 10, start=30)
    entries = services.sync.pending(0, 100)
    entries[5].uuid = "00000000-0000-0000-0000-000000000000"
    forged, _ = batchfmt.build(entries, services.box_id, services.sync.key, 1 << 20)
    receipt = hub.receive(forged, "mqtt")
    assert receipt.status == "refused" and "differs" in receipt.reason
    assert HubEntry.select().count() == 30  # entries 31..40 of the refused batch were not stored


def test_out_of_order_batches_are_acked_selectively_and_not_resent(config, services, db, hub):
    config.sync.batch_max_entries = 10
    produce(db, 30)
    b1, _ = services.sync.next_batch(after=0)
    b2, _ = services.sync.next_batch(after=10)
    b3, _ = services.sync.next_batch(after=20)
    hub.receive(b3, "mqtt")
    hub.receive(b1, "mqtt")
    services.sync.handle_ack(hub.ack_bytes(services.box_id), "mqtt")
    assert services.sync.acked() == 10
    assert [e.seq for e in services.sync.pending(0, 100)] == list(range(11, 21))  # 21..30 are at the hub
    hub.receive(b2, "mqtt")
    services.sync.handle_ack(hub.ack_bytes(services.box_id), "mqtt")
    assert services.sync.acked() == 30 and services.sync.backlog() == 0


def test_acks_from_a_stranger_or_for_another_box_are_refused(services, db, hub):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from appliance.errors import LinliError

    produce(db, 5)
    fake = envelope.pack(envelope.ACK, {"v": 1, "hub": "district-1", "box": services.box_id, "acked": 5,
                                        "ranges": []}, b"", Ed25519PrivateKey.generate())
    with pytest.raises(LinliError):
        services.sync.handle_ack(fake, "mqtt")
    other = envelope.pack(envelope.ACK, {"v": 1, "hub": "district-1", "box": "box-other", "acked": 5,
                                         "ranges": []}, b"", hub.key)
    with pytest.raises(LinliError):
        services.sync.handle_ack(other, "mqtt")
    assert services.sync.backlog() == 5


def test_box_key_is_private_to_the_data_folder(services, linli_home):
    key = linli_home / "box_ed25519.pem"  # one box key, shared with the signed QR passes
    assert key.stat().st_mode & 0o777 == 0o600
    assert public_text(services.sync.key) == services.sync.public_key


def test_over_the_data_budget_only_urgent_entries_leave(config, services, db, hub):
    from appliance.sync import state

    config.sync.data_budget_mb = 0.001  # 1000 bytes
    with db.atomic():
        for i in range(20):
            append("access.event", {"n": i}, priority=7)
        append("incident.fire_lane", {"plate": "京A12345"}, priority=5)
    state.add_usage(2000)
    assert services.sync.over_budget()
    data, entries = services.sync.next_batch(urgent_only=services.sync.over_budget())
    assert [e.kind for e in entries] == ["incident.fire_lane"]
    assert b"fire_lane" in zlib.decompress(envelope.parse(data).body)


def test_a_forged_status_cannot_stop_the_hubs_downlink(services, hub):
    """#11 item 12: the retained status topic is unsigned; a large down_ack in it once made
    the hub send the box nothing more (notices, revocations, watches, settings), for good."""
    box = services.box_id
    hub.queue_downlink([box], "notice", {"uuid": "n-1", "title": "停水通知"})
    hub.queue_downlink([box], "revoke", {"credential": "card:0415", "reason": "lost"})
    hub.box_status(box, {"state": "online", "backlog": 0, "down_ack": 10**12})
    assert [i["s"] for i in hub.pending_downlink(box)[1]] == [1, 2]
    # The box applies the bundle and says so in a signed batch; the hub then stops resending.
    assert services.sync.handle_downlink(hub.downlink_bytes(box), "mqtt")["applied"] == 2
    assert services.sync.down_ack_owed()
    assert hub.receive(services.sync.down_ack_batch(), "mqtt", topic_box=box).status == "stored"
    assert hub.pending_downlink(box) == (2, [])
    services.sync.handle_ack(hub.ack_bytes(box), "mqtt")
    assert not services.sync.down_ack_owed()
    # A third item still reaches the box although someone keeps claiming it has it.
    hub.queue_downlink([box], "plate_watch", {"plate": "京A12345", "reason": "stolen"})
    hub.box_status(box, {"state": "online", "down_ack": 3})
    assert [i["s"] for i in hub.pending_downlink(box)[1]] == [3]


def test_a_signed_down_ack_never_skips_items_not_yet_queued(services, hub, db):
    from appliance.sync import batch as batchfmt

    box = services.box_id
    hub.queue_downlink([box], "notice", {"uuid": "n-1", "title": "停水通知"})
    data, _ = batchfmt.build([], box, services.sync.key, 4096, down_ack=50)
    assert hub.receive(data, "usb", topic_box=box).status == "stored"
    hub.queue_downlink([box], "notice", {"uuid": "n-2", "title": "停电通知"})
    assert [i["s"] for i in hub.pending_downlink(box)[1]] == [2]


def test_an_unsigned_down_ack_on_the_stick_is_refused(services, hub, tmp_path):
    """The USB path carries the down-ack in status.lnb, a signed empty batch: a forged one
    (signed with another key) changes nothing."""
    from appliance.hub.usb import import_stick
    from appliance.sync import batch as batchfmt
    from appliance.sync.keys import load_or_create_private_key

    box = services.box_id
    hub.queue_downlink([box], "notice", {"uuid": "n-1", "title": "停水通知"})
    forger = load_or_create_private_key(tmp_path / "forger.pem")
    data, _ = batchfmt.build([], box, forger, 4096, down_ack=10**6)
    (tmp_path / "stick" / "linli" / box).mkdir(parents=True)
    (tmp_path / "stick" / "linli" / box / "status.lnb").write_bytes(data)
    report = import_stick(hub, tmp_path / "stick")
    assert report["refused"] and [i["s"] for i in hub.pending_downlink(box)[1]] == [1]
    assert (tmp_path / "stick" / "linli" / box / "down.lnd").exists()
