"""Updates over MQTT: the hub's ``offer-update --mqtt`` puts a signed bundle on each box's
retained chunk topics and queues the signed offer; a real box on a real mosquitto (with the
hub's per-box logins and ACL) fetches it within its data budget, checks it and stages it,
and nothing installs without the admin's tap unless ``[system] auto_update``."""

from __future__ import annotations

import io
import os
import secrets
import subprocess
import tarfile
import time

import paho.mqtt.client as mqtt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from paho.mqtt.enums import CallbackAPIVersion

from appliance.config import load_config
from appliance.hub.broker import write_broker_files
from appliance.runtime import build_runtime
from appliance.sync import state
from appliance.sync.updates import CHUNK_BYTES, BadOffer, check_offer
from tests.sync.conftest import Pair, box_config, hub_config, wait_for, write_config
from tests.sync.realparts import REPO, Mosquitto, linli_cmd, spawn

pytestmark = pytest.mark.slow
HUB_USER = "linli-hub"


def big_bundle(tmp_path, key, version: str):
    """A signed bundle of about 2.4 chunks (random bytes do not compress)."""
    from appliance.system.bundle import make_bundle

    payload = tmp_path / f"payload-{version}.tar.gz"
    with tarfile.open(payload, "w:gz") as tar:
        for name, data in (("serve.py", b"print('ok')\n"), ("HEALTH", b"ok"),
                           ("blob.bin", secrets.token_bytes(CHUNK_BYTES * 2 + 100_000))):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return make_bundle(tmp_path / f"in-{version}.lub", payload, key, version)


def subscribe_once(port: int, user: str, password: str, topic: str, timeout: float = 3.0) -> list[bytes]:
    got = []
    c = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
    c.username_pw_set(user, password)
    c.on_message = lambda cl, u, m: got.append(m.payload)
    c.connect("127.0.0.1", port)
    c.subscribe(topic, qos=1)
    c.loop_start()
    deadline = time.monotonic() + timeout
    while not got and time.monotonic() < deadline:
        time.sleep(0.05)
    c.loop_stop()
    c.disconnect()
    return got


