"""平安打卡 right after entry: an elder living alone who opens the gate with their own PIN sees
one big check-in button on the kiosk; other residents do not, and the button checks in only
the person who just came in."""

from __future__ import annotations

from appliance.db.models import CareSignal
from tests.web.test_gate_pages import post


def _pin_for(services, resident):
    return services.credentials.new_pin(resident.id, "t")


def test_an_elders_entry_offers_the_checkin_and_one_tap_records_it(client_as, services, elder, plan):
    kiosk = client_as("kiosk")
    html = post(kiosk, "/kiosk/pin", {"pin": _pin_for(services, elder)}, page="/kiosk/").get_data(as_text=True)
    assert 'data-granted="1"' in html and 'data-testid="kiosk-checkin"' in html
    assert 'data-hold="15"' in html  # the result stays long enough to reach the button
    before = CareSignal.select().where(CareSignal.kind == "checkin").count()
    r = post(kiosk, "/kiosk/care/checkin", page="/kiosk/")
    assert r.status_code == 200 and "我们知道您今天平安" in r.get_data(as_text=True)
    assert CareSignal.select().where(CareSignal.kind == "checkin").count() == before + 1


def test_other_residents_and_refused_entries_get_no_button(client_as, services, unit, elder, plan):
    neighbour = services.registry.save_resident({"name": "王强", "unit_id": unit.id}, "t")
    kiosk = client_as("kiosk")
    html = post(kiosk, "/kiosk/pin", {"pin": _pin_for(services, neighbour)}, page="/kiosk/").get_data(as_text=True)
    assert 'data-granted="1"' in html and "kiosk-checkin" not in html
    # nobody was signed in at the kiosk, so a stray post checks in no one
    assert post(kiosk, "/kiosk/care/checkin", page="/kiosk/").status_code == 302
    html = post(kiosk, "/kiosk/pin", {"pin": "000000"}, page="/kiosk/").get_data(as_text=True)
    assert 'data-granted="0"' in html and "kiosk-checkin" not in html
    assert not CareSignal.select().where(CareSignal.kind == "checkin").exists()


def test_an_elder_without_an_active_plan_gets_no_button(client_as, services, elder):
    kiosk = client_as("kiosk")
    html = post(kiosk, "/kiosk/pin", {"pin": _pin_for(services, elder)}, page="/kiosk/").get_data(as_text=True)
    assert 'data-granted="1"' in html and "kiosk-checkin" not in html
