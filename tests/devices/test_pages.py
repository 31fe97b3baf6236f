"""The staff pages through Flask's client: lamps with override buttons (htmx partials),
sensors with trouble first, drawn history, the schedule; garbage answered, never a 500."""

from __future__ import annotations

import re

import pytest

from appliance.config import load_config
from appliance.devices.setup import DevicesFeature
from tests.conftest import csrf_token
from tests.devices.conftest import EVENING, write_box


@pytest.fixture
def config(linli_home):
    write_box(linli_home)
    return load_config(linli_home)


@pytest.fixture
def feature(runtime, clock):
    f = runtime.feature(DevicesFeature)
    f.clock.fn = clock
    return f


def post(client, path, data, htmx=False):
    data = dict(data, csrf_token=csrf_token(client, "/devices/"))
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post(path, data=data, headers=headers)


def test_list_shows_lamps_and_silent_sensors_first(client_as, feature, clock):
    sensors = feature.service.sensors
    assert sensors.handle("zigbee2mqtt/leak-b3", b'{"battery": 95, "water_leak": false}') == "reading"
    assert sensors.handle("zigbee2mqtt/climate-1", b'{"battery": 90, "temperature": 21.5}') == "reading"
    clock.advance(hours=2)
    assert sensors.handle("zigbee2mqtt/climate-1", b'{"battery": 90, "temperature": 21.0}') == "reading"
    clock.advance(hours=1, minutes=30)  # leak-b3 now silent for 3.5 h (interval 1 h)
    html = client_as("volunteer").get("/devices/").get_data(as_text=True)
    names = re.findall(r'data-testid="sensor" data-name="([^"]+)"', html)
    assert names.index("leak-b3") < names.index("climate-1")
    assert len(re.findall(r'data-testid="lamp" ', html)) == 2
    assert 'data-testid="sensor-silent"' in html
    assert html.count(">关灯<") == 2  # Chinese buttons, one per lamp


def test_override_buttons_switch_the_lamp_and_answer_with_the_card(client_as, feature):
    c = client_as("volunteer")
    r = post(c, "/devices/lamps/east-1/override", {"on": "on"}, htmx=True)
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert html.lstrip().startswith('<article class="card lamp"') and 'data-on="1"' in html
    assert 'data-testid="lamp-override"' in html
    assert feature.service.lamps.circuits["east-1"].is_on
    r = post(c, "/devices/lamps/east-1/schedule", {}, htmx=True)
    assert 'data-on="0"' in r.get_data(as_text=True)  # noon: the sunset clock says off
    assert not feature.service.lamps.circuits["east-1"].is_on


@pytest.mark.parametrize("data,status", [({"on": "maybe"}, 400), ({}, 400), ({"on": "on", "hours": "x"}, 400),
                                         ({"on": "on", "hours": "1e9"}, 400), ({"on": "on", "level": "-1"}, 400)])
def test_garbage_is_answered_not_a_500(client_as, feature, data, status):
    c = client_as("volunteer")
    r = post(c, "/devices/lamps/east-1/override", data, htmx=True)
    assert r.status_code == status
    assert not feature.service.lamps.circuits["east-1"].is_on


def test_unknown_lamp_and_district_reader(client_as, feature):
    assert post(client_as("volunteer"), "/devices/lamps/nope/override", {"on": "on"}).status_code == 404
    district = client_as("district")
    assert district.get("/devices/").status_code == 200
    assert post(district, "/devices/lamps/east-1/override", {"on": "on"}).status_code == 403
    assert not feature.service.lamps.circuits["east-1"].is_on
    assert client_as("volunteer").get("/devices/d/%E2%80%BD").status_code == 404


def test_device_pages_draw_history(client_as, feature, clock):
    sensors = feature.service.sensors
    for t in (18.0, 19.5, 21.0):
        sensors.handle("zigbee2mqtt/climate-1", f'{{"temperature": {t}, "humidity": 50, "battery": 80}}'.encode())
        clock.advance(hours=1)
    html = client_as("volunteer").get("/devices/d/climate-1").get_data(as_text=True)
    assert 'data-testid="history-temperature"' in html
    assert len(re.findall(r"<circle", html)) >= 6  # three hours of temperature, three of humidity (+ battery)
    clock.at = EVENING
    for _ in range(30):
        feature.service.lamps.tick()
        clock.advance(seconds=10)
    html = client_as("volunteer").get("/devices/d/gate-2").get_data(as_text=True)
    assert 'data-testid="lamp-months"' in html and "kWh" in html


def test_schedule_preview_and_year(client_as, feature):
    html = client_as("volunteer").get("/devices/schedule?days=7").get_data(as_text=True)
    assert len(re.findall(r'data-testid="night"', html)) == 7
    assert 'data-testid="schedule-year"' in html
    assert len(re.findall(r"<rect ", html)) >= 365
    assert client_as("volunteer").get("/devices/schedule?days=abc").status_code == 400


@pytest.mark.parametrize("path", ["/devices/d/..%2F..%2Fetc", "/devices/d/" + "x" * 5000, "/devices/d/%00",
                                  "/devices/d/climate-1?days=-5", "/devices/d/climate-1?days=99999999999999999999",
                                  "/devices/schedule?days=%00", "/devices/schedule?days=1e400", "/devices/?x=%ff"])
