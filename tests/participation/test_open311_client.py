"""Open311 driven by a published GeoReport v2 client, unchanged: the `georeport` package reads
services, service definitions, request lists and single requests in JSON and in XML (its XML
path parses with xmltodict, so element names must be the spec's). It has no POST, so the
request is created the way such clients post it: `requests`, form-encoded, with the api_key."""

from __future__ import annotations

import pytest
import requests
from georeport import GeoReport

from appliance.db.models import WorkOrder


@pytest.fixture
def key(services):
    _row, key = services.participation.keys.add("city-app", "admin")
    return key


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_standard_client_reads_what_was_posted_with_a_key(live_server, services, estate, key, fmt):
    root = f"{live_server}/open311/v2"
    client = GeoReport(root, output_format=fmt)
    services_list = client.get_service_list()
    lamp = next(s for s in services_list if s["service_code"] == "lamp")
    assert lamp["service_name"] == "路灯不亮"
    definition = client.get_service_definition("lamp")
    assert definition["service_code"] == "lamp"

    r = requests.post(f"{root}/requests.json", data={
        "api_key": key, "service_code": "lamp", "address_string": "3号楼 楼下路灯", "lat": "39.9075",
        "long": "116.3972", "description": "路灯一闪一闪", "email": "wang@example.cn"}, timeout=10)
    assert r.status_code == 200, r.text
    (posted,) = r.json()
    number, token = posted["service_request_id"], posted["token"]

    got = client.get_service_request(number)
    assert (got["service_request_id"], got["status"], got["service_code"]) == (number, "open", "lamp")
    assert "3号楼" in got["address"] and "wang@example.cn" not in str(got)
    listed = client.get_service_requests(service_code="lamp", status="open")
    listed = [listed] if isinstance(listed, dict) else listed  # xmltodict: one element is not a list
    assert number in [x["service_request_id"] for x in listed]

    order = WorkOrder.get(WorkOrder.number == number)
    services.workorders.transition(order.id, "fixed", "volunteer", note="已修好", public=True)
    got = client.get_service_request(number)
    assert (got["status"], got["status_notes"]) == ("closed", "已修好")
    if fmt == "json":
        assert client.get_service_requests(service_code="lamp", status="open") == []
    else:
        # The client's XML path cannot read an empty list (`<service_requests/>` parses to None, then
        # it indexes it): a fault of the client with any server, so the empty answer is checked as sent.
        empty = requests.get(f"{root}/requests.xml", params={"service_code": "lamp", "status": "open"}, timeout=10)
        assert empty.status_code == 200 and "<request>" not in empty.text and "service_requests" in empty.text

    by_token = requests.get(f"{root}/tokens/{token}.json", timeout=10).json()
    assert by_token == [{"service_request_id": number, "token": token}]


def test_standard_client_without_or_with_a_wrong_key_is_refused(live_server, estate):
    root = f"{live_server}/open311/v2"
    for data in ({}, {"api_key": "not-a-key"}):
        r = requests.post(f"{root}/requests.json", data={"service_code": "lamp", "address_string": "3号楼",
                                                         "description": "x", **data}, timeout=10)
        assert r.status_code in (400, 403)
        (err,) = r.json()
        assert "api_key" in err["description"]
    with pytest.raises(requests.HTTPError):
        GeoReport(root).get_service_request("GD-1999-000000")  # unknown id: the spec's 404
