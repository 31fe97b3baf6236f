"""ONVIF camera discovery over real UDP: the finder sends a WS-Discovery Probe to a simulated
camera network bound on loopback (multicast is not available everywhere), which answers with
genuine ProbeMatches envelopes and records the probes it got."""

from __future__ import annotations

import time

import pytest

from appliance.errors import LinliError
from appliance.system.onvif import CameraFinder, parse_matches, parse_target, probe_message
from appliance.system.onvif_sim import SimCamera, SimulatedOnvifNetwork, probe_matches
from tests.system.conftest import EAST, PARK


def finder_for(net, timeout_s=1.0) -> CameraFinder:
    return CameraFinder(parse_target(net.target), timeout_s=timeout_s)


def test_finds_the_camera_and_the_probe_is_a_real_onvif_probe(onvif_cameras):
    found = finder_for(onvif_cameras).find()
    assert [(c.host, c.name, c.hardware) for c in found] == [("192.168.1.64", "HIKVISION DS-2CD2T47",
                                                             "DS-2CD2T47G2-L")]
    assert found[0].xaddrs == ("http://192.168.1.64/onvif/device_service",)
    assert found[0].endpoint == f"urn:uuid:{EAST.uuid}"
    # The probe was sent twice (UDP may drop one), both parsed by the camera as a proper Probe.
    probes = onvif_cameras.history
    assert len(probes) == 2 and all(p["valid"] and p["types"] == ["dn:NetworkVideoTransmitter"] for p in probes)
    assert probes[0]["message_id"].startswith("urn:uuid:") and probes[0]["message_id"] == probes[1]["message_id"]
    # Two answers to the two probes: the camera is listed once.
    assert len(found) == 1


def test_two_cameras_and_the_stream_address_needs_the_login(onvif_cameras):
    onvif_cameras.cameras.append(PARK)
    found = finder_for(onvif_cameras).find()
    assert [c.host for c in found] == ["192.168.1.108", "192.168.1.64"]
    dahua, hik = found
    assert hik.stream_address("admin", "p@ss:1") == "rtsp://admin:p%40ss%3A1@192.168.1.64:554/Streaming/Channels/101"
    assert dahua.stream_address() == "rtsp://192.168.1.108:554/cam/realmonitor?channel=1&subtype=0"


def test_broken_and_stray_replies_are_ignored(onvif_cameras):
    other = probe_matches(PARK, "urn:uuid:11111111-2222-4333-8444-555555555555", "urn:uuid:x")
    onvif_cameras.extra_replies = [
        b"\x00\xffnot xml at all",
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>',
        other,  # a reply to someone else's probe
        probe_matches(EAST, "{relates_to}", "urn:uuid:y")[:-40],  # cut short
        probe_matches(SimCamera("abc", "", "no address"), "{relates_to}", "urn:uuid:z"),
        probe_matches(SimCamera("def", "10.0.0.9", "a printer", types="pr:Printer"), "{relates_to}", "urn:uuid:w"),
    ]
    found = finder_for(onvif_cameras).find()
    assert [c.host for c in found] == ["192.168.1.64"]


def test_no_camera_answers_within_the_timeout(onvif_cameras):
    onvif_cameras.cameras.clear()
    started = time.monotonic()
    assert finder_for(onvif_cameras, timeout_s=0.8).find() == []
    assert 0.7 < time.monotonic() - started < 1.5
    assert len(onvif_cameras.history) == 2


def test_the_default_target_is_the_multicast_group_and_bad_targets_are_refused():
    assert CameraFinder().target == ("239.255.255.250", 3702)
    for bad in ("", "239.255.255.250", "host:0", "host:99999", ":3702", "a:b"):
        with pytest.raises(ValueError):
            parse_target(bad)
    with pytest.raises(LinliError):
        CameraFinder(("256.1.1.1", 3702), timeout_s=0.2).find()


def test_parser_only_takes_matches_to_our_probe():
    message = probe_message("urn:uuid:0b1c2d3e-0000-4000-8000-000000000001")
    assert b"dn:NetworkVideoTransmitter" in message and b"xmlns:dn=" in message
    reply = probe_matches(EAST, "urn:uuid:0b1c2d3e-0000-4000-8000-000000000001", "urn:uuid:r")
    assert len(parse_matches(reply, "urn:uuid:0b1c2d3e-0000-4000-8000-000000000001")) == 1
    assert parse_matches(reply, "urn:uuid:other") == []
    assert parse_matches(message, "urn:uuid:0b1c2d3e-0000-4000-8000-000000000001") == []  # a Probe is no reply
    with pytest.raises(ValueError):
        probe_message("urn:uuid:<x>")


def test_finds_the_camera_through_the_multicast_group():
    # The box's default path: the probe goes to 239.255.255.250 and the camera, joined to the
    # group, answers by unicast. A port of our own keeps parallel runs apart.
    try:
        net = SimulatedOnvifNetwork([PARK], group="239.255.255.250")
    except OSError as exc:  # a machine with no multicast route at all: the loopback tests above still run
        pytest.skip(f"no multicast on this machine: {exc}")
    with net:
        found = CameraFinder(("239.255.255.250", net.address[1]), timeout_s=1.0).find()
    assert [c.host for c in found] == ["192.168.1.108"] and net.history[0]["valid"]


def test_a_bad_discovery_address_in_config_is_named(tmp_path):
    from appliance.config import build_config

    problems = build_config({"system": {"onvif_discovery": "239.255.255.250"}}, tmp_path).problems
    assert any(p.startswith("system.onvif_discovery") for p in problems)
    assert not build_config({"system": {"onvif_discovery": "192.168.2.64:3702"}}, tmp_path).problems
