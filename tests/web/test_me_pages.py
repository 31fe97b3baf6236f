"""Residents' own pages on the LAN: sign-in, their code, guest passes — through the web."""

from __future__ import annotations

import datetime
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from appliance.db.models import VisitorPass
from tests.conftest import csrf_token

FMT = "%Y-%m-%dT%H:%M"


@pytest.fixture
def homes(services):
    reg = services.registry
    b = reg.save_building({"name": "3号楼"}, "test")
    u = reg.save_unit({"building_id": b.id, "number": "2单元301"}, "test")
    v = reg.save_unit({"building_id": b.id, "number": "2单元302"}, "test")
    zhang = reg.save_resident({"name": "张三", "unit_id": u.id, "phone": "13800138000", "move_in": "2020-01-01"}, "t")
    reg.save_resident({"name": "张小明", "unit_id": u.id, "move_in": "2020-01-01"}, "t")
    li = reg.save_resident({"name": "李四", "unit_id": v.id, "phone": "13900139000", "move_in": "2020-01-01"}, "t")
    creds = services.credentials
    return {"zhang": zhang, "li": li, "pins": {"zhang": creds.new_pin(zhang.id, "t"), "li": creds.new_pin(li.id, "t")}}


def sign_in(client, phone, pin, address="10.1.1.1"):
    return client.post("/me/login", data={"phone": phone, "pin": pin, "csrf_token": csrf_token(client, "/me/login")},
                       environ_base={"REMOTE_ADDR": address})


def wrong(pin):
    return "".join(str((int(d) + 1) % 10) for d in pin)


@pytest.fixture
def zhang(app, homes):
    c = app.test_client()
    r = sign_in(c, "13800138000", homes["pins"]["zhang"])
    assert r.status_code == 302 and r.headers["Location"] == "/me/"
    return c


def guest_form(client, **values):
    now = datetime.datetime.now()
    data = {"note": "周老师", "valid_from": "", "valid_until": (now + datetime.timedelta(hours=5)).strftime(FMT),
            "max_uses": "2", "csrf_token": csrf_token(client, "/me/guests")}
    data.update(values)
    return client.post("/me/guests", data=data)


def test_signed_in_resident_sees_own_code_and_household(zhang, services, homes):
    html = zhang.get("/me/").get_data(as_text=True)
    assert "张三" in html and "2单元301" in html and "张小明" in html and "李四" not in html
    assert "<svg" not in html  # no personal code issued yet: says so instead
    services.credentials.issue_qr(homes["zhang"].id, "volunteer")
    html = zhang.get("/me/").get_data(as_text=True)
    assert 'id="my-qr"' in html and "<svg" in html


def test_wrong_pin_is_refused_then_throttled(app, homes, config):
    c = app.test_client()
    pin = homes["pins"]["zhang"]
    for _ in range(config.access.pin_max_failures):
        r = sign_in(c, "13800138000", wrong(pin))
        assert r.status_code == 401 and "手机号或密码不对" in r.get_data(as_text=True)
    r = sign_in(c, "13800138000", pin)
    assert r.status_code == 401 and "秒" in r.get_data(as_text=True)
    assert c.get("/me/").status_code == 302  # not signed in


def test_resident_session_is_not_a_staff_session(zhang, client_as):
    assert zhang.get("/").status_code == 302  # admin pages send a resident to the staff login
    assert zhang.get("/residents").status_code == 302
    assert zhang.get("/kiosk/status").status_code == 302
    volunteer = client_as("volunteer")
    assert volunteer.get("/me/").status_code == 403
    assert volunteer.get("/me/guests").status_code == 403


def test_sign_out_ends_the_session(zhang):
    r = zhang.post("/me/logout", data={"csrf_token": csrf_token(zhang, "/me/")})
    assert r.status_code == 302
    assert zhang.get("/me/").status_code == 302


def test_idle_session_expires(zhang, monkeypatch):
    import web.me

    real = web.me.time.time
    monkeypatch.setattr(web.me.time, "time", lambda: real() + 16 * 60)
    r = zhang.get("/me/guests")
    assert r.status_code == 302 and "/me/login" in r.headers["Location"]


def test_forms_without_csrf_token_are_refused(app, zhang, homes):
    assert app.test_client().post("/me/login", data={"phone": "13800138000",
                                                     "pin": homes["pins"]["zhang"]}).status_code == 400
    r = zhang.post("/me/guests", data={"note": "x", "valid_until": "2099-01-01T00:00", "max_uses": "1"})
    assert r.status_code == 400 and VisitorPass.select().count() == 0


