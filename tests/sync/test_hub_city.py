"""The hub at city scale, behaviour only (figures are in bench/bench_hub.py): simulated boxes
with their own keys and broker logins, real mosquitto with the ACL the hub writes, hub worker
processes sharing the load on PostgreSQL."""

from __future__ import annotations

import threading

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from appliance.hub.models import HubBatch, HubBox, HubBoxDay, HubEntry
from bench.hub_load import LoadGenerator
from tests.sync.hubcity import WORKER_USER, City

pytestmark = pytest.mark.slow


@pytest.fixture
def city(tmp_path, postgres):
    c = City(tmp_path, postgres.create_db(f"city_{tmp_path.name[-20:].replace('-', '_').lower()}"))
    yield c
    c.close()


def test_fifty_boxes_through_two_workers_store_each_entry_once(city):
    gen = LoadGenerator(city.hub.public_key, 0, boxes=50, entries_per_box=60, per_batch=7, duplicate_share=0.2)
    gen.pair(city.hub)
    gen.port = city.start_broker().port
    city.start_workers(2)
    try:
        gen.connect()
        gen.status_all()
        result = gen.run(timeout=120)
    finally:
        gen.close()
        city.stop_workers()
    assert result.unacked_boxes == 0, f"{result.unacked_boxes} boxes never got their last ack"
    assert result.resent > 0  # some batches did arrive twice
    assert HubEntry.select().count() == 50 * 60
    per_box = {b.box_id: b.acked for b in HubBox.select()}
    assert set(per_box.values()) == {60}, per_box
    # Both workers stored batches: the shared subscription split the boxes' load.
    workers = {c for (c,) in HubBatch.select(HubBatch.channel).where(HubBatch.status == "stored").tuples()}
    assert workers == {"mqtt:w0", "mqtt:w1"}, workers
    # Every redelivered batch was recognised as such, not stored again.
    assert HubBatch.select().where(HubBatch.status == "duplicate").count() >= 1
    assert sum(d.entries for d in HubBoxDay.select()) == 50 * 60
    # The generator's payloads went through unchanged (a box's first entry, as it sent it).
    box = gen.boxes[3]
    first = HubEntry.get(HubEntry.box == box.box_id, HubEntry.seq == 1)
    assert (first.uuid, first.kind, first.payload) == (box.entries[0].uuid, box.entries[0].kind,
                                                      box.entries[0].payload)


def _client(port, user, password, client_id=None):
    c = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id or user, protocol=mqtt.MQTTv5)
    c.username_pw_set(user, password)
    connected = threading.Event()
    c.on_connect = lambda cl, u, f, rc, p: (connected.set() if not rc.is_failure else None)
    c.connect("127.0.0.1", port)
    c.loop_start()
    return c, connected


def _publish_result(client, topic_name, payload=b"x"):
    """The broker's PUBACK reason for a QoS 1 publish (MQTT 5 says why it refused)."""
    done = threading.Event()
    got = {}

    def on_publish(cl, userdata, mid, reason_code, properties):
        got["rc"] = reason_code
        done.set()

    client.on_publish = on_publish
    client.publish(topic_name, payload, qos=1)
    assert done.wait(10), "no PUBACK"
    return got["rc"]


