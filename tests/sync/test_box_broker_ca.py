"""The box takes the hub's broker CA from the pairing stick by itself and uses it for TLS to
a real mosquitto: nothing to copy by hand, and a stick from another district's CA (or a
certificate that is no CA) does not get the box onto this broker."""

from __future__ import annotations

import time

import pytest

from appliance.config import load_config
from appliance.hub.ca import make_broker_certs
from appliance.hub.service import HubService
from appliance.hub.store import open_hub_db
from appliance.hub.usb import write_pairing
from appliance.runtime import build_runtime
from appliance.sync.brokerca import BadBrokerCa
from appliance.sync.pairing import pair_from_stick
from tests.sync.conftest import box_config, wait_for, write_config
from tests.sync.realparts import Mosquitto

pytestmark = pytest.mark.slow


@pytest.fixture
def tls_broker(tmp_path):
    hub_home = tmp_path / "hub"
    made = make_broker_certs(hub_home / "hub" / "broker-ca", "district-1", ["127.0.0.1"])
    (tmp_path / "mq").mkdir()
    broker = Mosquitto(tmp_path / "mq", extra=[f"cafile {made['ca']}", f"certfile {made['cert']}",
                                               f"keyfile {made['key']}"])
    broker.start()
    yield broker, hub_home, made
    broker.stop()


def paired_box(tmp_path, name: str, stick, port: int):
    home = tmp_path / name
    home.mkdir()
    write_config(home, box_config(name, port, "mqtt_tls = true\n"))
    rt = build_runtime(load_config(home), immediate_tasks=True, hardware=False)
    return rt, home


def test_the_box_pins_the_ca_from_the_pairing_stick_and_connects_with_tls(tmp_path, tls_broker):
    broker, hub_home, made = tls_broker
    hub = HubService(open_hub_db("", hub_home), "district-1", hub_home)
    stick = tmp_path / "stick"
    write_pairing(hub, stick)
    hub.db.close()

    rt, home = paired_box(tmp_path, "box-a", stick, broker.port)
    try:
        result = pair_from_stick(rt.services.sync, stick)
        assert result["broker_ca"] and (home / "sync" / "broker-ca.pem").read_bytes() == made["ca"].read_bytes()
        rt.start_sync()
        channel = rt.services.sync.channels["mqtt"]
        assert channel.cfg.mqtt_ca_file == str(home / "sync" / "broker-ca.pem")
        wait_for(channel.connected.is_set, 15, "a TLS connection with the pinned CA")
    finally:
        rt.close()


def test_another_districts_ca_does_not_get_the_box_on(tmp_path, tls_broker):
    broker, hub_home, _made = tls_broker
    other_home = tmp_path / "other-hub"
    make_broker_certs(other_home / "hub" / "broker-ca", "elsewhere", ["127.0.0.1"])
    other = HubService(open_hub_db("", other_home), "district-2", other_home)
    stick = tmp_path / "other-stick"
    write_pairing(other, stick)
    other.db.close()

    rt, _home = paired_box(tmp_path, "box-b", stick, broker.port)
    try:
        pair_from_stick(rt.services.sync, stick)
        rt.start_sync()
        time.sleep(4)
        channel = rt.services.sync.channels["mqtt"]
        assert not channel.connected.is_set() and "connected" not in [e[1] for e in channel.events]
    finally:
        rt.close()


def test_a_certificate_that_is_no_ca_is_refused_and_nothing_is_pinned(tmp_path, tls_broker):
    broker, hub_home, made = tls_broker
    hub = HubService(open_hub_db("", hub_home), "district-1", hub_home)
    stick = tmp_path / "stick"
    write_pairing(hub, stick)
    hub.db.close()
    ca_on_stick = stick / "linli" / "pairing" / "broker-ca.pem"
    rt, home = paired_box(tmp_path, "box-c", stick, broker.port)
    try:
        for bad in (made["cert"].read_bytes(), b"-----BEGIN CERTIFICATE-----\ngarbage\n"):
            ca_on_stick.write_bytes(bad)  # the server's own certificate, then garbage
            with pytest.raises(BadBrokerCa):
                pair_from_stick(rt.services.sync, stick)
            assert not rt.services.sync.paired and not (home / "sync" / "broker-ca.pem").exists()
    finally:
        rt.close()
