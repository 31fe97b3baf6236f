"""Kiosk face enrollment pages: separate unticked consent, capture from the box camera, withdrawal."""

from __future__ import annotations

import re
import time

import pytest

from appliance.db.models import FaceConsent, FaceTemplate
from tests.appliance.face_helpers import ReplayCamera, portrait_frames
from tests.conftest import csrf_token


def htmx_token(client, path: str) -> str:
    """The CSRF token htmx sends (from the page's hx-headers)."""
    html = client.get(path).get_data(as_text=True)
    return re.search(r'"X-CSRFToken": "([^"]+)"', html).group(1)


@pytest.fixture
def resident(services):
    building = services.registry.save_building({"name": "2号楼"}, "test")
    unit = services.registry.save_unit({"building_id": building.id, "number": "1单元201"}, "test")
    return services.registry.save_resident({"name": "欧先生", "unit_id": unit.id, "birth_year": 1961}, "test")


@pytest.fixture
def camera(services):
    cam = ReplayCamera(portrait_frames("obama.jpg", 6, seed=4))
    services.face.camera = cam
    return cam


def test_consent_page_states_the_notice_and_is_not_pre_ticked(client_as, resident):
    html = client_as("volunteer").get(f"/kiosk/face/{resident.id}/consent").get_data(as_text=True)
    for key in ("processor", "purpose", "data", "retention", "updates", "rights", "alternatives"):
        assert f'data-notice="{key}"' in html
    assert "最多三个" in html  # entries may add templates: said before anyone agrees
    checkbox = re.search(r'<input type="checkbox" name="agree"[^>]*>', html).group(0)
    assert "checked" not in checkbox
    assert "门卡" in html and "二维码" in html  # the alternatives (card, QR pass) are on the same screen


def kiosk_for(client_as, resident):
    """The kiosk device after the resident's PIN step (which lives with the gate)."""
    kiosk = client_as("kiosk")
    with kiosk.session_transaction() as s:
        s["kiosk_resident_id"] = resident.id
        s["kiosk_resident_until"] = time.time() + 60
    return kiosk


def test_kiosk_device_cannot_open_a_resident_who_did_not_identify(client_as, services, resident):
    other = services.registry.save_resident({"name": "拜先生", "unit_id": resident.household.unit.id}, "test")
    kiosk = kiosk_for(client_as, resident)
    assert kiosk.get(f"/kiosk/face/{resident.id}/consent").status_code == 200
    assert kiosk.get(f"/kiosk/face/{other.id}/consent").status_code == 403
    assert client_as("kiosk").get(f"/kiosk/face/{resident.id}/consent").status_code == 403


def test_submitting_without_ticking_records_no_consent(client_as, resident):
    kiosk = kiosk_for(client_as, resident)
    path = f"/kiosk/face/{resident.id}/consent"
    response = kiosk.post(path, data={"csrf_token": csrf_token(kiosk, path)})
    assert response.status_code == 400
    assert FaceConsent.select().count() == 0


def test_consent_then_enroll_then_withdraw_at_the_kiosk(client_as, resident, camera):
    kiosk = kiosk_for(client_as, resident)
    path = f"/kiosk/face/{resident.id}/consent"
    response = kiosk.post(path, data={"csrf_token": csrf_token(kiosk, path), "agree": "yes"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/kiosk/face/{resident.id}/enroll")
    consent = FaceConsent.get()
    assert consent.channel == "kiosk" and consent.given_by == "kiosk"

    page = kiosk.get(f"/kiosk/face/{resident.id}/enroll").get_data(as_text=True)
    assert "轻轻转一点点" in page  # small head turns give the gallery more than one view
    token = htmx_token(kiosk, f"/kiosk/face/{resident.id}/enroll")
    result = kiosk.post(f"/kiosk/face/{resident.id}/enroll", headers={"X-CSRFToken": token, "HX-Request": "true"})
    assert 'data-ok="yes"' in result.get_data(as_text=True)
    assert camera.reads >= 3 and FaceTemplate.select(FaceTemplate.resident).distinct().count() == 1  # one resident, a template per frame

    result = kiosk.post(f"/kiosk/face/{resident.id}/withdraw", headers={"X-CSRFToken": token, "HX-Request": "true"})
    assert 'data-ok="yes"' in result.get_data(as_text=True)
    assert FaceTemplate.select().count() == 0
    assert FaceConsent.get().withdrawn_at is not None


def test_enroll_page_sends_people_without_consent_to_the_consent_screen(client_as, resident):
    response = client_as("volunteer").get(f"/kiosk/face/{resident.id}/enroll")
    assert response.status_code == 302 and "/consent" in response.headers["Location"]


def test_a_bad_camera_view_gives_guidance_instead_of_an_enrollment(client_as, services, resident):
    import numpy as np

    services.face.camera = ReplayCamera([np.full((480, 640, 3), 30, np.uint8)])
    staff = client_as("volunteer")
    path = f"/kiosk/face/{resident.id}/consent"
    staff.post(path, data={"csrf_token": csrf_token(staff, path), "agree": "yes"})
    token = htmx_token(staff, f"/kiosk/face/{resident.id}/enroll")
    html = staff.post(f"/kiosk/face/{resident.id}/enroll", headers={"X-CSRFToken": token}).get_data(as_text=True)
    assert 'data-ok="no"' in html and FaceTemplate.select().count() == 0


def test_staff_see_enrolled_count_spread_reports_and_can_export_consents(client_as, services, resident, camera):
    face = services.face.service
    face.give_consent(resident.id, "volunteer", "staff", agreed=True)
    face.enroll(resident.id, camera.frames, "volunteer")
    staff = client_as("volunteer")
    html = staff.get("/face").get_data(as_text=True)
    assert 'data-testid="enrolled">1<' in html
    spread = re.search(r'data-testid="spread".*?</table>', html, re.S).group(0)
    assert re.search(r"<td>0\.9[5-9]</td><td>1</td>", spread)  # the genuine score of this enrollment
    token = csrf_token(staff, "/face")
    staff.post("/face/false-accepts", data={"csrf_token": token, "resident_id": resident.id, "event_ref": "东门 08:15",
                                            "note": "不是我"})
    assert "东门 08:15" in staff.get("/face").get_data(as_text=True)
    exported = staff.get("/face/consents.csv").get_data(as_text=True)
    assert str(resident.uuid) in exported and "staff" in exported
    face.withdraw(resident.id, "volunteer")
    exported = staff.get("/face/consents.csv").get_data(as_text=True)
    assert str(resident.uuid) in exported  # the record outlives the template
    assert client_as("district").get("/face").status_code == 403
