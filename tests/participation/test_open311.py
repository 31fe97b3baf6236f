"""Open311 GeoReport v2 against the real server (waitress on a port), driven the way a
GeoReport v2 client drives it: plain HTTP GETs with query strings, a form-encoded POST with
the api_key, JSON and XML answers, errors as the spec's list of {code, description}."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET

import pytest

from appliance.db.models import WorkOrder


def call(base, path, params=None, data=None):
    url = f"{base}/open311/v2/{path}"
    if params:
        url += "?" + urllib.parse.urlencode(params)
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    req = urllib.request.Request(url, data=body, headers={"Accept": "application/json"})
    if body is not None:
        req.add_header("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, resp.headers.get("Content-Type", ""), resp.read()
    except urllib.error.HTTPError as err:
        return err.code, err.headers.get("Content-Type", ""), err.read()


@pytest.fixture
def key(services):
    _row, key = services.participation.keys.add("city-app", "admin")
    return key


def test_a_georeport_client_session(live_server, services, estate, key):
    # 1. discover the services
    status, ctype, body = call(live_server, "services.json")
    assert status == 200 and ctype.startswith("application/json")
    codes = {s["service_code"]: s for s in json.loads(body)}
    assert codes["lamp"]["service_name"] == "路灯不亮" and codes["lamp"]["group"] == "resident"
    assert set(codes["lamp"]) >= {"service_code", "service_name", "description", "metadata", "type", "keywords",
                                  "group"}
    status, _c, body = call(live_server, "services/lamp.json")
    assert status == 200 and json.loads(body) == {"service_code": "lamp", "attributes": []}
    # 2. post a request with the key, form-encoded
    status, _c, body = call(live_server, "requests.json", data={
        "api_key": key, "service_code": "lamp", "address_string": "3号楼东侧路灯", "lat": "39.9075", "long": "116.3972",
        "description": "路灯不亮<script>x</script>", "phone": "13700137000", "first_name": "王", "last_name": "芳"})
    assert status == 200, body
    (posted,) = json.loads(body)
    number, token = posted["service_request_id"], posted["token"]
    order = WorkOrder.get(WorkOrder.number == number)
    assert (order.building.name, order.spot, order.reporter_phone) == ("3号楼", "3号楼东侧路灯", "13700137000")
    # 3. get it by id: open, with address, and no reporter data anywhere
    status, _c, body = call(live_server, f"requests/{number}.json")
    (req,) = json.loads(body)
    assert (req["status"], req["service_code"], req["address"], req["lat"], req["long"]) == (
        "open", "lamp", "3号楼 · 3号楼东侧路灯", 39.9075, 116.3972)
    assert "13700137000" not in body.decode() and "王" not in body.decode()
    # 4. get it by token
    status, _c, body = call(live_server, f"tokens/{token}.json")
    assert json.loads(body) == [{"service_request_id": number, "token": token}]
    # 5. staff fix it with a public note: the client sees closed + status_notes
    services.workorders.transition(order.id, "fixed", "volunteer", note="已换灯泡", public=True)
    services.workorders.add_note(order.id, "内部：费用 30 元", False, "volunteer")
    (req,) = json.loads(call(live_server, f"requests/{number}.json")[2])
    assert (req["status"], req["status_notes"]) == ("closed", "已换灯泡")
    # 6. the same in XML
    status, ctype, body = call(live_server, f"requests/{number}.xml")
    assert status == 200 and "xml" in ctype
    root = ET.fromstring(body)
    assert root.tag == "service_requests"
    assert root.find("request/service_request_id").text == number
    assert root.find("request/status").text == "closed"
    services_xml = ET.fromstring(call(live_server, "services.xml")[2])
    assert "lamp" in [s.find("service_code").text for s in services_xml.findall("service")]


def test_requests_filters_and_media_url(live_server, services, estate):
    reports = services.participation.reports
    from tests.participation.conftest import phone_photo

    lamp = reports.submit(category="lamp", description="a", place={"building_id": estate["b3"].id},
                          photos=[phone_photo()], resident_id=estate["wang"].id)
    leak = reports.submit(category="leak", description="b", place={"building_id": estate["b5"].id})
    services.workorders.transition(leak.id, "fixed", "volunteer")
    listed = json.loads(call(live_server, "requests.json")[2])
    assert [r["service_request_id"] for r in listed] == [leak.number, lamp.number]  # newest first
    assert listed[1]["media_url"].startswith(live_server + "/photos/")
    with urllib.request.urlopen(listed[1]["media_url"]) as resp:
        assert resp.headers["Content-Type"] == "image/jpeg"
    only = lambda **p: [r["service_request_id"] for r in json.loads(call(live_server, "requests.json", p)[2])]
    assert only(status="open") == [lamp.number]
    assert only(status="closed") == [leak.number]
    assert only(service_code="leak") == [leak.number]
    assert only(service_request_id=f"{lamp.number},{leak.number}") == [leak.number, lamp.number]
    assert only(start_date="2000-01-01T00:00:00Z", end_date="2000-02-01T00:00:00Z") == []
    assert only(start_date="2000-01-01T00:00:00+08:00") == [leak.number, lamp.number]


@pytest.mark.parametrize("path, params, status", [
    ("requests.json", {"status": "maybe"}, 400),
    ("requests.json", {"start_date": "yesterday"}, 400),
    ("requests.json", {"start_date": "2026-13-45T99:00:00Z"}, 400),
    ("requests.json", {"start_date": "2026-03-02", "end_date": "2026-03-01"}, 400),
    ("requests/GD-1999-000001.json", None, 404),
    ("requests/x%00y.json", None, 404),
    ("tokens/not-a-token.json", None, 404),
    ("tokens/----------------------------------.json", None, 404),
    ("services/nope.json", None, 404),
    ("services.yaml", None, 404),
])
def test_garbage_is_answered_with_the_spec_error_list(live_server, services, path, params, status):
    got, ctype, body = call(live_server, path, params)
    assert got == status
    errors = json.loads(body)
    assert errors[0]["code"] == status and errors[0]["description"]


@pytest.mark.parametrize("data, status, words", [
    ({"service_code": "lamp", "address_string": "x"}, 403, "api_key"),
    ({"api_key": "o311_wrong", "service_code": "lamp", "address_string": "x"}, 403, "api_key"),
    ({"api_key": "KEY", "service_code": "lamp"}, 400, "lat"),
    ({"api_key": "KEY", "service_code": "nope", "address_string": "x"}, 400, "service_code"),
    ({"api_key": "KEY", "service_code": "lamp", "lat": "999", "long": "1"}, 400, "lat"),
    ({"api_key": "KEY", "service_code": "lamp", "address_id": "99999"}, 400, "address_id"),
    ({"api_key": "KEY", "service_code": "lamp", "address_string": "x", "phone": "abc"}, 400, "phone"),
])
def test_bad_posts_are_refused_and_nothing_is_written(live_server, services, key, data, status, words):
    data = {k: (key if v == "KEY" else v) for k, v in data.items()}
    got, _c, body = call(live_server, "requests.json", data=data)
    assert got == status, body
    (err,) = json.loads(body)
    assert err["code"] == status and words in err["description"]
    assert WorkOrder.select().count() == 0


def test_revoked_key_stops_working_and_xml_errors(live_server, services, key):
    services.participation.keys.revoke("city-app", "admin")
    got, ctype, body = call(live_server, "requests.xml", data={"api_key": key, "service_code": "lamp",
                                                              "address_string": "x"})
    assert got == 403 and "xml" in ctype
    root = ET.fromstring(body)
    assert root.tag == "errors" and root.find("error/code").text == "403"


def test_openapi_documents_every_open311_route(app):
    import json as _json
    from pathlib import Path

    spec = _json.loads((Path(app.root_path) / "openapi.json").read_text())
    documented = {p.replace("{format}", "<fmt>").replace("{service_code}", "<code>")
                  .replace("{service_request_id}", "<request_id>").replace("{token}", "<token>") for p in spec["paths"]}
    routes = {r.rule for r in app.url_map.iter_rules() if r.rule.startswith("/open311/")}
    assert routes and routes <= documented
    assert "post" in spec["paths"]["/open311/v2/requests.{format}"]


def test_admin_issues_and_revokes_a_key_in_the_site(client_as, services):
    from tests.conftest import csrf_token

    admin = client_as("admin")
    token = csrf_token(admin, "/admin/open311-keys")
    html = admin.post("/admin/open311-keys", data={"csrf_token": token, "name": "12345 热线"}).get_data(as_text=True)
    import re as _re

    key = _re.search(r"<code>(o311_[^<]+)</code>", html).group(1)
    assert services.participation.keys.check(key).name == "12345 热线"
    assert admin.post("/admin/open311-keys", data={"csrf_token": token, "name": "12345 热线"}).status_code == 400
    admin.post("/admin/open311-keys", data={"csrf_token": token, "revoke": "12345 热线"})
    with pytest.raises(Exception):
        services.participation.keys.check(key)
    assert client_as("volunteer").get("/admin/open311-keys").status_code == 403
