"""The community services directory: an admin adds entries, bad input names the field,
staff and the kiosk read it, district may read, nobody else changes it."""

from __future__ import annotations

from appliance.db.models import CommunityService
from tests.care.test_pages import post


def test_admin_adds_a_service_and_everyone_reads_it(client_as, users):
    admin = client_as("admin")
    r = post(admin, "/care/services", {"kind": "canteen", "name": "阳光长者食堂", "hours": "每天 11:00-13:00",
                                       "phone": "021-5555 1234", "address": "3号楼底层"}, "/care/services")
    assert r.status_code == 302 and CommunityService.get().name == "阳光长者食堂"
    for data, field in (({"kind": "spa", "name": "x"}, "kind"), ({"kind": "clinic", "name": ""}, "name"),
                        ({"kind": "clinic", "name": "诊所", "phone": "call me"}, "phone"),
                        ({"kind": "clinic", "name": "诊所" * 100}, "name")):
        r = post(admin, "/care/services", data, "/care/services")
        assert r.status_code == 400 and f'data-field="{field}"' in r.get_data(as_text=True), data
    assert CommunityService.select().count() == 1
    kiosk_html = client_as("kiosk").get("/kiosk/care/services").get_data(as_text=True)
    assert "阳光长者食堂" in kiosk_html and "tel:021-55551234" in kiosk_html and "删除" not in kiosk_html
    assert "阳光长者食堂" in client_as("district").get("/care/services").get_data(as_text=True)
    volunteer = client_as("volunteer")
    assert post(volunteer, "/care/services", {"kind": "other", "name": "x"}, "/care/services").status_code == 403
    row = CommunityService.get()
    assert post(admin, f"/care/services/{row.id}/delete", {}, "/care/services").status_code == 302
    assert CommunityService.select().count() == 0
    assert post(admin, "/care/services/4242/delete", {}, "/care/services").status_code == 404


def test_a_volunteer_asks_a_provider_to_come_to_an_elder(client_as, services, elder, users):
    care = services.care
    cleaner = care.save_service({"kind": "housekeeping", "name": "好帮手家政", "phone": "13500135000"}, "admin")
    clinic = care.save_service({"kind": "clinic", "name": "社区诊所"}, "admin")
    volunteer = client_as("volunteer")
    page = f"/care/elder/{elder.id}"
    assert "好帮手家政" in volunteer.get(page).get_data(as_text=True)
    r = post(volunteer, f"{page}/service", {"service": cleaner.id, "text": "每周打扫一次厨房"}, page)
    assert r.status_code == 302
    from appliance.db.models import WorkOrder

    order = WorkOrder.get()
    assert (order.category.code, order.assignee, order.reporter_id, order.on_behalf_by) == (
        "service_housekeeping", "好帮手家政", elder.id, "volunteer")
    assert order.unit_id == elder.household.unit_id and r.headers["Location"].endswith(f"/workorders/{order.id}")
    for data, code in (({"service": clinic.id, "text": "看病"}, 400), ({"service": cleaner.id, "text": ""}, 400),
                       ({"service": "abc", "text": "x"}, 400), ({"service": 4242, "text": "x"}, 404)):
        assert post(volunteer, f"{page}/service", data, page).status_code == code, data
    assert WorkOrder.select().count() == 1


def test_short_hotlines_are_accepted_by_the_shared_phone_check(services):
    care = services.care
    for given, kept in (("12345", "12345"), ("110", "110"), ("96110", "96110"), ("400-820-8820", "400-820-8820"),
                        ("+86 138 0013 8000", "13800138000"), ("95105", "95105")):
        assert care.save_service({"kind": "other", "name": f"热线{given}", "phone": given}, "admin").phone == kept
    from appliance.errors import ValidationError

    for bad in ("1234", "99999", "12", "call me", "11111111111"):
        try:
            care.save_service({"kind": "other", "name": "坏号码", "phone": bad}, "admin")
        except ValidationError as exc:
            assert exc.field == "phone"
        else:
            raise AssertionError(bad)
    assert not CommunityService.select().where(CommunityService.name == "坏号码").exists()


def test_a_person_s_phone_still_refuses_hotlines():
    from appliance.errors import ValidationError
    from appliance.validation import clean_phone

    for number in ("12345", "110", "96110"):
        try:
            clean_phone(number, "family_phone")
        except ValidationError:
            continue
        raise AssertionError(number)
