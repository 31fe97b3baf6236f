"""Gate pages through the Flask test client: remote open, fire banner, simulated inputs,
resident credentials, visitor passes, the access log and its export, the kiosk endpoints."""

from __future__ import annotations

import io

import pytest
import segno
from openpyxl import load_workbook



def csrf_token(client, path: str) -> str:
    """From a form field, or from the htmx header on pages without forms (the kiosk)."""
    import re

    html = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token" value="([^"]+)"', html) or re.search(r'"X-CSRFToken": "([^"]+)"', html)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


@pytest.fixture
def resident(services):
    reg = services.registry
    b = reg.save_building({"name": "1号楼"}, "test")
    u = reg.save_unit({"building_id": b.id, "number": "1单元101"}, "test")
    return reg.save_resident({"name": "张三", "unit_id": u.id, "move_in": "2020-01-01"}, "test")


def post(client, url, data=None, page="/gate", **kw):
    data = dict(data or {})
    data["csrf_token"] = csrf_token(client, page)
    return client.post(url, data=data, **kw)


def test_volunteer_opens_remotely_with_a_reason_only(client_as, runtime):
    vol = client_as("volunteer")
    r = post(vol, "/gate/open", {"reason": ""})
    assert r.status_code == 400 and not runtime.services.access.gate.relay_energised
    r = post(vol, "/gate/open", {"reason": "帮老人开门"})
    assert r.status_code == 303 and runtime.services.access.gate.relay_energised
    page = vol.get(r.headers["Location"]).get_data(as_text=True)
    assert "志愿者" in page or "开" in page


def test_district_staff_see_the_gate_but_cannot_open_it(client_as, runtime, app):
    district = client_as("district")
    assert district.get("/gate").status_code == 200
    app.config["WTF_CSRF_ENABLED"] = False
    assert district.post("/gate/open", data={"reason": "test"}).status_code == 403
    assert not runtime.services.access.gate.relay_energised


def test_fire_alarm_banner_on_every_page_until_reset(client_as, runtime):
    vol = client_as("volunteer")
    assert "fire-banner" not in vol.get("/residents").get_data(as_text=True)
    post(vol, "/gate/simulate/fire_on")
    assert runtime.services.access.gate.relay_energised
    assert "fire-banner" in vol.get("/residents").get_data(as_text=True)
    r = post(vol, "/gate/fire/reset")
    assert r.status_code == 409 and runtime.services.access.gate.relay_energised
    post(vol, "/gate/simulate/fire_off")
    assert "fire-banner" in vol.get("/").get_data(as_text=True), "the banner stays until a person resets"
    assert post(vol, "/gate/fire/reset").status_code == 303
    assert not runtime.services.access.gate.relay_energised
    assert "fire-banner" not in vol.get("/residents").get_data(as_text=True)


