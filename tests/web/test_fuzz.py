"""Garbage in: imports and forms answer with clear errors, never a 500, never half-written data."""

from __future__ import annotations

import datetime

import pytest

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from appliance.db.models import Resident, Unit, Vehicle
from appliance.errors import ValidationError
from tests.helpers import HEADER, write_csv, write_xlsx

cell = st.one_of(
    st.none(), st.text(max_size=30), st.integers(-10**12, 10**12), st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(["1号楼", "2单元301", "业主", "是", "否", "京A12345", "13800138000", "2020-01-01", "1/1/2020"]),
    st.dates(min_value=datetime.date(1900, 1, 1)),
)
rows = st.lists(st.lists(cell, min_size=0, max_size=len(HEADER) + 2), min_size=0, max_size=8)
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@FUZZ
@given(data=rows, as_csv=st.booleans())
def test_import_parser_never_crashes_and_is_all_or_nothing(services, tmp_path_factory, data, as_csv):
    if not Unit.select().where(Unit.number == "fixture").exists():
        services.registry.save_building({"name": "1号楼"}, "t")
        services.registry.save_unit({"building_id": 1, "number": "fixture"}, "t")
    before = (Resident.select().count(), Unit.select().count(), Vehicle.select().count())
    folder = tmp_path_factory.mktemp("fuzz")
    safe = [[c.isoformat() if isinstance(c, datetime.date) else c for c in r] for r in data]
    if as_csv:
        path = write_csv(folder / "f.csv", safe)
    else:
        # xlsx cannot hold control characters at all, so they cannot reach the parser that way
        path = write_xlsx(folder / "f.xlsx", [[c if not isinstance(c, str) else "".join(ch for ch in c if ch >= " ")
                                               for c in r] for r in safe])
    try:
        report = services.residents_io.import_file(path, "fuzz")
    except ValidationError as exc:
        assert exc.message()
        report = None
    after = (Resident.select().count(), Unit.select().count(), Vehicle.select().count())
    if report is None or not report.ok:
        assert after == before
        if report:
            assert all(e.row >= 2 and e.column and e.message for e in report.errors)


form_value = st.one_of(st.text(max_size=40), st.sampled_from(["", "0", "-1", "9" * 30, "1e309", "NaN", "<script>",
                                                               "2020-13-45", "京A12345", "1"]))
FORMS = [
    ("/buildings", ["name", "address", "floors"]),
    ("/units", ["building_id", "number", "floor", "area_m2"]),
    ("/residents/new", ["name", "phone", "unit_id", "role", "move_in", "move_out", "birth_year", "minor", "notes"]),
    ("/users", ["username", "role", "password", "display_name"]),
    ("/residents/1/vehicles", ["plate"]),
    ("/residents/1/move-out", ["date"]),
]


@FUZZ
@given(form=st.sampled_from(FORMS), values=st.lists(form_value, min_size=9, max_size=9))
def test_forms_never_answer_500(app, client_as, form, values):
    app.config["WTF_CSRF_ENABLED"] = False
    client = client_as("admin") if not hasattr(app, "_fuzz_client") else app._fuzz_client
    app._fuzz_client = client
    url, fields = form
    response = client.post(url, data=dict(zip(fields, values)))
    assert response.status_code < 500, (url, dict(zip(fields, values)))


def test_huge_ids_in_urls_and_forms_are_not_found_not_500(app, client_as):
    app.config["WTF_CSRF_ENABLED"] = False
    c = client_as("admin")
    huge = "9223372036854775808"
    assert c.get(f"/residents/{huge}").status_code == 404
    assert c.post("/units", data={"building_id": huge, "number": "1"}).status_code in (400, 404)
    assert c.post(f"/users/{huge}/active", data={"active": "0"}).status_code == 404


# --- every GET route with hostile values (#11 item 15) ----------------------------------------------
HOSTILE = ["9" * 30, "9223372036854775808", "18446744073709551616", "-9223372036854775809", "-1", "0", "1e309",
           "-1e309", "NaN", "inf", "9999-12-31", "0001-01-01", "2020-02-30", "\x00", "%00", "\n", "/%0a/x",
           "/\t/evil.example/", "<script>", "' OR 1=1 --", "١٢٣", "２", "x" * 3000, "", "1", "2024-01-01"]
PARAMS = ["page", "building", "q", "date_from", "date_to", "method", "result", "entity", "kind", "box", "camera",
          "all", "template", "saved", "next", "fmt", "id", "limit", "offset"]
PATH_VALUES = {"int": ["9223372036854775807", "9223372036854775808", "9" * 30, "0", "1"],
               "default": ["x", "..", "%00", "x" * 300, "1"]}


