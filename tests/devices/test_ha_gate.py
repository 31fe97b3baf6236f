"""The gate in Home Assistant: seen read-only by default; with ``ha_gate_control`` an unlock
from HA is a remote open with reason "Home Assistant", audited, with the admin site's rules."""

from __future__ import annotations

import pytest

from appliance.db.models import AuditLog
from tests.devices.test_homeassistant import FakeHomeAssistant, wait_for


@pytest.fixture
def ha(live_box, mosquitto):
    client = FakeHomeAssistant(mosquitto.port)
    yield client
    client.close()


def gate(rt):
    from appliance.access.setup import AccessFeature

    return rt.feature(AccessFeature).gate


def test_gate_is_read_only_by_default(live_box, ha):
    rt, feature = live_box
    box = rt.services.box_id
    assert wait_for(lambda: f"homeassistant/binary_sensor/{box}/gate/config" in ha.configs())
    config = ha.configs()[f"homeassistant/binary_sensor/{box}/gate/config"]
    assert config["device_class"] == "lock" and "command_topic" not in config
    assert f"homeassistant/lock/{box}/gate/config" not in ha.configs()
    assert wait_for(lambda: ha.last(f"linli/{box}/gate/state") == b"LOCKED")
    ha.client.publish(f"linli/{box}/gate/set", b"UNLOCK", qos=1)
    assert wait_for(lambda: any(r.startswith("gate:") for r in feature.service.bridge.refused))
    assert not gate(rt).relay_energised
    assert AuditLog.select().where(AuditLog.action == "remote_open").count() == 0


class TestWithControl:
    @pytest.fixture
    def devices_extra(self):
        return "ha_gate_control = true"

    def test_unlock_from_ha_is_an_audited_remote_open(self, live_box, ha):
        rt, feature = live_box
        box = rt.services.box_id
        assert wait_for(lambda: f"homeassistant/lock/{box}/gate/config" in ha.configs())
        config = ha.configs()[f"homeassistant/lock/{box}/gate/config"]
        assert config["command_topic"] == f"linli/{box}/gate/set" and config["payload_unlock"] == "UNLOCK"
        ha.client.publish(f"linli/{box}/gate/set", b"UNLOCK", qos=1)
        assert wait_for(lambda: gate(rt).relay_energised)
        audit = AuditLog.get(AuditLog.action == "remote_open")
        assert audit.actor == "Home Assistant" and "Home Assistant" in str(audit.detail)
        assert wait_for(lambda: ha.last(f"linli/{box}/gate/state") == b"UNLOCKED")
