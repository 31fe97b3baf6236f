"""Garbage in: imports and forms answer with clear errors, never a 500, never half-written data."""

from __future__ import annotations

import datetime

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