def test_the_broker_keeps_boxes_apart_with_the_acl_the_hub_writes(city):
    gen = LoadGenerator(city.hub.public_key, 0, boxes=3, entries_per_box=1)
    gen.pair(city.hub)
    broker = city.start_broker()
    a, b = gen.boxes[0], gen.boxes[1]
    # What the hub worker would receive, listening as the workers do.
    seen = []
    hub, hub_up = _client(broker.port, WORKER_USER, city.worker_password, "linli-hub-probe")
    hub.on_message = lambda cl, u, m: seen.append(m.topic)
    assert hub_up.wait(10)
    hub.subscribe("linli/v1/+/up", qos=1)
    spy_msgs = []
    box_a, a_up = _client(broker.port, a.box_id, a.password)
    box_a.on_message = lambda cl, u, m: spy_msgs.append(m.topic)
    try:
        assert a_up.wait(10)
        import time
        time.sleep(0.5)
        # On its own topic a box is accepted ...
        assert not _publish_result(box_a, f"linli/v1/{a.box_id}/up").is_failure
        # ... on another box's topic the broker refuses it (MQTT 5 reason "not authorized").
        refused = _publish_result(box_a, f"linli/v1/{b.box_id}/up")
        assert refused.is_failure and refused.value == 135, refused
        # Nor does it get another box's acks or downlink, even subscribed to them (mosquitto
        # grants the subscription and checks each message against the ACL).
        box_a.subscribe([(f"linli/v1/{b.box_id}/ack", 1), (f"linli/v1/{b.box_id}/down", 1),
                         (f"linli/v1/{a.box_id}/ack", 1)])
        time.sleep(0.5)
        for leaf in ("ack", "down"):
            _publish_result(hub, f"linli/v1/{b.box_id}/{leaf}")
        _publish_result(hub, f"linli/v1/{a.box_id}/ack")
        deadline = time.monotonic() + 5
        while not spy_msgs and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.5)
        assert spy_msgs == [f"linli/v1/{a.box_id}/ack"], spy_msgs
        time.sleep(0.5)
        assert seen == [f"linli/v1/{a.box_id}/up"], seen
        # A wrong password, or a box no one paired, does not get in at all.
        stranger, stranger_up = _client(broker.port, b.box_id, "guessed")
        assert not stranger_up.wait(2)
        stranger.loop_stop()
    finally:
        for c in (hub, box_a):
            c.disconnect()
            c.loop_stop()


def test_a_box_paired_after_the_broker_started_gets_in_after_broker_config_reloads(city):
    from appliance.hub.broker import reload_broker, write_broker_files

    gen = LoadGenerator(city.hub.public_key, 0, boxes=2, entries_per_box=1)
    gen.boxes[0].password = city.hub.register_box(gen.boxes[0].box_id, gen.boxes[0].public_key)
    broker = city.start_broker()
    late = gen.boxes[1]
    late.password = city.hub.register_box(late.box_id, late.public_key)
    before, before_up = _client(broker.port, late.box_id, late.password)
    assert not before_up.wait(2)  # not in the broker's files yet
    before.loop_stop()
    write_broker_files(city.hub.broker_accounts(), broker.folder, WORKER_USER, city.worker_password)
    reload_broker(broker.folder / "mosquitto.pid")
    import time
    time.sleep(1)
    after, after_up = _client(broker.port, late.box_id, late.password)
    try:
        assert after_up.wait(10)
    finally:
        after.disconnect()
        after.loop_stop()


def test_a_worker_killed_mid_run_loses_nothing(city):
    import signal

    gen = LoadGenerator(city.hub.public_key, 0, boxes=20, entries_per_box=100, per_batch=5, resend_s=3.0,
                        duplicate_share=0.0)
    gen.pair(city.hub)
    gen.port = city.start_broker().port
    # The broker keeps routing to the dead worker's session until it expires; then the
    # boxes' resends reach the survivor.
    city.start_workers(2, session_expiry_s=3)
    killed = []

    def kill_one(done, total):
        if not killed and done > total * 0.2:
            city.workers[0].send_signal(signal.SIGKILL)  # no goodbye: mid-batch, mid-ack
            killed.append(done)

    try:
        gen.connect()
        result = gen.run(timeout=180, progress=kill_one)
    finally:
        gen.close()
        city.stop_workers()
    assert killed and killed[0] < 20 * 100, "the worker was not killed mid-run"
    assert result.unacked_boxes == 0
    assert HubEntry.select().count() == 20 * 100
    assert {b.acked for b in HubBox.select()} == {100}
    # The survivor took over: it stored batches after the kill.
    assert HubBatch.select().where(HubBatch.channel == "mqtt:w1").count() > 0
