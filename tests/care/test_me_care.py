"""Community services on the resident's phone (/me/care): the directory, the canteen menu
staff write with booking and cancelling, 平安打卡 for elders, and the waste guide with the
community's own entries."""

from __future__ import annotations

import pytest

from appliance.db.models import CareSignal, MealBooking
from tests.care.test_pages import post
from tests.conftest import csrf_token
from tests.web.test_me_pages import sign_in


@pytest.fixture
def homes(services, unit):
    reg, creds = services.registry, services.credentials
    elder = reg.save_resident({"name": "李桂兰", "phone": "13700137000", "unit_id": unit.id,
                               "living_alone_elderly": "1", "birth_year": "1941"}, "t")
    young = reg.save_resident({"name": "赵强", "phone": "13900139000", "unit_id": unit.id}, "t")
    return {"elder": elder, "young": young, "pins": {"elder": creds.new_pin(elder.id, "t"),
                                                     "young": creds.new_pin(young.id, "t")}}


@pytest.fixture
def elder_phone(app, homes):
    c = app.test_client()
    assert sign_in(c, "13700137000", homes["pins"]["elder"]).status_code == 302
    return c


@pytest.fixture
def young_phone(app, homes):
    c = app.test_client()
    assert sign_in(c, "13900139000", homes["pins"]["young"]).status_code == 302
    return c


def test_the_menu_staff_write_is_booked_on_the_phone_and_counted_in_the_kitchen(client_as, services, homes,
                                                                                elder_phone, users):
    care = services.care
    care.save_service({"kind": "canteen", "name": "阳光长者食堂", "hours": "11:00-13:00", "phone": "12345"}, "admin")
    day = care.bookable_days()[0]
    volunteer = client_as("volunteer")
    kitchen = f"/care/meals?day={day.isoformat()}"
    r = post(volunteer, "/care/meals/menu", {"day": day.isoformat(), "meal": "lunch", "dishes": "红烧鱼块、清炒时蔬",
                                             "price": "12元"}, kitchen)
    assert r.status_code == 302
    html = elder_phone.get("/me/care/").get_data(as_text=True)
    assert "红烧鱼块、清炒时蔬" in html and "阳光长者食堂" in html and "tel:12345" in html
    assert 'data-testid="me-care-checkin"' in html  # she lives alone: the check-in button is there
    r = elder_phone.post("/me/care/meal", data={"day": day.isoformat(), "meal": "lunch", "diet": "少盐",
                                                "csrf_token": csrf_token(elder_phone, "/me/care/")})
    assert r.status_code == 302
    booking = MealBooking.get()
    assert (booking.resident_id, booking.meal, booking.diet, booking.booked_by) == (homes["elder"].id, "lunch",
                                                                                   "少盐", "resident")
    counts = volunteer.get(kitchen).get_data(as_text=True)
    assert 'data-meal="lunch" data-count="1"' in counts and "少盐" in counts and "红烧鱼块" in counts
    r = elder_phone.post("/me/care/meal", data={"day": day.isoformat(), "meal": "lunch", "action": "cancel",
                                                "csrf_token": csrf_token(elder_phone, "/me/care/")})
    assert r.status_code == 302 and MealBooking.get().cancelled_at is not None
    r = elder_phone.post("/me/care/meal", data={"day": "2001-01-01", "meal": "lunch",
                                                "csrf_token": csrf_token(elder_phone, "/me/care/")})
    assert r.status_code == 400 and 'data-testid="me-care-error"' in r.get_data(as_text=True)


def test_an_elder_checks_in_from_her_phone_and_others_have_no_button(services, homes, elder_phone, young_phone):
    r = elder_phone.post("/me/care/checkin", data={"csrf_token": csrf_token(elder_phone, "/me/care/")})
    assert r.status_code == 200 and 'data-testid="me-care-message"' in r.get_data(as_text=True)
    assert CareSignal.get().kind == "checkin" and CareSignal.get().resident_id == homes["elder"].id
    assert 'data-testid="me-care-checkin"' not in young_phone.get("/me/care/").get_data(as_text=True)
    r = young_phone.post("/me/care/checkin", data={"csrf_token": csrf_token(young_phone, "/me/care/")})
    assert r.status_code in (400, 404) and CareSignal.select().count() == 1


def test_bad_menu_input_names_the_field_and_writes_nothing(client_as, services, users):
    from appliance.db.models import MealMenu

    volunteer = client_as("volunteer")
    today = services.care.now().date()
    far = today.replace(year=today.year + 1)
    for data, field in (({"day": far.isoformat(), "meal": "lunch", "dishes": "鱼"}, "day"),
                        ({"day": today.isoformat(), "meal": "supper", "dishes": "鱼"}, "meal"),
                        ({"day": today.isoformat(), "meal": "lunch", "dishes": "鱼" * 200}, "dishes")):
        r = post(volunteer, "/care/meals/menu", data, "/care/meals")
        assert r.status_code == 400 and f'data-field="{field}"' in r.get_data(as_text=True), data
    assert post(volunteer, "/care/meals/menu", {"day": "yesterday", "meal": "lunch"}, "/care/meals").status_code == 400
    assert MealMenu.select().count() == 0
    assert post(client_as("district"), "/care/meals/menu", {"day": today.isoformat(), "meal": "lunch"},
                "/care/meals").status_code == 403