def test_simulated_inputs_show_in_the_live_state_partial(client_as, runtime):
    vol = client_as("volunteer")
    state = vol.get("/gate/state", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert 'data-relay="locked"' in state
    post(vol, "/gate/simulate/exit", headers={"HX-Request": "true"})
    state = vol.get("/gate/state", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert 'data-relay="open"' in state
    post(vol, "/gate/simulate/door_open")
    assert runtime.services.access.gate.door_open
    assert post(vol, "/gate/simulate/nonsense").status_code == 404


def test_resident_page_issues_pin_card_and_printable_qr_that_work_at_the_kiosk(client_as, resident, runtime):
    vol = client_as("volunteer")
    page = f"/residents/{resident.id}"
    assert "access-box" in vol.get(page).get_data(as_text=True)
    r = post(vol, f"/residents/{resident.id}/access/pin", page=page, headers={"HX-Request": "true"})
    import re

    pin = re.search(r"(\d{6})", r.get_data(as_text=True)).group(1)
    assert post(vol, f"/residents/{resident.id}/access/card", {"card": "0099887766"}, page=page).status_code == 302
    bad = post(vol, f"/residents/{resident.id}/access/card", {"card": "12ab"}, page=page)
    assert bad.status_code == 400
    r = post(vol, f"/residents/{resident.id}/access/qr", page=page)
    assert r.status_code == 302
    printed = vol.get(r.headers["Location"]).get_data(as_text=True)
    assert "<svg" in printed
    payload = re.search(r'data-payload="([^"]+)"', printed).group(1)

    kiosk = client_as("kiosk")
    for url, field, value in (("/kiosk/pin", "pin", pin), ("/kiosk/scan", "code", "0099887766"),
                              ("/kiosk/scan", "code", payload)):
        html = post(kiosk, url, {field: value}, page="/kiosk/").get_data(as_text=True)
        assert 'data-granted="1"' in html, (url, value)


def test_visitor_pass_created_printed_and_used_once(client_as, services):
    vol = client_as("volunteer")
    r = post(vol, "/access/passes", {"note": "快递", "hours": "2", "max_uses": "1"}, page="/access/passes")
    assert r.status_code == 302
    import re

    payload = re.search(r'data-payload="([^"]+)"', vol.get(r.headers["Location"]).get_data(as_text=True)).group(1)
    kiosk = client_as("kiosk")
    first = post(kiosk, "/kiosk/scan", {"code": payload}, page="/kiosk/").get_data(as_text=True)
    again = post(kiosk, "/kiosk/scan", {"code": payload}, page="/kiosk/").get_data(as_text=True)
    assert 'data-granted="1"' in first and 'data-granted="0"' in again and "用完" in again
    assert post(vol, "/access/passes", {"hours": "9999", "max_uses": "1"}, page="/access/passes").status_code == 400


@pytest.mark.parametrize("field,value", [("pin", "1" * 5000), ("pin", "\x00\xff"), ("code", "LQ1:" + "x" * 9000),
                                         ("code", "'; DROP TABLE access_event; --"), ("code", "")])
def test_kiosk_bad_input_is_refused_never_a_server_error(client_as, field, value):
    kiosk = client_as("kiosk")
    url = "/kiosk/pin" if field == "pin" else "/kiosk/scan"
    r = post(kiosk, url, {field: value}, page="/kiosk/")
    assert r.status_code == 200 and 'data-granted="0"' in r.get_data(as_text=True)


def test_kiosk_camera_frame_with_a_pass_opens_and_garbage_frames_do_not(client_as, services):
    _vp, code = services.credentials.create_pass("volunteer", None, hours=1, max_uses=1)
    png = io.BytesIO()
    segno.make(code, error="m").save(png, kind="png", scale=6, border=4)
    kiosk = client_as("kiosk")
    r = post(kiosk, "/kiosk/frame", {"frame": (io.BytesIO(png.getvalue()), "f.png")}, page="/kiosk/",
             content_type="multipart/form-data")
    assert r.status_code == 200 and 'data-granted="1"' in r.get_data(as_text=True)
    r = post(kiosk, "/kiosk/frame", {"frame": (io.BytesIO(b"not an image"), "f.jpg")}, page="/kiosk/",
             content_type="multipart/form-data")
    assert r.status_code == 204


def test_access_log_filters_and_excel_export(client_as, services, resident, credentials):
    access = services.access
    pin = credentials.new_pin(resident.id, "test")
    access.pin_attempt(pin, "kiosk")
    access.pin_attempt("000000" if pin != "000000" else "111111", "kiosk")
    access.scan("garbage", "kiosk")
    vol = client_as("volunteer")
    html = vol.get("/access/log").get_data(as_text=True)
    assert html.count("<tr class=") == 3 and "张三" in html
    refused = vol.get("/access/log?result=refused&method=pin").get_data(as_text=True)
    assert refused.count("<tr class=") == 1
    assert vol.get("/access/log?date_from=notadate&method=<x>&page=abc").status_code == 400  # named, not a 500
    r = vol.get("/access/log.xlsx?result=granted")
    assert r.status_code == 200
    sheet = load_workbook(io.BytesIO(r.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 2 and rows[1][4] == "张三" and rows[1][2] == "通过"


def test_healthz_reports_the_gate(client):
    body = client.get("/healthz").get_json()
    assert body["subsystems"]["gate"]["ok"] and "上锁" in body["subsystems"]["gate"]["detail"]  # Chinese by default


def test_guest_pass_from_the_resident_page_names_the_host(client_as, resident, services):
    vol = client_as("volunteer")
    page = f"/residents/{resident.id}"
    r = post(vol, f"/residents/{resident.id}/access/pass", {"note": "女儿", "hours": "24", "max_uses": "2"}, page=page)
    assert r.status_code == 302 and "/access/passes/" in r.headers["Location"]
    vp = services.credentials.passes()[0]["pass"]
    assert vp.host_id == resident.id and vp.max_uses == 2 and vp.note == "女儿"


def test_the_access_log_shows_waiting_rows_first_without_writing_them(client_as, services, resident, credentials):
    from appliance.db.models import AccessEvent

    access = services.access
    pin = credentials.new_pin(resident.id, "test")
    access.scan("stored garbage", "kiosk")
    access.log.flush()
    stored = AccessEvent.select().count()
    access.pin_attempt(pin, "kiosk")  # waits in the journal
    assert access.log.pending() == 1
    vol = client_as("volunteer")
    html = vol.get("/access/log").get_data(as_text=True)
    assert html.count("<tr class=") == stored + 1
    assert "张三" in html.split("<tr class=")[1]  # the waiting row comes first: it is the newest
    assert vol.get("/access/log?q=张").get_data(as_text=True).count("<tr class=") == 1
    assert vol.get("/access/log?q=李").get_data(as_text=True).count("<tr class=") == 0
    assert vol.get("/access/log?method=qr").get_data(as_text=True).count("<tr class=") == stored
    rows = list(load_workbook(io.BytesIO(vol.get("/access/log.xlsx").data)).active.iter_rows(values_only=True))
    assert rows[1][4] == "张三"  # newest first, although it is not stored yet
    assert AccessEvent.select().count() == stored and access.log.pending() == 1  # looking wrote nothing