def test_hostile_addresses_never_500(client_as, feature, path):
    assert client_as("volunteer").get(path).status_code in (200, 400, 404)


def test_override_reads_as_a_sentence_in_the_audit_log(client_as, feature):
    post(client_as("volunteer"), "/devices/lamps/east-1/override", {"on": "on", "hours": "2"})
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", client_as("admin").get("/audit").get_data(as_text=True)))
    assert "手动打开了路灯 east-1" in text and "lamp_on" not in text


def png(w: int = 800, h: int = 500) -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (w, h), (240, 240, 230)).save(out, "PNG")
    return out.getvalue()


def upload(client, data: bytes, name: str = "plan.png"):
    import io

    return client.post("/devices/plan", data={"csrf_token": csrf_token(client, "/devices/plan"),
                                              "plan": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def test_site_plan_upload_place_and_status_colours(client_as, feature):
    c = client_as("volunteer")
    assert "还没有上传平面图" in c.get("/devices/plan").get_data(as_text=True)
    r = upload(c, b"MZ\x90\x00 not a picture")
    assert r.status_code == 400 and "JPEG 或 PNG" in r.get_data(as_text=True)
    assert upload(c, png()).status_code == 302
    assert c.get("/devices/plan.jpg").data[:2] == b"\xff\xd8"  # re-encoded on the box
    r = c.post("/devices/d/leak-b3/place", data={"x": "0.25", "y": "0.5", "csrf_token": csrf_token(c, "/devices/plan")})
    assert r.status_code == 200 and r.get_json() == {"name": "leak-b3", "x": 0.25, "y": 0.5}
    for bad in ({"x": "2", "y": "0.5"}, {"x": "nan", "y": "0"}, {"x": "abc", "y": "0"}):
        r = c.post("/devices/d/leak-b3/place", data={**bad, "csrf_token": csrf_token(c, "/devices/plan")})
        assert r.status_code == 400 and r.get_json()["field"] == "x"
    feature.service.sensors.handle("zigbee2mqtt/leak-b3", b'{"water_leak": true, "battery": 90}')
    html = c.get("/devices/plan").get_data(as_text=True)
    dot = re.search(r'<circle class="dot dot-(\w+)" data-testid="dot" data-name="leak-b3"[^>]*cx="([\d.]+)"\s+cy="([\d.]+)"',
                    html, re.S)
    assert dot and dot.group(1) == "alarm" and float(dot.group(2)) == 200.0 and float(dot.group(3)) == 250.0
    from appliance.db.models import WorkOrder

    order = WorkOrder.get(WorkOrder.device == "leak-b3")
    assert (order.plan_x, order.plan_y) == (0.25, 0.5)  # the order carries the place on the plan
    assert c.post("/devices/d/nope/place", data={"x": "0", "y": "0",
                                                  "csrf_token": csrf_token(c, "/devices/plan")}).status_code == 404
    district = client_as("district")
    assert district.get("/devices/plan").status_code == 200
    assert upload(district, png()).status_code == 403


def test_silence_buttons(client_as, feature):
    c = client_as("volunteer")
    token = csrf_token(c, "/devices/d/manhole-7")
    r = c.post("/devices/d/manhole-7/silence", data={"hours": "8", "csrf_token": token})
    assert r.status_code == 302
    assert 'data-testid="silenced"' in c.get("/devices/d/manhole-7").get_data(as_text=True)
    r = c.post("/devices/d/manhole-7/silence", data={"hours": "999", "csrf_token": token})
    assert r.status_code == 400 and 'data-testid="device-error"' in r.get_data(as_text=True)
    assert c.post("/devices/d/nope/silence", data={"hours": "2", "csrf_token": token}).status_code == 404
    assert client_as("district").post("/devices/d/manhole-7/silence", data={"hours": "2"}).status_code in (400, 403)


def test_the_sensor_list_draws_each_sensors_last_two_days(client_as, feature, clock):
    sensors = feature.service.sensors
    for t in (18.0, 19.5, 21.0, 20.0):
        sensors.handle("zigbee2mqtt/climate-1", f'{{"temperature": {t}, "battery": 80}}'.encode())
        clock.advance(hours=1)
    feature.service.checkpoint()  # the hourly write
    html = client_as("volunteer").get("/devices/").get_data(as_text=True)
    rows = dict(re.findall(r'data-testid="sensor" data-name="([^"]+)"(.*?)</tr>', html, re.S))
    (line,) = re.findall(r'data-testid="sensor-spark".*?<polyline points="([^"]+)"', rows["climate-1"], re.S)
    ys = [float(p.split(",")[1]) for p in line.split()]
    assert len(ys) == 4 and ys[2] == min(ys) and ys[0] == max(ys)  # 21.0 the highest point, 18.0 the lowest
    assert "sensor-spark" not in rows["leak-b3"]  # never heard: no line
    clock.advance(hours=60)  # older than two days: gone from the list's line
    html = client_as("volunteer").get("/devices/").get_data(as_text=True)
    assert 'data-testid="sensor-spark"' not in html
