"""The hub's own CA for the broker's TLS, on a real mosquitto: a client pinning the hub's CA
connects, one pinning another CA or reaching a name not in the certificate is refused, and
re-issuing keeps the CA boxes already pinned."""

from __future__ import annotations

import ssl
import threading

import paho.mqtt.client as mqtt
import pytest

from appliance.errors import LinliError
from appliance.hub.ca import make_broker_certs
from appliance.hub.service import HubService
from appliance.hub.store import open_hub_db
from appliance.hub.usb import write_pairing
from tests.sync.realparts import Mosquitto


def connect(port: int, ca, host: str = "127.0.0.1") -> str:
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
    client.tls_set(ca_certs=str(ca), cert_reqs=ssl.CERT_REQUIRED)
    done, result = threading.Event(), {}

    def on_connect(c, userdata, flags, reason_code, properties):
        result["rc"] = str(reason_code)
        done.set()

    client.on_connect = on_connect
    try:
        client.connect(host, port, keepalive=5)
    except (ssl.SSLError, OSError) as exc:
        return f"refused: {exc.__class__.__name__}"
    client.loop_start()
    done.wait(10)
    client.loop_stop()
    client.disconnect()
    return result.get("rc", "no answer")


def test_broker_tls_with_the_hubs_ca(tmp_path):
    made = make_broker_certs(tmp_path / "ca", "district-1", ["127.0.0.1", "localhost"])
    other = make_broker_certs(tmp_path / "other", "elsewhere", ["127.0.0.1"])
    assert oct((tmp_path / "ca" / "ca.key").stat().st_mode & 0o777) == "0o600"
    (tmp_path / "mq").mkdir()
    broker = Mosquitto(tmp_path / "mq", extra=[f"cafile {made['ca']}", f"certfile {made['cert']}",
                                               f"keyfile {made['key']}"])
    broker.start()
    try:
        assert connect(broker.port, made["ca"]) == "Success"
        assert connect(broker.port, made["ca"], host="localhost") == "Success"
        assert connect(broker.port, other["ca"]).startswith("refused")
        # Re-issued for a new address: same CA, so a box that pinned it still connects.
        again = make_broker_certs(tmp_path / "ca", "district-1", ["127.0.0.1", "hub.example"])
        assert again["fingerprint"] == made["fingerprint"]
        assert again["ca"].read_bytes() == made["ca"].read_bytes()
    finally:
        broker.stop()
    with pytest.raises(LinliError):
        make_broker_certs(tmp_path / "ca", "district-1", [])


def test_the_pairing_stick_carries_the_ca(tmp_path):
    hub = HubService(open_hub_db("", tmp_path), "district-1", tmp_path)
    try:
        made = make_broker_certs(tmp_path / "hub" / "broker-ca", "district-1", ["127.0.0.1"])
        stick = tmp_path / "stick"
        write_pairing(hub, stick)
        assert (stick / "linli" / "pairing" / "broker-ca.pem").read_bytes() == made["ca"].read_bytes()
    finally:
        hub.db.close()