def _get_routes(app):
    import re

    for rule in app.url_map.iter_rules():
        if "GET" in rule.methods and rule.endpoint != "static":
            yield rule.endpoint, rule.rule, re.findall(r"<(?:(\w+):)?(\w+)>", rule.rule)


@pytest.fixture
def fuzz_clients(app, client_as, services):
    from tests.conftest import csrf_token

    reg = services.registry
    b = reg.save_building({"name": "1号楼"}, "t")
    u = reg.save_unit({"building_id": b.id, "number": "101"}, "t")
    r = reg.save_resident({"name": "张三", "unit_id": u.id, "phone": "13800138000", "move_in": "2020-01-01"}, "t")
    pin = services.credentials.new_pin(r.id, "t")
    resident = app.test_client()
    resident.post("/me/login", data={"phone": "13800138000", "pin": pin,
                                     "csrf_token": csrf_token(resident, "/me/login")})
    assert resident.get("/me/").status_code == 200
    return {"admin": client_as("admin"), "kiosk": client_as("kiosk"), "resident": resident}


def _client_for(endpoint, clients):
    if endpoint.startswith("kiosk."):
        return clients["kiosk"]
    if endpoint.startswith("me."):
        return clients["resident"]
    return clients["admin"]


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=st.dictionaries(st.sampled_from(PARAMS), st.sampled_from(HOSTILE), min_size=1, max_size=5),
       pick=st.integers(0, 4))
def test_every_get_route_answers_hostile_values_without_500(app, fuzz_clients, query, pick):
    from urllib.parse import quote, urlencode

    app.config["PROPAGATE_EXCEPTIONS"] = False  # count 500 answers instead of raising
    failures = []
    for endpoint, rule, params in _get_routes(app):
        url = rule
        for conv, name in params:
            values = PATH_VALUES["int" if conv == "int" else "default"]
            url = url.replace(f"<{conv + ':' if conv else ''}{name}>", quote(values[pick % len(values)], safe=""))
        url += "?" + urlencode(query)
        status = _client_for(endpoint, fuzz_clients).get(url).status_code
        if status >= 500:
            failures.append((status, url))
    assert not failures, failures


@pytest.mark.parametrize("url", ["/residents?page=9223372036854775808", "/residents?building=99999999999999999999",
                                 "/units?building=99999999999999999999", "/audit?page=99999999999999999999",
                                 "/access/log?page=99999999999999999999", "/api/v1/residents?page=1e309",
                                 "/access/passes/99999999999999999999", "/firelane/incidents/99999999999999999999"])
def test_huge_numbers_are_refused_plainly(app, client_as, url):
    status = client_as("admin").get(url).status_code
    assert status in (400, 404), (url, status)


def test_a_residents_huge_guest_pass_id_is_not_found(app, fuzz_clients):
    assert fuzz_clients["resident"].get("/me/guests/99999999999999999999").status_code == 404


@pytest.mark.parametrize("url", ["/access/log?date_to=9999-12-31", "/access/log.xlsx?date_to=9999-12-31"])
def test_the_last_possible_date_is_a_filter_not_a_crash(client_as, url):
    assert client_as("admin").get(url).status_code == 200


def test_fire_lane_settings_refuse_infinite_minutes(app, client_as, services):
    app.config["WTF_CSRF_ENABLED"] = False
    response = client_as("admin").post("/firelane/settings", data={"t2_min": "1e309", "t3_min": "30"})
    assert response.status_code == 400


def test_an_xlsx_with_a_dtd_entity_is_refused_plainly(app, client_as, tmp_path):
    import io
    import zipfile

    from tests.helpers import row

    plain = write_xlsx(tmp_path / "ok.xlsx", [row()])
    evil = io.BytesIO()
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(evil, "w") as dst:
        for name in src.namelist():
            data = src.read(name)
            if name == "xl/worksheets/sheet1.xml":
                data = data.replace(b"<worksheet", b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><worksheet', 1)
                data = data.replace("张三".encode(), b"&e;", 1)
            dst.writestr(name, data)
    app.config["WTF_CSRF_ENABLED"] = False
    response = client_as("admin").post("/residents/import", data={"file": (io.BytesIO(evil.getvalue()), "r.xlsx")},
                                       content_type="multipart/form-data")
    assert response.status_code == 400 and "Excel" in response.get_data(as_text=True)


def test_a_long_staged_name_on_import_commit_is_refused(app, client_as):
    app.config["WTF_CSRF_ENABLED"] = False
    response = client_as("admin").post("/residents/import/commit", data={"staged": "a" * 500 + ".xlsx"})
    assert response.status_code == 400
