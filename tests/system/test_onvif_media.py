"""Asking a camera for its video address over real HTTP: GetCapabilities, GetProfiles and
GetStreamUri signed with a WS-Security password digest, against a simulated camera service
that checks the digest."""

from __future__ import annotations

import time

import pytest

from appliance.system.onvif_media import CameraNoAnswer, CameraRefused, parse_answer, stream_uri


def test_the_camera_gives_its_main_stream_with_the_login(onvif_service):
    uri = stream_uri(onvif_service.url, "admin", "Hik12345")
    assert uri == "rtsp://admin:Hik12345@127.0.0.1:554/Streaming/Channels/101?transportmode=unicast&profile=Profile_1"
    assert onvif_service.history == [("GetCapabilities", "admin", True), ("GetProfiles", "admin", True),
                                     ("GetStreamUri", "admin", True)]


def test_a_wrong_or_missing_password_is_refused(onvif_service):
    with pytest.raises(CameraRefused):
        stream_uri(onvif_service.url, "admin", "wrong")
    with pytest.raises(CameraRefused):
        stream_uri(onvif_service.url)
    assert onvif_service.history == [("GetCapabilities", "admin", False), ("GetCapabilities", "", False)]


def test_special_characters_in_the_login_are_quoted(onvif_service):
    onvif_service.password = "p@ss:w/rd"
    assert stream_uri(onvif_service.url, "admin", "p@ss:w/rd").startswith("rtsp://admin:p%40ss%3Aw%2Frd@127.0.0.1:554/")


def test_no_answer_is_reported_within_the_deadline():
    started = time.monotonic()
    with pytest.raises(CameraNoAnswer):
        stream_uri("http://127.0.0.1:9/onvif/device_service", "admin", "x", timeout_s=1.0)  # nothing listens
    with pytest.raises(CameraNoAnswer):
        stream_uri("file:///etc/passwd", "admin", "x")
    assert time.monotonic() - started < 2
    for garbage in (b"", b"<html>login</html>", b"<!DOCTYPE x><x/>", b"\xff\xfe"):
        with pytest.raises(CameraNoAnswer):
            parse_answer(garbage)


def test_a_camera_that_wants_http_digest_gets_it():
    from appliance.system.onvif_sim import SimulatedOnvifService

    with SimulatedOnvifService(http_digest=True) as service:
        assert stream_uri(service.url, "admin", "Hik12345").startswith("rtsp://admin:Hik12345@127.0.0.1:554/")
        assert [a for a, _u, ok in service.history if ok] == ["GetCapabilities", "GetProfiles", "GetStreamUri"]
        assert ("http digest", "", False) in service.history  # the challenge came first
        with pytest.raises(CameraRefused):
            stream_uri(service.url, "admin", "wrong")
