"""The broker keeps an offered bundle only while a box needs it: once a box reports it staged,
the hub clears that box's retained chunks (another box's stay until it has them); and
``offer-update --withdraw V --mqtt`` clears them at once and sends the signed withdrawal, so a
box drops what it fetched. Real mosquitto with the hub's logins and ACL, a real hub process."""

from __future__ import annotations

import os
import subprocess
import time

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from appliance.config import load_config
from appliance.runtime import build_runtime
from appliance.sync.report import update_download
from appliance.sync.updates import split
from tests.sync.conftest import wait_for
from tests.sync.realparts import REPO, linli_cmd
from tests.sync.test_update_mqtt import big_bundle, district, offer  # noqa: F401 (district: the fixture)

pytestmark = pytest.mark.slow


def retained(district, box: str, version: str, timeout: float = 1.5) -> list[bytes]:
    """Every piece the broker still holds on the box's chunk topics (read with the box's own
    login, listening for ``timeout`` seconds)."""
    got = []
    c = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
    c.username_pw_set(box, district["logins"][box])
    c.on_message = lambda cl, u, m: got.append(m.payload)
    c.connect("127.0.0.1", district["broker"].port)
    c.subscribe(f"linli/v1/{box}/update/{version}/#", qos=1)
    c.loop_start()
    time.sleep(timeout)
    c.loop_stop()
    c.disconnect()
    return got


def test_the_hub_clears_a_box_s_chunks_once_it_reports_the_update_staged(tmp_path, district):
    bundle = big_bundle(tmp_path, district["key"], "0.5.0")
    assert offer(district, bundle, "all").returncode == 0
    assert len(retained(district, "box-a", "0.5.0")) == 3 and len(retained(district, "box-b", "0.5.0")) == 3

    pair = district["pairs"]["box-a"]
    rt = build_runtime(load_config(pair.box_home), immediate_tasks=True, hardware=False)
    try:
        rt.start_sync()
        wait_for((pair.box_home / "updates" / "staged" / "linli-0.5.0.lub").exists, 60, "staged")
        assert update_download(rt.services.sync)["state"] == "staged"
        wait_for(lambda: retained(district, "box-a", "0.5.0", 1.0) == [], 30, "box-a's chunks cleared")
    finally:
        rt.close()
    # box-b has not fetched its copy yet: the broker still holds all three pieces of it.
    assert sorted(retained(district, "box-b", "0.5.0")) == sorted(split(bundle.read_bytes()))


def test_withdraw_clears_the_chunks_and_the_box_drops_its_partial_download(tmp_path, district):
    pair = district["pairs"]["box-a"]
    bundle = big_bundle(tmp_path, district["key"], "0.7.0")
    assert offer(district, bundle, "box-a").returncode == 0
    rt = build_runtime(load_config(pair.box_home), immediate_tasks=True, hardware=False)
    try:
        sync = rt.services.sync
        keep = sync.take_update_chunk
        # The 4G link gives out after the first piece: the box holds a partial download.
        sync.take_update_chunk = lambda name, payload: keep(name, payload) if name.endswith("/0") else False
        rt.start_sync()
        receiver = sync.update_receiver
        wait_for(lambda: receiver.offer() is not None and receiver.missing() == [1, 2], 30, "the first piece")
        assert update_download(sync)["have"] == 1
        assert (receiver.incoming / "0.7.0" / "0").exists()

        done = subprocess.run(linli_cmd("hub", "offer-update", "--withdraw", "0.7.0", "--mqtt", "all"), cwd=REPO,
                              capture_output=True, text=True, timeout=120,
                              env=dict(os.environ, LINLI_HOME=str(district["hub_home"])))
        assert done.returncode == 0, done.stdout + done.stderr
        assert retained(district, "box-a", "0.7.0") == []  # gone from the broker at once
        assert not list((district["hub_home"] / "hub" / "updates").glob("linli-0.7.0*"))

        wait_for(lambda: update_download(sync)["state"] == "withdrawn", 30, "the signed withdrawal applied")
        assert not (receiver.incoming / "0.7.0").exists()  # the partial download is dropped
        assert receiver.missing() == [] and ("withdrawn", "0.7.0") in receiver.history
    finally:
        rt.close()
