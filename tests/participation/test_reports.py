"""A resident's report from the phone pages: photo, category, place, words; duplicates nearby
with "me too"; my reports with public notes; reopening; the "fixed?" stars and SMS; 代报."""

from __future__ import annotations

import datetime
import io
import re

import pytest
from PIL import Image

from appliance.db.models import ReportFollowup, ReportPhoto, WorkOrder
from appliance.firelane.setup import FireLaneFeature
from tests.conftest import csrf_token
from tests.participation.conftest import gps_exif, phone_photo


def send(client, **fields):
    photo = fields.pop("photo", None)
    data = {"csrf_token": csrf_token(client, "/me/reports/new"), **fields}
    if photo is not None:
        data["photo"] = (io.BytesIO(photo), "IMG_0001.jpg", "image/jpeg")
    return client.post("/me/reports", data=data, content_type="multipart/form-data")


def test_report_with_photo_is_a_work_order_with_a_clean_photo(wang_client, services, estate):
    r = send(wang_client, category="lamp", building_id=str(estate["b3"].id), spot="东侧路灯",
             description="<script>alert(1)</script>路灯不亮", photo=phone_photo(4000, 3000, gps_exif()))
    assert r.status_code == 302
    order = WorkOrder.get(WorkOrder.reporter == estate["wang"].id)
    assert (order.source, order.category.code, order.building_id, order.spot) == ("resident", "lamp", estate["b3"].id,
                                                                                    "东侧路灯")
    page = wang_client.get(r.headers["Location"]).get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;路灯不亮" in page and "<script>alert(1)" not in page
    assert order.number in page
    (photo,) = ReportPhoto.select().where(ReportPhoto.order == order)
    data = wang_client.get(f"/photos/{photo.name}.jpg").data
    stored = Image.open(io.BytesIO(data))
    assert max(stored.size) <= 1600 and len(data) <= 300 * 1024
    assert b"PhoneMaker" not in data and not stored.getexif()
    assert wang_client.get(f"/photos/{photo.name}.t.jpg").status_code == 200
    assert wang_client.get("/photos/../../linli.db").status_code == 404


def test_three_taps_without_words_uses_the_category(wang_client, estate):
    assert send(wang_client, category="litter", building_id=str(estate["b3"].id)).status_code == 302
    assert WorkOrder.get(WorkOrder.reporter == estate["wang"].id).description == "垃圾堆放"


@pytest.mark.parametrize("fields, field, words", [
    ({"category": "nope"}, "category", ""),
    ({"category": "lamp", "photo": b"%PDF-1.4 this is a pdf"}, "photo", "不是 JPEG 或 PNG"),
    ({"category": "lamp", "building_id": "999999"}, "building_id", ""),
    ({"category": "lamp", "building_id": "x' OR 1=1"}, "building_id", ""),
])
def test_bad_input_is_answered_on_the_form_and_nothing_is_written(wang_client, services, fields, field, words):
    photos_before = list((services.config.home / "photos").glob("*")) if (services.config.home / "photos").exists() else []
    r = send(wang_client, **fields)
    assert r.status_code == 400
    html = r.get_data(as_text=True)
    assert f'data-field="{field}"' in html and words in html
    assert WorkOrder.select().count() == 0
    after = list((services.config.home / "photos").glob("*")) if (services.config.home / "photos").exists() else []
    assert after == photos_before


def test_a_photo_refused_after_another_one_was_stored_leaves_no_file(services, estate):
    reports = services.participation.reports
    with pytest.raises(Exception):
        reports.submit(category="lamp", description="", place={"building_id": estate["b3"].id},
                       photos=[phone_photo(), b"\xff\xd8\xff" + b"\0" * 50], resident_id=estate["wang"].id)
    assert list((services.config.home / "photos").glob("*.jpg")) == []
    assert WorkOrder.select().count() == 0


def test_nearby_reports_are_offered_and_me_too_counts(wang_client, li_client, services, estate):
    send(wang_client, category="lamp", building_id=str(estate["b3"].id), description="3号楼路灯不亮")
    order = WorkOrder.get()
    # Another resident picks the same category and building: the open report is offered.
    html = li_client.get(f"/me/reports/nearby?category=lamp&building_id={estate['b3'].id}").get_data(as_text=True)
    assert order.number in html and "我也遇到了" in html
    # A different building or category: nothing offered.
    assert order.number not in li_client.get(f"/me/reports/nearby?category=lamp&building_id={estate['b5'].id}").get_data(as_text=True)
    assert order.number not in li_client.get(f"/me/reports/nearby?category=leak&building_id={estate['b3'].id}").get_data(as_text=True)
    token = csrf_token(li_client, "/me/reports/new")
    r = li_client.post(f"/me/reports/{order.id}/plus-one", data={"csrf_token": token}, headers={"HX-Request": "true"})
    assert r.status_code == 200 and "2" in r.get_data(as_text=True)
    assert WorkOrder.get_by_id(order.id).plus_ones == 1
    # Garbage in the query is answered, not a 500.
    assert li_client.get("/me/reports/nearby?category=%00&building_id=abc").status_code == 400


