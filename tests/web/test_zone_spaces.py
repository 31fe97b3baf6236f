"""The zone editor's parking spaces field: a parking zone says how many cars fit in it."""

from __future__ import annotations

import pytest

from appliance.db.models import FireZone
from tests.web.test_firelane_pages import _csrf

ZONE = {"name": "地面东侧车位", "camera": "cam1", "kind": "parking", "polygon": "100,400 900,400 900,700 100,700",
        "dwell_s": "60", "inertia": "3", "objects": ["car"]}


def _post(c, path="/firelane/zones", **changes):
    return c.post(path, data={**ZONE, "csrf_token": _csrf(c, "/firelane/zones"), **changes})


@pytest.mark.parametrize("garbage", ["abc", "-1", "2001", "12.5", "9" * 40])
def test_garbage_spaces_are_refused_naming_the_field_and_nothing_is_saved(client_as, garbage):
    c = client_as("volunteer")
    r = _post(c, spaces=garbage)
    assert r.status_code == 400
    html = r.get_data(as_text=True)
    assert "车位数：请填 0 到 2000 之间的整数。" in html
    assert 'data-field="spaces"' in html and f'value="{garbage}"' in html  # kept for correcting
    assert FireZone.select().count() == 0


def test_a_parking_zone_keeps_its_spaces_and_the_editor_shows_them(client_as):
    c = client_as("volunteer")
    assert _post(c, spaces="40").status_code == 302
    (z,) = FireZone.select()
    assert z.spaces == 40
    page = c.get("/firelane/zones").get_data(as_text=True)
    assert "停车区 · 40 个车位" in page
    form = c.get(f"/firelane/zones?zone={z.id}").get_data(as_text=True)
    assert 'name="spaces" type="number" value="40"' in form
    # Changed to 2000 (the most), then cleared: blank means "not given".
    assert _post(c, f"/firelane/zones/{z.id}", spaces="2000").status_code == 302
    assert FireZone.get_by_id(z.id).spaces == 2000
    assert _post(c, f"/firelane/zones/{z.id}", spaces=" ").status_code == 302
    assert FireZone.get_by_id(z.id).spaces == 0
    # Refused on edit: the zone keeps what it had.
    assert _post(c, f"/firelane/zones/{z.id}", spaces="两千").status_code == 400
    assert FireZone.get_by_id(z.id).spaces == 0


def test_a_fire_lane_zone_has_no_spaces(client_as):
    c = client_as("volunteer")
    assert _post(c, kind="fire_lane", spaces="30").status_code == 302
    assert FireZone.get().spaces == 0
