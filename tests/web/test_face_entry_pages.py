"""Kiosk face pages around the gate: the PIN step before a resident's own face settings, and
who may drive 刷脸进门."""

from __future__ import annotations

import re

import pytest

from tests.appliance.face_helpers import ReplayCamera, portrait_frames


def htmx_token(client, path: str) -> str:
    html = client.get(path).get_data(as_text=True)
    return re.search(r'"X-CSRFToken": "([^"]+)"', html).group(1)


def form_token(client, path: str) -> str:
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


@pytest.fixture
def resident(services):
    building = services.registry.save_building({"name": "6号楼"}, "test")
    unit = services.registry.save_unit({"building_id": building.id, "number": "2单元602"}, "test")
    return services.registry.save_resident({"name": "欧先生", "unit_id": unit.id, "move_in": "2020-01-01"}, "test")


def test_the_right_pin_opens_the_residents_own_face_pages_and_nothing_else(client_as, services, resident, runtime):
    pin = services.credentials.new_pin(resident.id, "volunteer")
    kiosk = client_as("kiosk")
    assert kiosk.get(f"/kiosk/face/{resident.id}/consent").status_code == 403
    token = form_token(kiosk, "/kiosk/face/")
    response = kiosk.post("/kiosk/face/", data={"pin": pin, "csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/kiosk/face/{resident.id}/enroll")
    assert kiosk.get(f"/kiosk/face/{resident.id}/consent").status_code == 200
    assert not runtime.services.access.gate.relay_energised  # proving who you are is not an entry
    kiosk.post("/kiosk/face/done", data={"csrf_token": token})
    assert kiosk.get(f"/kiosk/face/{resident.id}/consent").status_code == 403


def test_wrong_pins_at_the_face_page_count_towards_the_kiosk_lockout(client_as, services, resident):
    pin = services.credentials.new_pin(resident.id, "volunteer")
    kiosk = client_as("kiosk")
    token = form_token(kiosk, "/kiosk/face/")
    wrong = "000000" if pin != "000000" else "111111"
    for _ in range(services.config.access.pin_max_failures):
        response = kiosk.post("/kiosk/face/", data={"pin": wrong, "csrf_token": token})
        assert response.status_code == 400
    response = kiosk.post("/kiosk/face/", data={"pin": pin, "csrf_token": token})
    assert response.status_code == 400 and "次数过多" in response.get_data(as_text=True)
    assert not services.access.pin_attempt(pin, "kiosk").granted  # the gate's PIN pad waits too


def test_a_moved_out_resident_cannot_reach_face_pages_with_an_old_pin(client_as, services, resident):
    pin = services.credentials.new_pin(resident.id, "volunteer")
    resident.move_out = resident.move_in
    resident.save()
    kiosk = client_as("kiosk")
    token = form_token(kiosk, "/kiosk/face/")
    response = kiosk.post("/kiosk/face/", data={"pin": pin, "csrf_token": token})
    assert response.status_code == 400 and "已结束" in response.get_data(as_text=True)


def test_face_entry_is_for_the_kiosk_device_only(client_as, services):
    services.face.camera = ReplayCamera(portrait_frames("obama.jpg", 2))
    volunteer = client_as("volunteer")
    token = htmx_token(volunteer, "/")
    for path in ("/kiosk/face/entry/start", "/kiosk/face/entry/step"):
        assert volunteer.post(path, headers={"X-CSRFToken": token}).status_code == 403
    assert volunteer.get("/kiosk/face/").status_code == 403


def test_the_face_button_shows_only_with_a_camera(client_as, services):
    kiosk = client_as("kiosk")
    assert 'id="face-entry"' not in kiosk.get("/kiosk/").get_data(as_text=True)
    services.face.camera = ReplayCamera(portrait_frames("obama.jpg", 2))
    html = kiosk.get("/kiosk/").get_data(as_text=True)
    assert 'id="face-entry"' in html and "刷脸进门" in html


def test_a_step_without_an_attempt_shows_the_idle_prompt_and_logs_nothing(client_as, services):
    services.face.camera = ReplayCamera(portrait_frames("obama.jpg", 2))
    kiosk = client_as("kiosk")
    token = htmx_token(kiosk, "/kiosk/")
    response = kiosk.post("/kiosk/face/entry/step", headers={"X-CSRFToken": token, "HX-Request": "true"})
    assert response.status_code == 200 and 'class="kiosk-result idle"' in response.get_data(as_text=True)
    services.access.log.flush()
    from appliance.db.models import AccessEvent

    assert AccessEvent.select().count() == 0


def test_face_attempts_show_in_the_access_log_filter_and_export(client_as, services, resident):
    import io

    from openpyxl import load_workbook

    services.access.identified_attempt("face", None, "kiosk", refusal="face_liveness")
    services.access.identified_attempt("face", resident, "kiosk")
    services.access.pin_attempt("000000", "kiosk")
    services.access.log.flush()
    volunteer = client_as("volunteer")
    html = volunteer.get("/access/log?method=face").get_data(as_text=True)
    assert '<option value="face" selected>人脸</option>' in html
    assert "动作检测未通过" in html and "欧先生" in html and "密码错误" not in html
    book = load_workbook(io.BytesIO(volunteer.get("/access/log.xlsx?method=face").data))
    rows = list(book.active.iter_rows(values_only=True))[1:]
    assert sorted(r[1] for r in rows) == ["人脸", "人脸"] and len(rows) == 2
