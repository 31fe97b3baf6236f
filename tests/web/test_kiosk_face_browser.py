"""End to end in headless Chromium: a replayed camera, the kiosk consent and enroll pages,
then the gate-side identifier on later frames (the gate relay hookup lives on the gate branch)."""

from __future__ import annotations

import pytest

from appliance.db.models import FaceConsent, FaceTemplate
from appliance.face.identifier import ACCEPTED, REFUSED
from tests.appliance.face_helpers import ReplayCamera, portrait_frames
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture
def resident(services):
    building = services.registry.save_building({"name": "3号楼"}, "test")
    unit = services.registry.save_unit({"building_id": building.id, "number": "2单元301"}, "test")
    return services.registry.save_resident({"name": "欧先生", "unit_id": unit.id, "birth_year": 1961}, "test")


def test_resident_consents_and_enrolls_at_the_kiosk_then_is_recognised(page, live_server, services, users,
                                                                       resident):
    services.face.camera = ReplayCamera(portrait_frames("obama.jpg", 6, seed=5))
    page.goto(f"{live_server}/login")
    # A volunteer runs the kiosk with the resident present (the resident-alone path starts
    # from the PIN step, which is part of the gate).
    page.fill("input[name=username]", "volunteer")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.goto(f"{live_server}/kiosk/face/{resident.id}/consent")
    assert not page.is_checked("#agree")
    page.click("#agree-submit")  # not ticked: refused, nothing recorded
    assert FaceConsent.select().count() == 0
    page.check("#agree")
    page.click("#agree-submit")
    page.wait_for_url(f"**/kiosk/face/{resident.id}/enroll")
    page.click("#enroll-start")
    page.wait_for_selector("[data-testid=face-result]")
    assert page.get_attribute("[data-testid=face-result]", "data-ok") == "yes"
    page.screenshot(path=str(services.config.home / "enrolled.png"))
    assert FaceTemplate.select(FaceTemplate.resident).distinct().count() == 1  # one resident, a template per frame

    identifier = services.face.identifier
    later = identifier.identify(portrait_frames("obama2.jpg", 8, seed=6), liveness=False)
    assert later.status == ACCEPTED and later.resident_id == resident.id
    stranger = identifier.identify(portrait_frames("biden.jpg", 8, seed=7), liveness=False)
    assert stranger.status == REFUSED and stranger.resident_id is None
    photo = identifier.identify(portrait_frames("obama2.jpg", 8, seed=6) * 15, liveness=True)
    assert photo.status == REFUSED
