"""Residents on their own phone: sign-in with phone + gate PIN, own guest passes."""

from __future__ import annotations

import datetime

import pytest

from appliance.access.portal import ResidentPortal, SignInLocked
from appliance.db.models import AuditLog, VisitorPass
from appliance.errors import NotFound, PermissionDenied, ValidationError


@pytest.fixture
def neighbours(services, clock):
    reg = services.registry
    b = reg.save_building({"name": "3号楼"}, "test")
    u = reg.save_unit({"building_id": b.id, "number": "2单元301"}, "test")
    v = reg.save_unit({"building_id": b.id, "number": "2单元302"}, "test")
    zhang = reg.save_resident({"name": "张三", "unit_id": u.id, "phone": "13800138000", "move_in": "2020-01-01"}, "t")
    li = reg.save_resident({"name": "李四", "unit_id": v.id, "phone": "13900139000", "move_in": "2020-01-01"}, "t")
    pins = {r.name: services.credentials.new_pin(r.id, "test") for r in (zhang, li)}
    return {"zhang": zhang, "li": li, "pins": pins}


@pytest.fixture
def portal(access, services):
    return ResidentPortal(access, services.credentials)


def wrong(pin: str) -> str:
    return "".join(str((int(d) + 1) % 10) for d in pin)


def test_sign_in_needs_the_phone_and_that_residents_own_pin(portal, neighbours):
    zhang, pins = neighbours["zhang"], neighbours["pins"]
    assert portal.sign_in("138 0013 8000", pins["张三"], "10.0.0.5").resident_id == zhang.id
    assert portal.sign_in("+8613800138000", pins["张三"], "10.0.0.5").resident_id == zhang.id
    # A neighbour's valid PIN with my number is still wrong, and says nothing about why.
    with pytest.raises(ValidationError) as exc:
        portal.sign_in("13800138000", pins["李四"], "10.0.0.5")
    assert exc.value.field == "pin" and "手机号" in exc.value.message()


def test_sign_in_does_not_open_the_gate_or_write_the_access_log(portal, neighbours, runtime, access):
    portal.sign_in("13800138000", neighbours["pins"]["张三"], "10.0.0.5")
    assert not runtime.services.access.gate.relay_energised
    assert access.log.pending() == 0
    assert AuditLog.select().where(AuditLog.action == "login", AuditLog.actor == f"resident:{neighbours['zhang'].id}").exists()


def test_wrong_pins_lock_the_number_even_from_other_addresses(portal, neighbours, access):
    pins = neighbours["pins"]
    for i in range(access.settings.pin_max_failures):
        with pytest.raises(ValidationError):
            portal.sign_in("13800138000", wrong(pins["张三"]), f"10.0.0.{i + 10}")
    with pytest.raises(SignInLocked) as exc:
        portal.sign_in("13800138000", pins["张三"], "10.0.0.99")  # right PIN, waits a few seconds
    assert "秒" in exc.value.message() and "分钟" not in exc.value.message()
    # the neighbour is not locked out by someone guessing at Zhang's number
    assert portal.sign_in("13900139000", pins["李四"], "10.0.0.99").resident_id == neighbours["li"].id


def test_one_address_guessing_many_numbers_is_locked(portal, neighbours, access):
    pins = neighbours["pins"]
    for i in range(access.settings.pin_max_failures):
        with pytest.raises(ValidationError):
            portal.sign_in(f"1370000000{i}", "123456", "10.0.0.7")
    with pytest.raises(SignInLocked):
        portal.sign_in("13900139000", pins["李四"], "10.0.0.7")


def test_signing_in_as_oneself_does_not_reset_the_address_counter(portal, neighbours, access):
    pins = neighbours["pins"]
    limit = access.settings.pin_max_failures
    for i in range(limit - 1):
        with pytest.raises(ValidationError):
            portal.sign_in(f"137000000{i:02d}", wrong(pins["李四"]), "10.0.0.8")
    portal.sign_in("13800138000", pins["张三"], "10.0.0.8")
    with pytest.raises(ValidationError):
        portal.sign_in("13700000099", wrong(pins["李四"]), "10.0.0.8")
    with pytest.raises(SignInLocked):
        portal.sign_in("13800138000", pins["张三"], "10.0.0.8")