def test_my_reports_show_status_and_only_public_notes_and_are_mine_only(wang_client, li_client, services, estate):
    send(wang_client, category="lamp", building_id=str(estate["b3"].id))
    order = WorkOrder.get()
    wo = services.workorders
    wo.add_note(order.id, "明天上午换灯泡", True, "volunteer")
    wo.add_note(order.id, "电工电话 139xxxx", False, "volunteer")
    wo.transition(order.id, "accepted", "volunteer")
    html = wang_client.get("/me/reports").get_data(as_text=True)
    assert order.number in html and "已受理" in html
    detail = wang_client.get(f"/me/reports/{order.id}").get_data(as_text=True)
    assert "明天上午换灯泡" in detail and "139xxxx" not in detail
    assert li_client.get(f"/me/reports/{order.id}").status_code == 404
    assert order.number not in li_client.get("/me/reports").get_data(as_text=True)


def test_fixed_report_asks_fixed_with_stars_and_sms_then_answer_is_noted(wang_client, services, estate, runtime):
    send(wang_client, category="lamp", building_id=str(estate["b3"].id), sms="1")
    order = WorkOrder.get()
    assert order.reporter_phone == "13800138000"
    services.workorders.transition(order.id, "fixed", "volunteer", note="已换灯泡")
    modem = runtime.feature(FireLaneFeature).simulated_modem  # a dongle speaking AT on a pty
    assert services.participation.followups.ask_due() == 1
    assert services.participation.followups.ask_due() == 0  # asked once per fix
    assert len(modem.sent) == 1
    assert modem.sent[0].number.endswith("13800138000") and order.number in modem.sent[0].text
    assert ReportFollowup.get().sms == "sent"
    html = wang_client.get(f"/me/reports/{order.id}").get_data(as_text=True)
    assert "真的修好了吗" in html
    token = csrf_token(wang_client, f"/me/reports/{order.id}")
    assert wang_client.post(f"/me/reports/{order.id}/answer", data={"csrf_token": token, "fixed": "yes",
                                                                    "stars": "9"}).status_code == 400
    r = wang_client.post(f"/me/reports/{order.id}/answer", data={"csrf_token": token, "fixed": "yes", "stars": "4"})
    assert r.status_code == 302
    row = ReportFollowup.get()
    assert (row.stars, row.really_fixed) == (4, True)
    assert "4" in services.workorders.timeline(order.id)[-1].text
    assert "真的修好了吗" not in wang_client.get(f"/me/reports/{order.id}").get_data(as_text=True)


def test_not_fixed_answer_reopens_and_the_reopen_window_closes_after_14_days(wang_client, services, estate):
    send(wang_client, category="lamp", building_id=str(estate["b3"].id))
    order = WorkOrder.get()
    wo = services.workorders
    wo.transition(order.id, "fixed", "volunteer")
    services.participation.followups.ask_due()
    token = csrf_token(wang_client, f"/me/reports/{order.id}")
    wang_client.post(f"/me/reports/{order.id}/answer", data={"csrf_token": token, "fixed": "no", "stars": "1"})
    assert WorkOrder.get_by_id(order.id).status == "reopened"
    wo.transition(order.id, "fixed", "volunteer")
    WorkOrder.update(fixed_at=datetime.datetime.now() - datetime.timedelta(days=15)).where(
        WorkOrder.id == order.id).execute()
    html = wang_client.get(f"/me/reports/{order.id}").get_data(as_text=True)
    assert 'data-testid="reopen-form"' not in html
    r = wang_client.post(f"/me/reports/{order.id}/reopen", data={"csrf_token": token, "reason": "又坏了"})
    assert r.status_code == 400 and "14" in r.get_data(as_text=True)
    WorkOrder.update(fixed_at=datetime.datetime.now() - datetime.timedelta(days=3)).where(
        WorkOrder.id == order.id).execute()
    r = wang_client.post(f"/me/reports/{order.id}/reopen", data={"csrf_token": token, "reason": "又坏了"})
    assert r.status_code == 302 and WorkOrder.get_by_id(order.id).status == "reopened"


