"""Care pages: staff only, garbage answered with a message (never 500), a care plan saved by
an admin, bad plan input naming the field, the coverage chart and its CSV."""

from __future__ import annotations

import pytest

from appliance.db.models import CarePlan
from tests.conftest import csrf_token


@pytest.fixture
def admin(client_as):
    return client_as("admin")


def post(c, path, data, page):
    data = dict(data, csrf_token=csrf_token(c, page))
    return c.post(path, data=data)


def test_only_staff_see_the_care_pages(client_as, elder):
    for role, code in (("district", 403), ("kiosk", 403), ("volunteer", 200)):
        assert client_as(role).get("/care/").status_code == code, role
    assert client_as("district").get("/care/coverage").status_code == 200


def test_admin_saves_a_plan_and_bad_input_names_the_field(admin, elder):
    page = f"/care/elder/{elder.id}"
    r = post(admin, f"{page}/plan", {"consent_by": "self", "volunteer": "volunteer", "family_phone": "13600136000",
                                     "floor_hours": "30", "call_elder": "1", "use_gate": "1"}, page)
    assert r.status_code == 302
    plan = CarePlan.get()
    assert (plan.volunteer, plan.floor_hours, plan.call_elder, plan.health_consent) == ("volunteer", 30, True, False)
    for field, value in (("floor_hours", "999"), ("family_phone", "abc"), ("volunteer", "nobody-here"),
                         ("consent_by", "")):
        data = {"consent_by": "self", field: value}
        r = post(admin, f"{page}/plan", data, page)
        html = r.get_data(as_text=True)
        assert r.status_code == 400 and f'data-field="{field}"' in html, (field, html[:300])
    assert CarePlan.get().floor_hours == 30


@pytest.mark.parametrize("path", ["/care/elder/999999", "/care/elder/99999999999999999999", "/care/elder/abc",
                                  "/care/coverage?months=x", "/care/coverage?months=-1", "/care/coverage.csv?months=9e9"])
def test_garbage_urls_are_answered_not_crashed(admin, elder, path):
    assert admin.get(path).status_code in (400, 404)


def test_garbage_forms_are_answered_not_crashed(admin, elder, services):
    page = f"/care/elder/{elder.id}"
    for data in ({"condition": "dead"}, {"at": "yesterday"}, {"at": "9999-99-99T99:99"}, {"needs": "x" * 5000},
                 {"notes": "无同意"}):
        r = post(admin, f"{page}/visit", data, page)
        assert r.status_code == 400 and 'data-testid="care-error"' in r.get_data(as_text=True), data
    assert post(admin, "/care/alerts/424242/ack", {}, page).status_code == 404
    assert post(admin, "/care/elder/424242/visit", {}, page).status_code == 404
    other = services.registry.save_resident({"name": "年轻人", "unit_id": elder.household.unit_id}, "t")
    assert admin.get(f"/care/elder/{other.id}").status_code == 404  # not flagged: not in the care list


def test_coverage_chart_and_csv(admin, elder, services):
    page = f"/care/elder/{elder.id}"
    assert post(admin, f"{page}/visit", {"condition": "good"}, page).status_code == 302
    html = admin.get("/care/coverage").get_data(as_text=True)
    assert 'data-visited="1" data-elders="1"' in html and "100%" in html
    r = admin.get("/care/coverage.csv?months=3")
    assert r.status_code == 200 and r.mimetype == "text/csv" and ",1,1,100%" in r.get_data(as_text=True)