def results(phone, q: str) -> str:
    return phone.get(f"/me/care/waste?q={q}", headers={"HX-Request": "true"}).get_data(as_text=True)


def test_staff_entries_correct_add_and_hide_items_in_the_phone_guide(client_as, young_phone, users):
    admin = client_as("admin")
    assert "矿泉水瓶" in young_phone.get("/me/care/waste?q=kqs").get_data(as_text=True)
    for data in ({"name": "共享单车", "kind": "recyclable", "note": "请联系运营公司"},
                 {"name": "外卖餐盒", "kind": "recyclable", "note": "洗净后投放"},
                 {"name": "照片", "hidden": "1"}):
        assert post(admin, "/care/waste/items", data, "/care/waste").status_code == 302
    html = young_phone.get("/me/care/waste?q=gxdc").get_data(as_text=True)  # pinyin initials of a local item
    assert "共享单车" in html and "请联系运营公司" in html
    hit = young_phone.get("/me/care/waste?q=外卖餐盒", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert 'data-bin="recyclable"' in hit and "洗净后投放" in hit and "<html" not in hit
    assert "<b>照片</b>" not in results(young_phone, "照片")
    for data, field in (({"name": "", "kind": "other"}, "name"), ({"name": "砖头", "kind": "rubble"}, "kind"),
                        ({"name": "砖头", "kind": "other", "note": "x" * 80}, "note")):
        r = post(admin, "/care/waste/items", data, "/care/waste")
        assert r.status_code == 400 and f'data-field="{field}"' in r.get_data(as_text=True), data
    assert post(client_as("volunteer"), "/care/waste/items", {"name": "砖头", "kind": "other"},
                "/care/waste").status_code == 403
    from appliance.db.models import WasteItem

    row = WasteItem.get(WasteItem.name == "照片")
    assert post(admin, f"/care/waste/items/{row.id}/delete", {}, "/care/waste").status_code == 302
    assert "<b>照片</b>" in results(young_phone, "照片")
    assert post(admin, "/care/waste/items/4242/delete", {}, "/care/waste").status_code == 404


def test_only_signed_in_residents_open_the_phone_pages(app, client_as, users):
    anon = app.test_client()
    r = anon.get("/me/care/")
    assert r.status_code == 302 and "/me/login" in r.headers["Location"]
    for role in ("admin", "kiosk"):
        assert client_as(role).get("/me/care/").status_code == 403


def test_a_resident_asks_a_repairs_provider_to_come_from_her_phone(services, homes, young_phone, users):
    from appliance.db.models import WorkOrder

    care = services.care
    fixer = care.save_service({"kind": "repairs", "name": "老李维修", "phone": "13500135001"}, "admin")
    clinic = care.save_service({"kind": "clinic", "name": "社区卫生服务站", "phone": "12320"}, "admin")
    page = young_phone.get("/me/care/").get_data(as_text=True)
    assert page.count('data-testid="me-care-request"') == 1  # only the provider who comes to homes
    token = csrf_token(young_phone, "/me/care/")
    r = young_phone.post("/me/care/request", data={"csrf_token": token, "service": fixer.id,
                                                   "text": "厨房水龙头漏水"})
    assert r.status_code == 200
    (order,) = WorkOrder.select()
    assert order.assignee == "老李维修" and order.source == "resident" and order.reporter_id == homes["young"].id
    assert order.description == "厨房水龙头漏水" and order.number in r.get_data(as_text=True)
    # a clinic does not come to homes; an empty request names the field; nothing written
    for data in ({"service": clinic.id, "text": "头疼"}, {"service": fixer.id, "text": " "},
                 {"service": "x", "text": "漏水"}, {"service": 999999, "text": "漏水"}):
        r = young_phone.post("/me/care/request", data={"csrf_token": token, **data})
        assert r.status_code in (400, 404) and WorkOrder.select().count() == 1
    for n in range(2):
        assert young_phone.post("/me/care/request", data={"csrf_token": token, "service": fixer.id,
                                                          "text": f"门锁坏了 {n}"}).status_code == 200
    r = young_phone.post("/me/care/request", data={"csrf_token": token, "service": fixer.id, "text": "又一件"})
    assert r.status_code == 400 and "3" in r.get_data(as_text=True) and WorkOrder.select().count() == 3