def test_sms_failure_still_asks_on_me(wang_client, services, estate, runtime):
    send(wang_client, category="lamp", building_id=str(estate["b3"].id), sms="1")
    order = WorkOrder.get()
    services.workorders.transition(order.id, "fixed", "volunteer")
    runtime.feature(FireLaneFeature).simulated_modem.fail_next("AT+CMGS", "+CMS ERROR: 500")
    services.participation.followups.ask_due()
    assert ReportFollowup.get().sms.startswith("failed")
    assert "真的修好了吗" in wang_client.get(f"/me/reports/{order.id}").get_data(as_text=True)


def test_volunteer_reports_for_a_resident(client_as, services, estate):
    vol = client_as("volunteer")
    token = csrf_token(vol, "/workorders/report-for")
    r = vol.post("/workorders/report-for", data={"csrf_token": token, "category": "leak",
                                                 "building_id": str(estate["b5"].id), "description": "楼道漏水",
                                                 "phone": "13700137000",
                                                 "photo": (io.BytesIO(phone_photo()), "p.jpg", "image/jpeg")},
                 content_type="multipart/form-data")
    assert r.status_code == 302
    order = WorkOrder.get()
    assert (order.source, order.on_behalf_by, order.reporter_phone) == ("volunteer_on_behalf", "volunteer",
                                                                         "13700137000")
    page = vol.get(r.headers["Location"]).get_data(as_text=True)
    assert 'data-testid="wo-photos"' in page
    bad = vol.post("/workorders/report-for", data={"csrf_token": token, "category": "leak", "phone": "abc"})
    assert bad.status_code == 400 and 'data-field="reporter_phone"' in bad.get_data(as_text=True)
    assert client_as("district").get("/workorders/report-for").status_code == 403


def test_photo_retention_sweep_deletes_files_of_long_closed_reports(services, estate):
    reports = services.participation.reports
    order = reports.submit(category="lamp", description="", place={"building_id": estate["b3"].id},
                           photos=[phone_photo()], resident_id=estate["wang"].id)
    (photo,) = reports.photos_of(order.id)
    services.workorders.transition(order.id, "fixed", "volunteer")
    services.workorders.transition(order.id, "closed", "volunteer")
    assert reports.sweep_photos() == 0
    WorkOrder.update(updated_at=datetime.datetime.now() - datetime.timedelta(days=400)).where(
        WorkOrder.id == order.id).execute()
    assert reports.sweep_photos() == 1
    assert services.participation.photos.path(photo.name) is None
    assert reports.photos_of(order.id) == []


def test_volunteer_records_the_answer_of_a_reporter_without_a_smartphone(client_as, services, estate):
    order = services.participation.reports.submit(category="leak", description="漏水", place={
        "building_id": estate["b5"].id}, phone="13700137000", on_behalf_by="volunteer", actor="volunteer")
    services.workorders.transition(order.id, "fixed", "volunteer")
    vol = client_as("volunteer")
    page = vol.get(f"/workorders/{order.id}").get_data(as_text=True)
    assert 'data-testid="wo-followup-form"' in page
    token = csrf_token(vol, f"/workorders/{order.id}")
    assert vol.post(f"/workorders/{order.id}/followup", data={"csrf_token": token, "fixed": "yes",
                                                              "stars": "x"}).status_code == 400
    assert vol.post(f"/workorders/{order.id}/followup", data={"csrf_token": token, "fixed": "no",
                                                              "stars": "2"}).status_code == 302
    row = ReportFollowup.get()
    assert (row.stars, row.really_fixed) == (2, False)
    assert WorkOrder.get_by_id(order.id).status == "reopened"
    assert "volunteer" in services.workorders.timeline(order.id, public_only=True)[-1].text
    assert client_as("district").post(f"/workorders/{order.id}/followup", data={"stars": "5"}).status_code in (400, 403)


def test_old_fixes_are_not_asked_about(services, estate):
    order = services.participation.reports.submit(category="lamp", description="", place={
        "building_id": estate["b3"].id}, resident_id=estate["wang"].id, phone="13800138000")
    services.workorders.transition(order.id, "fixed", "volunteer")
    WorkOrder.update(fixed_at=datetime.datetime.now() - datetime.timedelta(days=30)).where(
        WorkOrder.id == order.id).execute()
    assert services.participation.followups.ask_due() == 0
    assert ReportFollowup.select().count() == 0
