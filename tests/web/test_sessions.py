"""Sessions end on the box, not only in the browser; every staff user can change their
password; an administrator can reset one (#11 items 11 and 14)."""

from __future__ import annotations

import re

import pytest

from appliance.db.models import AuditLog
from tests.conftest import PASSWORD, csrf_token, login

COOKIE = "linli_session"


def copy_of(app, client):
    """A second browser holding a copy of ``client``'s session cookie (as a thief would)."""
    thief = app.test_client()
    thief.set_cookie(COOKIE, client.get_cookie(COOKIE).value)
    return thief


def logged_in(client, path="/") -> bool:
    response = client.get(path)
    return response.status_code == 200


def post(client, path, data=None, page="/"):
    return client.post(path, data={**(data or {}), "csrf_token": csrf_token(client, page)})


def test_logout_ends_a_copied_cookie(app, client_as):
    admin = client_as("admin")
    thief = copy_of(app, admin)
    assert logged_in(thief)
    post(admin, "/logout")
    assert not logged_in(admin)
    response = thief.get("/residents")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_kiosk_session_ends_when_its_password_is_reset(app, client_as, users):
    kiosk = client_as("kiosk")
    thief = copy_of(app, kiosk)
    assert thief.get("/kiosk/status").status_code == 200
    response = post(client_as("admin"), f"/users/{users['kiosk'].id}/password", page="/users")
    assert response.status_code == 303
    assert thief.get("/kiosk/status").status_code == 302
    assert kiosk.get("/kiosk/status").status_code == 302


def test_changing_my_password_ends_my_other_sessions_but_not_this_one(app, client_as, users, services):
    here = client_as("volunteer")
    elsewhere = client_as("volunteer")
    page = "/account/password"
    assert "修改我的密码" in here.get(page).get_data(as_text=True)

    wrong = post(here, page, {"old": "not-it-at-all", "new": "a-new-secret-9", "repeat": "a-new-secret-9"}, page)
    assert wrong.status_code == 400 and "当前密码不对" in wrong.get_data(as_text=True)
    short = post(here, page, {"old": PASSWORD, "new": "short", "repeat": "short"}, page)
    assert short.status_code == 400 and "至少要 8 位" in short.get_data(as_text=True)
    typo = post(here, page, {"old": PASSWORD, "new": "a-new-secret-9", "repeat": "a-new-secret-8"}, page)
    assert typo.status_code == 400 and "两次输入的新密码不一样" in typo.get_data(as_text=True)
    assert logged_in(elsewhere)  # nothing changed yet

    done = post(here, page, {"old": PASSWORD, "new": "a-new-secret-9", "repeat": "a-new-secret-9"}, page)
    assert done.status_code == 200 and "密码已修改" in done.get_data(as_text=True)
    assert logged_in(here)
    assert not logged_in(elsewhere)
    assert login(app.test_client(), "volunteer", PASSWORD).status_code == 401
    assert login(app.test_client(), "volunteer", "a-new-secret-9").status_code == 302
    assert AuditLog.select().where(AuditLog.action == "password", AuditLog.actor == "volunteer").count() == 1


def test_district_staff_can_change_their_password_too(client_as):
    assert client_as("district").get("/account/password").status_code == 200
    assert client_as("kiosk").get("/account/password").status_code == 403


def test_admin_reset_shows_a_one_time_password_that_must_be_replaced(app, client_as, users):
    victim_session = client_as("volunteer")
    admin = client_as("admin")
    page = admin.get("/users").get_data(as_text=True)
    assert "重置密码" in page
    response = post(admin, f"/users/{users['volunteer'].id}/password", page="/users")
    assert response.status_code == 303
    response = admin.get(response.headers["Location"])
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    one_time = re.search(r'id="one-time-password">[^<]*<code>([^<]+)</code>', html).group(1)
    assert one_time not in admin.get("/users").get_data(as_text=True)  # shown once
    assert not logged_in(victim_session)

    volunteer = app.test_client()
    first = login(volunteer, "volunteer", one_time)
    assert first.status_code == 302 and first.headers["Location"] == "/account/password"
    assert volunteer.get("/residents").headers["Location"] == "/account/password"  # nothing else opens
    assert "管理员重置了你的密码" in volunteer.get("/account/password").get_data(as_text=True)
    post(volunteer, "/account/password", {"old": one_time, "new": "mine-at-last-1", "repeat": "mine-at-last-1"},
         "/account/password")
    assert logged_in(volunteer, "/residents")
    actions = [(r.actor, r.action) for r in AuditLog.select().where(AuditLog.entity == "user")]
    assert ("admin", "password_reset") in actions and ("volunteer", "password") in actions


def test_admin_cannot_reset_their_own_password_from_the_list(client_as, users):
    admin = client_as("admin")
    response = post(admin, f"/users/{users['admin'].id}/password", page="/users")
    assert response.status_code == 400 and "修改我的密码" in response.get_data(as_text=True)
    assert logged_in(admin)


def test_role_change_ends_sessions_even_when_changed_back(app, client_as, users):
    volunteer = client_as("volunteer")
    admin = client_as("admin")
    uid = users["volunteer"].id
    post(admin, f"/users/{uid}/role", {"role": "district"}, "/users")
    post(admin, f"/users/{uid}/role", {"role": "volunteer"}, "/users")
    assert not logged_in(volunteer)
    roles = AuditLog.select().where(AuditLog.action == "role", AuditLog.entity_id == str(uid)).count()
    assert roles == 2


def test_locking_an_account_ends_its_sessions_for_good(app, client_as, users):
    volunteer = client_as("volunteer")
    admin = client_as("admin")
    uid = users["volunteer"].id
    post(admin, f"/users/{uid}/active", {"active": "0"}, "/users")
    post(admin, f"/users/{uid}/active", {"active": "1"}, "/users")
    assert not logged_in(volunteer)


@pytest.mark.real_password_hashing
def test_passwords_are_stored_with_scrypt_never_in_clear(services):
    user = services.accounts.create("wang", "volunteer", "correct-horse-1", display_name="王")
    assert user.password_hash.startswith("scrypt:") and "correct-horse-1" not in user.password_hash
    assert services.accounts.authenticate("wang", "correct-horse-1", "10.0.0.2").username == "wang"