@pytest.fixture
def district(tmp_path):
    """Two paired boxes, a hub with a worker login, mosquitto with the hub's passwd + ACL."""
    key = Ed25519PrivateKey.generate()
    keys = tmp_path / "update-keys"
    keys.mkdir()
    (keys / "district.pub").write_bytes(key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    conf = tmp_path / "broker"
    conf.mkdir()
    broker = Mosquitto(conf, extra=[f"password_file {conf / 'passwd'}", f"acl_file {conf / 'acl'}",
                                    "allow_anonymous false"])
    pairs = {b: Pair(tmp_path, box_id=b, port=broker.port) for b in ("box-a", "box-b")}
    hub = pairs["box-a"].open_hub()
    logins = {b: hub.new_box_login(b) for b in pairs}
    hub_password = secrets.token_urlsafe(12)
    write_broker_files(hub.broker_accounts(), conf, HUB_USER, hub_password)
    hub.db.close()
    system = f'[system]\nupdate_keys = "{keys}"\nboard = "rpi4"\n'
    for box_id, pair in pairs.items():
        budget = "data_budget_mb = 0.5\n" if box_id == "box-b" else ""
        write_config(pair.box_home, box_config(box_id, broker.port, f'mqtt_username = "{box_id}"\n'
                                               f'mqtt_password = "{logins[box_id]}"\n{budget}') + system)
    write_config(pairs["box-a"].hub_home, hub_config(broker.port) + f'mqtt_username = "{HUB_USER}"\n'
                 f'mqtt_password = "{hub_password}"\n' + system)
    broker.start()
    hub_log = tmp_path / "hub.log"
    proc = spawn(linli_cmd("hub", "run"), pairs["box-a"].hub_home, hub_log)
    wait_for(lambda: "receiving" in hub_log.read_text() or proc.poll() is not None, 20, "hub start")
    assert proc.poll() is None, hub_log.read_text()
    yield {"key": key, "broker": broker, "pairs": pairs, "logins": logins, "hub_home": pairs["box-a"].hub_home,
           "hub_log": hub_log}
    proc.terminate()
    proc.wait(10)
    broker.stop()


def offer(district, bundle, *boxes: str) -> subprocess.CompletedProcess:
    args = [a for b in boxes for a in ("--mqtt", b)]
    return subprocess.run(linli_cmd("hub", "offer-update", str(bundle), *args), cwd=REPO, capture_output=True,
                          text=True, env=dict(os.environ, LINLI_HOME=str(district["hub_home"])), timeout=120)


def test_an_update_sent_over_mqtt_is_staged_and_waits_for_the_tap(tmp_path, district):
    bundle = big_bundle(tmp_path, district["key"], "0.5.0")
    size = bundle.stat().st_size
    sent = offer(district, bundle, "all")
    assert sent.returncode == 0, sent.stdout + sent.stderr

    # The ACL: box-b's login cannot read box-a's chunks, box-a's own login can.
    broker, logins = district["broker"], district["logins"]
    assert subscribe_once(broker.port, "box-b", logins["box-b"], "linli/v1/box-a/update/#") == []
    first = subscribe_once(broker.port, "box-a", logins["box-a"], "linli/v1/box-a/update/0.5.0/0")
    assert first == [bundle.read_bytes()[:CHUNK_BYTES]]

    pair = district["pairs"]["box-a"]
    rt = build_runtime(load_config(pair.box_home), immediate_tasks=True, hardware=False)
    try:
        rt.start_sync()
        staged = pair.box_home / "updates" / "staged" / "linli-0.5.0.lub"
        wait_for(staged.exists, 60, "the bundle staged over MQTT")
        assert staged.read_bytes() == bundle.read_bytes()
        events = [e[1] for e in rt.services.sync.channels["mqtt"].events]
        assert events.count("update-fetch") == 3 and "update-staged" in events
        assert state.usage_this_month() >= size  # the download counts in the 4G budget
        assert not (pair.box_home / "updates" / "incoming" / "0.5.0").exists()

        system = rt.services.system
        listed = [b for b in system.stick_bundles() if b.ok]
        assert [(b.version, b.path) for b in listed] == [("0.5.0", staged)]
        assert system.stage_updates() is None and system.update_launcher.history == []  # the admin's tap
        system.auto_update = True
        assert system.stage_updates() == "0.5.0"
        assert system.update_launcher.history == [str(staged)]
    finally:
        rt.close()


def test_a_box_on_a_small_data_budget_waits_then_fetches_once_it_fits(tmp_path, district):
    pair_b = district["pairs"]["box-b"]
    bundle = big_bundle(tmp_path, district["key"], "0.5.0")
    assert offer(district, bundle, "box-b").returncode == 0

    rt = build_runtime(load_config(pair_b.box_home), immediate_tasks=True, hardware=False)
    try:
        rt.start_sync()
        receiver = rt.services.sync.update_receiver
        wait_for(lambda: receiver.offer() is not None, 30, "the offer applied")
        wait_for(lambda: ("waits-budget", "0.5.0") in receiver.history, 10, "the budget refusal")
        time.sleep(2)
        events = [e[1] for e in rt.services.sync.channels["mqtt"].events]
        assert "update-fetch" not in events  # 0.5 MB budget: 0.4 MB for updates < the 0.6 MB bundle
        assert not (pair_b.box_home / "updates" / "staged").exists()
        assert state.usage_this_month() < 100_000
    finally:
        rt.close()

    # The budget raised: the box fetches. (A bundle signed by a key nobody trusts never gets that far.)
    text = (pair_b.box_home / "config.toml").read_text().replace("data_budget_mb = 0.5", "data_budget_mb = 0")
    write_config(pair_b.box_home, text)
    forged = big_bundle(tmp_path, Ed25519PrivateKey.generate(), "0.6.0")
    refused = offer(district, forged, "box-b")  # the hub offers only what the boxes will accept
    assert refused.returncode != 0 and "0.6.0" not in refused.stdout
    rt = build_runtime(load_config(pair_b.box_home), immediate_tasks=True, hardware=False)
    try:
        rt.start_sync()
        staged = pair_b.box_home / "updates" / "staged" / "linli-0.5.0.lub"
        wait_for(staged.exists, 60, "the bundle staged once the budget allows")
        assert staged.read_bytes() == bundle.read_bytes()
    finally:
        rt.close()


def test_a_download_cut_off_resumes_at_the_missing_chunk(tmp_path, district):
    pair = district["pairs"]["box-a"]
    bundle = big_bundle(tmp_path, district["key"], "0.7.0")
    assert offer(district, bundle, "box-a").returncode == 0
    rt = build_runtime(load_config(pair.box_home), immediate_tasks=True, hardware=False)
    try:
        sync = rt.services.sync
        keep = sync.take_update_chunk
        # The 4G link gives out after the first chunk: later ones never arrive.
        sync.take_update_chunk = lambda name, payload: keep(name, payload) if name.endswith("/0") else False
        rt.start_sync()
        wait_for(lambda: sync.update_receiver.offer() is not None and sync.update_receiver.missing() == [1, 2],
                 30, "the first chunk")
    finally:
        rt.close()
    used = _usage(pair)

    rt = build_runtime(load_config(pair.box_home), immediate_tasks=True, hardware=False)
    try:
        rt.start_sync()
        staged = pair.box_home / "updates" / "staged" / "linli-0.7.0.lub"
        wait_for(staged.exists, 60, "the bundle staged once the link is back")
        assert staged.read_bytes() == bundle.read_bytes()
        fetched = [e[2] for e in rt.services.sync.channels["mqtt"].events if e[1] == "update-fetch"]
        assert fetched == ["0.7.0/1", "0.7.0/2"]  # the stored chunk is not fetched again
        # The month's usage grows by the missing chunks, not the whole bundle again; the box's own
        # small uplink (a status, a batch) after the reconnect is counted too, so not "exactly".
        missing = bundle.stat().st_size - CHUNK_BYTES
        assert missing <= state.usage_this_month() - used < missing + CHUNK_BYTES
    finally:
        rt.close()


def _usage(pair) -> int:
    rt = build_runtime(load_config(pair.box_home), immediate_tasks=True, hardware=False)
    try:
        return state.usage_this_month()
    finally:
        rt.close()


def test_a_bundle_that_fails_the_check_is_not_staged_nor_fetched_again(tmp_path):
    import hashlib

    from appliance.sync.updates import UpdateReceiver, record_offer, split
    from appliance.errors import LinliError

    home = tmp_path / "box"
    home.mkdir()
    write_config(home, box_config("box-z", None))
    rt = build_runtime(load_config(home), immediate_tasks=True, hardware=False)
    try:
        data = secrets.token_bytes(CHUNK_BYTES + 5)
        checked = []

        def check(path):
            checked.append(path.read_bytes() == data)
            raise LinliError("The update bundle is not signed by a trusted key.")

        receiver = UpdateReceiver(home, check, lambda: 0)
        record_offer({"version": "0.9.0", "sha256": hashlib.sha256(data).hexdigest(), "size": len(data),
                      "chunks": 2})
        assert receiver.missing() == [0, 1]
        for i, chunk in enumerate(split(data)):
            whole = receiver.take(f"linli/v1/box-z/update/0.9.0/{i}", chunk)
        assert whole and receiver.assemble() is None and checked == [True]
        assert not list((home / "updates").rglob("*.lub*"))
        assert receiver.missing() == [] and not receiver.may_fetch()  # not fetched again on the budget
        assert receiver.history[-1][0] == "refused"
        # A chunk of the wrong length (or another version's) is not stored.
        record_offer({"version": "1.0.0", "sha256": "0" * 64, "size": len(data), "chunks": 2})
        assert not receiver.take("linli/v1/box-z/update/1.0.0/1", b"four")
        assert not receiver.take("linli/v1/box-z/update/0.9.0/1", data[CHUNK_BYTES:])
        assert receiver.missing() == [0, 1]
    finally:
        rt.close()


def test_an_offer_with_a_bad_field_is_refused():
    good = {"version": "0.5.0", "sha256": "a" * 64, "size": CHUNK_BYTES + 1, "chunks": 2}
    assert check_offer(good)["chunks"] == 2
    for field, value in (("version", "../etc"), ("sha256", "x"), ("size", -1), ("chunks", 1)):
        with pytest.raises(BadOffer):
            check_offer(dict(good, **{field: value}))
