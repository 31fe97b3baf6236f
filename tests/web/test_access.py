"""Every page needs the right role: walk the URL map as anonymous, kiosk and district."""

from __future__ import annotations

import re

import pytest

PUBLIC = {"static", "auth.login", "auth.logout", "auth.language", "healthz", "kiosk.home", "me.login", "me.logout",
          "system.setup_home", "system.setup_code"}  # the first-boot code page (tests/system/test_wizard_pages.py)


def concrete_urls(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC:
            continue
        url = re.sub(r"<(?:int:)?(\w+)>", lambda m: "1" if "int" in m.group(0) or "id" in m.group(1) else "x",
                     rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule.endpoint, method, url


def test_anonymous_is_refused_everywhere_but_login_kiosk_and_healthz(app, client):
    checked = 0
    app.config["WTF_CSRF_ENABLED"] = False  # prove the role check, not the CSRF check, refuses
    for endpoint, method, url in concrete_urls(app):
        response = client.open(url, method=method)
        assert response.status_code in (302, 401), (endpoint, method, url, response.status_code)
        if response.status_code == 302:
            # Before first-boot setup is finished, its steps send strangers to the setup-code page.
            assert "/login" in response.headers["Location"] or (
                endpoint.startswith("system.setup") and response.headers["Location"].endswith("/setup")), (endpoint, url)
        checked += 1
    assert checked > 20
    assert client.get("/login").status_code == 200
    assert client.get("/kiosk/").status_code == 200
    assert client.get("/healthz").status_code in (200, 503)


def test_kiosk_device_can_do_nothing_but_the_kiosk(app, client_as):
    app.config["WTF_CSRF_ENABLED"] = False
    kiosk = client_as("kiosk")
    for endpoint, method, url in concrete_urls(app):
        if endpoint.startswith("kiosk."):
            continue
        response = kiosk.open(url, method=method)
        assert response.status_code == 403, (endpoint, method, url, response.status_code)


def test_district_staff_read_but_cannot_change_the_register(app, client_as):
    district = client_as("district")
    assert district.get("/residents").status_code == 200
    app.config["WTF_CSRF_ENABLED"] = False
    assert district.post("/buildings", data={"name": "9号楼"}).status_code == 403
    assert district.get("/users").status_code == 403
    assert district.post("/residents/import/commit").status_code == 403


@pytest.mark.parametrize("role", ["admin", "volunteer", "district"])
def test_staff_roles_see_the_dashboard(client_as, role):
    response = client_as(role).get("/")
    assert response.status_code == 200 and "住户" in response.get_data(as_text=True)


def test_login_is_throttled_after_repeated_failures(client, users):
    from tests.conftest import csrf_token

    for _ in range(5):
        r = client.post("/login", data={"username": "admin", "password": "wrong", "csrf_token": csrf_token(client)})
        assert r.status_code == 401
    r = client.post("/login", data={"username": "admin", "password": "correct-horse-1",
                                    "csrf_token": csrf_token(client)})
    assert r.status_code == 401 and "分钟" in r.get_data(as_text=True)


def test_forms_without_csrf_token_are_refused(client_as):
    admin = client_as("admin")
    response = admin.post("/buildings", data={"name": "9号楼"})
    assert response.status_code == 400
    assert "9号楼" not in admin.get("/buildings").get_data(as_text=True)


def test_session_cookie_flags(client, users):
    from tests.conftest import login

    response = login(client, "admin")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_open_redirect_after_login_is_refused(client, users):
    from tests.conftest import csrf_token

    r = client.post("/login?next=//evil.example/", data={"username": "admin", "password": "correct-horse-1",
                                                         "csrf_token": csrf_token(client)})
    assert r.status_code == 302 and r.headers["Location"] == "/"


HOSTILE_NEXT = ["/%09/evil.example/", "/%0a/evil.example/", "/%0d%0a/x", "/%5Cevil.example/", "//evil.example/",
                "https://evil.example/", "/%09%09/evil.example", "%20//evil.example/", "javascript:alert(1)",
                "/%00/x", "\\\\evil.example"]


def _stays_here(response) -> bool:
    from urllib.parse import urlsplit

    location = response.headers["Location"]
    # What a browser does with it: drop tabs and newlines, read backslashes as slashes.
    seen = urlsplit(location.replace("\\", "/"))
    return not seen.netloc and not seen.scheme and seen.path.startswith("/")


@pytest.mark.parametrize("target", HOSTILE_NEXT)
def test_language_switch_never_sends_the_browser_elsewhere(client, target):
    response = client.get(f"/lang/en?next={target}")
    assert response.status_code == 302, (target, response.status_code)
    assert _stays_here(response), (target, response.headers["Location"])


@pytest.mark.parametrize("target", HOSTILE_NEXT)
def test_login_never_sends_the_browser_elsewhere(client, users, target):
    from tests.conftest import csrf_token

    r = client.post(f"/login?next={target}", data={"username": "admin", "password": "correct-horse-1",
                                                   "csrf_token": csrf_token(client)})
    assert r.status_code == 302, (target, r.status_code)
    assert _stays_here(r), (target, r.headers["Location"])


def test_same_site_next_is_kept(client, users):
    from tests.conftest import csrf_token

    assert client.get("/lang/en?next=/residents%3Fq%3D1").headers["Location"] == "/residents?q=1"
    r = client.post("/login?next=/units%3Fbuilding%3D2", data={"username": "admin", "password": "correct-horse-1",
                                                                "csrf_token": csrf_token(client)})
    assert r.headers["Location"] == "/units?building=2"
