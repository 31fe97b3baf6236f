"""Garbage into the wizard and the acceptance forms: a clear answer, never a 500."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import csrf_token

value = st.one_of(st.text(max_size=60), st.sampled_from(["", "wifi", "4g", "ethernet", "usb", "code", "pass",
                                                         "Asia/Shanghai", "2026-13-45 25:61", "9" * 40, "<script>",
                                                         "青岛", "nan", "-inf", "1e400", "-90.0", "180",
                                                         "192.168.1.64", "hikvision", "[::1]"]))
FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
FIELDS = ["name", "address", "password", "password2", "timezone", "clock", "mode", "ssid", "wifi_password", "apn",
          "method", "mqtt_host", "code", "status", "evidence", "city", "latitude", "longitude", "host", "maker",
          "xaddr", "camera_user", "camera_password"]


@FUZZ
@given(form=st.fixed_dictionaries({}, optional={f: value for f in FIELDS}),
       target=st.sampled_from(["/setup/community", "/setup/admin", "/setup/time", "/setup/network",
                               "/setup/pairing", "/acceptance/infra.cctv_gate", "/acceptance/mgmt.backup",
                               "/acceptance/nope", "/setup/code", "/setup/location", "/setup/location/preview",
                               "/setup/camera/fill"]))
def test_system_forms_never_answer_500(client_as, services, form, target):
    admin = client_as("admin")
    # The pairing-code path would wait for a broker: keep the fuzz on the USB path.
    if form.get("method") == "code":
        form["mqtt_host"] = ""
    # Examples share the box: a valid new admin password would lock the next example's login
    # out (a 401 that has nothing to do with the form). Setting it is tested in the wizard tests.
    if target == "/setup/admin" and form.get("password") == form.get("password2"):
        form["password2"] = (form.get("password") or "") + "x"
    response = admin.post(target, data={**form, "csrf_token": csrf_token(admin, "/acceptance")})
    assert response.status_code in (200, 302, 400, 404), response.status_code
