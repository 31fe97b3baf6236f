"""A draft sent again (lost answer, the phone back online twice) makes one report; the tapped
spot on the site plan is stored and shown to staff on the plan in the queue and on the order."""

from __future__ import annotations

import io
import threading

import pytest
from PIL import Image

from appliance.db.models import ReportPhoto, ReportSubmission, WorkOrder
from tests.conftest import csrf_token
from tests.participation.conftest import phone_photo

KEY = "3f2a9c1e0b7d4a6f8e5c2b1a0d9f8e7c"


def send(client, **fields):
    photo = fields.pop("photo", None)
    data = {"csrf_token": csrf_token(client, "/me/reports/new"), **fields}
    if photo is not None:
        data["photo"] = (io.BytesIO(photo), "IMG_0001.jpg", "image/jpeg")
    return client.post("/me/reports", data=data, content_type="multipart/form-data")


def site_plan(services, width=1000, height=600) -> None:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (230, 240, 230)).save(out, "JPEG")
    services.devices.upload_plan(out.getvalue(), "admin")


def test_the_same_draft_sent_twice_makes_one_report(wang_client, services, estate):
    first = send(wang_client, category="leak", building_id=str(estate["b3"].id), draft_key=KEY, photo=phone_photo())
    again = send(wang_client, category="leak", building_id=str(estate["b3"].id), draft_key=KEY, photo=phone_photo())
    assert first.status_code == again.status_code == 302
    assert first.headers["Location"] == again.headers["Location"]
    assert WorkOrder.select().where(WorkOrder.reporter == estate["wang"].id).count() == 1
    assert ReportPhoto.select().count() == 1  # the second copy's photo is not kept either
    assert len(list(services.participation.photos.folder.glob("*.jpg"))) == 2  # one photo + its thumbnail
    other = send(wang_client, category="leak", building_id=str(estate["b3"].id), draft_key=KEY[::-1])
    assert other.status_code == 302 and other.headers["Location"] != first.headers["Location"]


def test_drafts_sent_at_the_same_moment_make_one_report(services, estate):
    reports = services.participation.reports
    results, errors = [], []

    def go():
        try:
            results.append(reports.submit(category="litter", description="", place={"building_id": estate["b3"].id},
                                          resident_id=estate["wang"].id, draft_key=KEY).id)
        except Exception as exc:  # noqa: BLE001 - the assertion shows it
            errors.append(exc)

    threads = [threading.Thread(target=go) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(set(results)) == 1
    assert WorkOrder.select().count() == 1 and ReportSubmission.select().count() == 1


def test_another_residents_key_never_reveals_their_report(wang_client, li_client, estate):
    assert send(wang_client, category="noise", draft_key=KEY).status_code == 302
    r = send(li_client, category="noise", draft_key=KEY)
    assert r.status_code == 400 and 'data-field="draft_key"' in r.get_data(as_text=True)
    assert WorkOrder.select().count() == 1


@pytest.mark.parametrize("key", ["short", "x" * 65, "中文中文中文中文中文中文中文中文", "a b c d e f g h i j k l"])
def test_a_malformed_draft_key_is_refused_with_words(wang_client, key):
    r = send(wang_client, category="noise", draft_key=key)
    assert r.status_code == 400 and 'data-field="draft_key"' in r.get_data(as_text=True)
    assert WorkOrder.select().count() == 0


def test_tapped_spot_is_stored_and_shown_on_the_staff_plan(wang_client, client_as, services, estate):
    admin_client = client_as("volunteer")
    assert 'data-testid="plan-pick"' not in wang_client.get("/me/reports/new").get_data(as_text=True)
    assert wang_client.get("/me/reports/plan.jpg").status_code == 404
    site_plan(services)
    page = wang_client.get("/me/reports/new").get_data(as_text=True)
    assert 'data-testid="plan-pick"' in page and 'name="draft_key"' in page
    assert wang_client.get("/me/reports/plan.jpg").headers["Content-Type"] == "image/jpeg"
    r = send(wang_client, category="lamp", plan_x="0.25", plan_y="0.5")
    assert r.status_code == 302
    order = WorkOrder.get()
    assert (order.plan_x, order.plan_y) == (0.25, 0.5)
    queue = admin_client.get("/workorders/").get_data(as_text=True)
    assert f'data-number="{order.number}"' in queue and "left:25.0%;top:50.0%" in queue
    detail = admin_client.get(f"/workorders/{order.id}").get_data(as_text=True)
    assert 'data-testid="order-plan-dot"' in detail
    assert admin_client.get("/workorders/plan.jpg").status_code == 200


def test_nearby_uses_the_tapped_spot(wang_client, li_client, services, estate):
    services.config.participation.plan_width_m = 400.0
    site_plan(services)
    assert send(wang_client, category="lamp", plan_x="0.50", plan_y="0.50").status_code == 302
    number = WorkOrder.get().number
    # 0.05 of 400 m = 20 m away: the same lamp; another building, so only the plan says so.
    near = li_client.get("/me/reports/nearby?category=lamp&plan_x=0.55&plan_y=0.5").get_data(as_text=True)
    far = li_client.get("/me/reports/nearby?category=lamp&plan_x=0.9&plan_y=0.9").get_data(as_text=True)
    assert number in near and number not in far


@pytest.mark.parametrize("x,y", [("1.5", "0.2"), ("0.2", ""), ("nan", "0.1"), ("-0.1", "0.3")])
def test_a_point_off_the_plan_is_refused(wang_client, x, y):
    r = send(wang_client, category="lamp", plan_x=x, plan_y=y)
    assert r.status_code == 400 and 'role="alert"' in r.get_data(as_text=True)
    assert WorkOrder.select().count() == 0


def test_nearby_measures_a_wide_plan_in_metres_both_ways(wang_client, li_client, services, estate):
    # 400 m wide, 1000x500 px: 200 m from top to bottom. 0.2 of the height is 40 m (near);
    # measured with the width it would be 80 m, and the neighbour's report would be missed.
    services.config.participation.plan_width_m = 400.0
    site_plan(services, 1000, 500)
    assert send(wang_client, category="lamp", plan_x="0.50", plan_y="0.50").status_code == 302
    number = WorkOrder.get().number
    near = li_client.get("/me/reports/nearby?category=lamp&plan_x=0.5&plan_y=0.7").get_data(as_text=True)
    far = li_client.get("/me/reports/nearby?category=lamp&plan_x=0.5&plan_y=0.85").get_data(as_text=True)
    assert number in near and number not in far