def test_moved_out_resident_cannot_sign_in_and_a_new_pin_ends_sessions(portal, neighbours, services, clock):
    zhang, pins = neighbours["zhang"], neighbours["pins"]
    cred = portal.sign_in("13800138000", pins["张三"], "10.0.0.5")
    token = portal.open_session(cred)
    assert portal.session_resident(zhang.id, cred.id, token).id == zhang.id
    assert portal.session_resident(zhang.id, cred.id) is None  # no token: no session
    services.credentials.new_pin(zhang.id, "volunteer")
    assert portal.session_resident(zhang.id, cred.id, token) is None
    li = neighbours["li"]
    li_cred = portal.sign_in("13900139000", pins["李四"], "10.0.0.6")
    li_token = portal.open_session(li_cred)
    li.move_out = clock.t.date()
    li.save()
    assert portal.session_resident(li.id, li_cred.id, li_token) is None
    with pytest.raises(PermissionDenied) as exc:
        portal.sign_in("13900139000", pins["李四"], "10.0.0.6")
    assert "结束" in exc.value.message()


def test_guest_pass_window_is_checked_field_by_field(portal, neighbours, clock, access):
    zid = neighbours["zhang"].id
    now = clock.t
    fmt = "%Y-%m-%dT%H:%M"
    cases = [
        (dict(note="", valid_from="", valid_until=(now + datetime.timedelta(hours=3)).strftime(fmt), max_uses="1"),
         "note"),
        (dict(note="李\x07阿姨", valid_from="", valid_until=(now + datetime.timedelta(hours=3)).strftime(fmt),
              max_uses="1"), "note"),
        (dict(note="李" * 61, valid_from="", valid_until=(now + datetime.timedelta(hours=3)).strftime(fmt),
              max_uses="1"), "note"),
        (dict(note="李阿姨", valid_from=(now - datetime.timedelta(days=1)).strftime(fmt),
              valid_until=(now + datetime.timedelta(hours=3)).strftime(fmt), max_uses="1"), "valid_from"),
        (dict(note="李阿姨", valid_from="", valid_until=(now - datetime.timedelta(hours=1)).strftime(fmt), max_uses="1"),
         "valid_until"),
        (dict(note="李阿姨", valid_from="", valid_until=(now + datetime.timedelta(days=8)).strftime(fmt), max_uses="1"),
         "valid_until"),
        (dict(note="李阿姨", valid_from=(now + datetime.timedelta(hours=5)).strftime(fmt),
              valid_until=(now + datetime.timedelta(hours=4)).strftime(fmt), max_uses="1"), "valid_until"),
        (dict(note="李阿姨", valid_from="yesterday", valid_until="", max_uses="1"), "valid_from"),
        (dict(note="李阿姨", valid_from="", valid_until=(now + datetime.timedelta(hours=3)).strftime(fmt),
              max_uses="0"), "max_uses"),
        (dict(note="李阿姨", valid_from="", valid_until=(now + datetime.timedelta(hours=3)).strftime(fmt),
              max_uses="many"), "max_uses"),
    ]
    for form, field in cases:
        with pytest.raises(ValidationError) as exc:
            portal.create_guest_pass(zid, **form)
        assert exc.value.field == field, (form, exc.value.field)
    assert VisitorPass.select().count() == 0
    assert access.settings.resident_pass_max_days == 7


def test_guest_pass_is_made_for_the_host_and_used_at_the_gate(portal, neighbours, clock, access):
    zid = neighbours["zhang"].id
    until = (clock.t + datetime.timedelta(days=7)).strftime("%Y-%m-%dT%H:%M")
    vp, code = portal.create_guest_pass(zid, "李阿姨", "", until, "1")
    assert vp.host_id == zid and vp.created_by == f"resident:{zid}" and vp.max_uses == 1
    assert AuditLog.select().where(AuditLog.entity == "visitor_pass", AuditLog.action == "create",
                                   AuditLog.actor == f"resident:{zid}").exists()
    assert access.scan(code, "kiosk").granted
    assert access.scan(code, "kiosk").reason == "used_up"
    assert [row["state"] for row in portal.guest_passes(zid)] == ["used_up"]


def test_only_the_host_can_see_or_cancel_a_guest_pass(portal, neighbours, clock, access):
    zid, lid = neighbours["zhang"].id, neighbours["li"].id
    until = (clock.t + datetime.timedelta(hours=6)).strftime("%Y-%m-%dT%H:%M")
    vp, code = portal.create_guest_pass(zid, "快递小哥", "", until, "3")
    with pytest.raises(NotFound):
        portal.revoke_guest_pass(lid, vp.id)
    with pytest.raises(NotFound):
        portal.guest_pass(lid, vp.id)
    assert portal.guest_passes(lid) == []
    assert access.scan(code, "kiosk").granted
    portal.revoke_guest_pass(zid, vp.id)
    assert access.scan(code, "kiosk").reason == "revoked"
    assert AuditLog.select().where(AuditLog.entity == "visitor_pass", AuditLog.action == "revoke",
                                   AuditLog.actor == f"resident:{zid}").exists()