def test_resident_creates_a_guest_pass_and_sees_a_big_code(zhang, homes):
    r = guest_form(zhang)
    assert r.status_code == 302
    html = zhang.get(r.headers["Location"]).get_data(as_text=True)
    assert "<svg" in html and "周老师" in html and re.search(r'data-payload="LQ1:v:', html)
    vp = VisitorPass.get()
    assert vp.host_id == homes["zhang"].id and vp.max_uses == 2
    assert "周老师" in zhang.get("/me/guests").get_data(as_text=True)


@pytest.mark.parametrize("values, words", [
    ({"valid_from": (datetime.datetime.now() - datetime.timedelta(days=2)).strftime(FMT)}, "生效时间"),
    ({"valid_until": (datetime.datetime.now() - datetime.timedelta(hours=1)).strftime(FMT)}, "失效时间"),
    ({"valid_until": (datetime.datetime.now() + datetime.timedelta(days=8)).strftime(FMT)}, "7"),
    ({"max_uses": "0"}, "次数"),
    ({"note": ""}, "访客"),
])
def test_bad_guest_pass_is_refused_naming_the_field(zhang, values, words):
    r = guest_form(zhang, **values)
    html = r.get_data(as_text=True)
    assert r.status_code == 400 and VisitorPass.select().count() == 0
    error = re.search(r'id="error">([^<]+)<', html).group(1)
    assert words in error, error


def test_another_residents_pass_cannot_be_seen_or_revoked(app, zhang, homes):
    assert guest_form(zhang).status_code == 302
    vp = VisitorPass.get()
    li = app.test_client()
    assert sign_in(li, "13900139000", homes["pins"]["li"], "10.1.1.2").status_code == 302
    assert li.get(f"/me/guests/{vp.id}").status_code == 404
    r = li.post(f"/me/guests/{vp.id}/revoke", data={"csrf_token": csrf_token(li, "/me/guests")})
    assert r.status_code == 404
    assert VisitorPass.get_by_id(vp.id).revoked_at is None
    assert "周老师" not in li.get("/me/guests").get_data(as_text=True)
    r = zhang.post(f"/me/guests/{vp.id}/revoke", data={"csrf_token": csrf_token(zhang, "/me/guests")})
    assert r.status_code == 302 and VisitorPass.get_by_id(vp.id).revoked_at is not None


def test_english_switch(zhang):
    zhang.get("/lang/en")
    html = zhang.get("/me/guests").get_data(as_text=True)
    assert "Invite a guest" in html


form_value = st.one_of(st.text(max_size=40), st.sampled_from(["", "0", "-1", "9" * 30, "1e309", "NaN", "<script>",
                                                              "2026-02-30T10:00", "9999-12-31T23:59", "0001-01-01",
                                                              "2026-13-01T00:00", "\x00", "+86 138-0013-8000"]))
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@FUZZ
@given(note=form_value, start=form_value, until=form_value, uses=form_value, phone=form_value, pin=form_value)
def test_garbage_in_the_forms_never_gives_a_500(app, zhang, note, start, until, uses, phone, pin):
    r = zhang.post("/me/guests", data={"note": note, "valid_from": start, "valid_until": until, "max_uses": uses,
                                       "csrf_token": csrf_token(zhang, "/me/guests")})
    assert r.status_code in (302, 400), r.status_code
    anon = app.test_client()
    r = anon.post("/me/login", data={"phone": phone, "pin": pin, "csrf_token": csrf_token(anon, "/me/login")},
                  environ_base={"REMOTE_ADDR": "10.9.9.9"})
    assert r.status_code == 401


def test_signing_out_ends_a_copied_cookie_on_the_box(app, zhang):
    thief = app.test_client()
    cookie = zhang.get_cookie("linli_session")
    thief.set_cookie("linli_session", cookie.value)
    assert thief.get("/me/").status_code == 200  # the copy works while the resident is signed in
    zhang.post("/me/logout", data={"csrf_token": csrf_token(zhang, "/me/")})
    assert thief.get("/me/").status_code == 302
    assert zhang.get("/me/").status_code == 302


def test_a_session_without_its_box_side_token_is_refused(app, homes, services):
    from appliance.db.models import Credential

    cred = Credential.get(Credential.resident == homes["zhang"].id, Credential.kind == "pin")
    forged = app.test_client()
    with forged.session_transaction() as s:  # a cookie signed with the key, but no session on the box
        now = __import__("time").time()
        s["resident"] = {"rid": homes["zhang"].id, "cid": cred.id, "since": now, "seen": now, "tok": "made-up"}
    assert forged.get("/me/").status_code == 302
