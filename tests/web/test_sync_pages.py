"""The admin sync-state page (drawn in inline SVG) and the district hub pages."""

from __future__ import annotations

import csv
import io
import re

import pytest
from openpyxl import load_workbook

from appliance.config import load_config
from appliance.runtime import build_runtime
from appliance.sync import state
from appliance.sync.outbox import append
from tests.conftest import PASSWORD, csrf_token, login


def produce(db, n):
    with db.atomic():
        for i in range(n):
            append("access.event", {"n": i, "gate": "北门"})


def test_sync_page_draws_backlog_and_bytes_per_day(client_as, services, db):
    produce(db, 7)
    with db.atomic():
        state.add_usage(123_456)
        state.log("mqtt", "up", 1, 7, 7, 123_456)
        state.log("usb", "ack", None, 7, 0, 300)
    html = client_as("admin").get("/sync").get_data(as_text=True)
    assert 'id="sync-backlog">7<' in html
    bars = re.findall(r'<rect class="bar" x="[\d.]+" y="[\d.]+" width="[\d.]+" height="([\d.]+)"', html)
    assert len(bars) == 30 and float(bars[-1]) > 100 and all(float(h) == 0 for h in bars[:-1])
    assert html.count('class="contact"') == 1
    assert "<script" not in html.split("</head>")[1]  # drawn without JavaScript
    assert client_as("kiosk").get("/sync").status_code == 403


@pytest.mark.browser
def test_sync_page_renders_in_a_real_browser(live_server, page, users, services, db):
    produce(db, 3)
    with db.atomic():
        state.log("mqtt", "up", 1, 3, 3, 5000)
    page.goto(live_server + "/login")
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit], form button")
    page.goto(live_server + "/sync")
    chart = page.locator("#sync-bytes-chart")
    box = chart.bounding_box()
    assert box and box["width"] > 300 and box["height"] > 50
    tallest = max(page.locator("#sync-bytes-chart rect.bar").evaluate_all(
        "els => els.map(e => e.getBoundingClientRect().height)"))
    assert tallest > 40


@pytest.fixture
def hub_runtime(linli_home):
    (linli_home / "config.toml").write_text("[hub]\nenabled = true\nid = \"district-1\"\n", encoding="utf-8")
    rt = build_runtime(load_config(linli_home), immediate_tasks=True, hardware=False)
    yield rt
    rt.close()


@pytest.fixture
def district(hub_runtime):
    from web import create_app

    app = create_app(hub_runtime.config, hub_runtime.services, testing=True)
    hub_runtime.services.accounts.create("district", "district", PASSWORD, display_name="District")
    c = app.test_client()
    assert login(c, "district").status_code == 302
    return c


def test_district_pages_show_boxes_events_exports_and_send_notices(hub_runtime, district):
    s = hub_runtime.services
    hub = s.hub
    # This machine's own box plays a community box for the page.
    hub.register_box(s.box_id, s.sync.public_key)
    s.sync.pin_hub("district-1", hub.public_key)
    produce(hub_runtime.db, 12)
    data, _ = s.sync.next_batch()
    assert hub.receive(data, "usb").new == 12
    hub.box_status(s.box_id, {"backlog": 4, "down_ack": 0, "health": {"gate": True, "camera": False}})

    html = district.get("/district/").get_data(as_text=True)
    assert s.box_id in html and "摄像头" in html and ">4<" in html
    html = district.get("/district/events?kind=access.event").get_data(as_text=True)
    assert html.count('data-kind="access.event">门禁通行<') == 12 and "北门" in html
    from tests.test_translations import english_words

    for page in ("/district/", "/district/events", "/district/notices"):  # codes in words, times to the minute
        shown = district.get(page).get_data(as_text=True)
        assert not english_words(shown.replace("District", "")), (page, english_words(shown))
        assert not re.search(r"\d\d:\d\d:\d\d\.\d{6}", shown)

    rows = list(csv.reader(io.StringIO(district.get("/district/events.csv").get_data().decode("utf-8-sig"))))
    assert rows[0][:4] == ["box", "seq", "uuid", "kind"] and len(rows) == 13 and "北门" in rows[1][5]
    ws = load_workbook(io.BytesIO(district.get("/district/events.xlsx").get_data())).active
    assert ws.max_row == 13
    # One month: the export form's ?month= keeps only that month's rows.
    this_month = max(e.at for e in hub.iter_events()).strftime("%Y-%m")
    in_month = sum(1 for e in hub.iter_events() if e.at.strftime("%Y-%m") == this_month)  # 12 unless run at midnight
    month = district.get(f"/district/events.csv?month={this_month}")
    assert in_month > 0 and month.get_data().decode("utf-8-sig").count("\n") == in_month + 1
    assert f"linli-events-{this_month}.csv" in month.headers["Content-Disposition"]
    assert district.get("/district/events.csv?month=2001-01").get_data().decode("utf-8-sig").count("\n") == 1
    assert 'id="export-month"' in district.get("/district/events").get_data(as_text=True)

    token = csrf_token(district, "/district/notices")
    r = district.post("/district/notices", data={"title": "防汛通知", "body": "今晚暴雨", "csrf_token": token})
    assert r.status_code == 302
    assert [i["k"] for i in hub.pending_downlink(s.box_id)[1]] == ["notice"]
    html = district.get("/district/notices").get_data(as_text=True)
    assert "防汛通知" in html
    r = district.post("/district/notices", data={"title": "", "csrf_token": token})
    assert r.status_code == 400


def test_district_pages_are_absent_on_a_box_that_is_not_a_hub(client_as):
    assert client_as("district").get("/district/").status_code == 404
