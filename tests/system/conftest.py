"""Fixtures for the system feature's tests."""

from __future__ import annotations

import pytest

from appliance.system.onvif_sim import SimCamera, SimulatedOnvifNetwork

EAST = SimCamera("5f5a69c2-e0ae-504f-829b-00c0a8010140", "192.168.1.64", "HIKVISION DS-2CD2T47", "DS-2CD2T47G2-L")
PARK = SimCamera("7c1d2a4e-1111-4a2b-9c3d-3c1234567890", "192.168.1.108", "IPC-HFW2431S", "Dahua IPC-HFW2431S-S-S2")


@pytest.fixture
def onvif_cameras():
    """A camera (EAST) answering ONVIF discovery over real UDP on loopback; add or clear
    ``.cameras``, set ``.extra_replies``, read ``.history``."""
    with SimulatedOnvifNetwork([EAST]) as net:
        yield net


@pytest.fixture
def wizard_finds(services, onvif_cameras):
    """The wizard's camera search aimed at the simulated cameras (what `[system] onvif_discovery`
    does on a box)."""
    from appliance.system.onvif import CameraFinder, parse_target

    services.system.wizard.camera_finder = CameraFinder(parse_target(onvif_cameras.target), timeout_s=1.5)
    return onvif_cameras


@pytest.fixture
def onvif_service():
    """A camera's ONVIF device and media service on loopback HTTP (login admin / Hik12345)."""
    from appliance.system.onvif_sim import SimulatedOnvifService

    with SimulatedOnvifService() as service:
        yield service
