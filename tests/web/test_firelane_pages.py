from appliance.firelane.setup import FireLaneFeature
import datetime

import numpy as np
import pytest

from appliance.db.models import FireZone
from models.plates.vote import BestRead


@pytest.fixture
def fl(services):
    return services.firelane


def _csrf(client, path):
    import re

    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def test_volunteer_draws_a_zone(client_as, fl):
    c = client_as("volunteer")
    token = _csrf(c, "/firelane/zones")
    r = c.post("/firelane/zones", data={"csrf_token": token, "name": "东侧消防通道", "camera": "cam1",
                                         "kind": "fire_lane", "polygon": "100,400 900,400 900,700 100,700",
                                         "dwell_s": "60", "inertia": "3", "objects": ["car", "truck"]})
    assert r.status_code == 302
    (z,) = FireZone.select()
    assert z.polygon[0] == [100, 400] and z.objects == ["car", "truck"]
    page = c.get("/firelane/zones").get_data(as_text=True)
    assert "东侧消防通道" in page and "zone-editor.js" in page


def test_zone_without_points_is_refused_with_the_reason(client_as):
    c = client_as("volunteer")
    token = _csrf(c, "/firelane/zones")
    r = c.post("/firelane/zones", data={"csrf_token": token, "name": "x", "camera": "cam1",
                                         "polygon": "", "objects": ["car"]})
    assert r.status_code == 400
    assert "请至少用三个点画出区域" in r.get_data(as_text=True)


def test_incident_page_badge_and_evidence(client_as, fl, services):
    zone = fl.zones.save({"name": "北门通道", "camera": "cam1", "polygon": "0,0 100,0 100,100"}, "t")
    frame = np.full((240, 320, 3), 120, np.uint8)
    inc = fl.incidents.open(zone, "cam1", 1, "car", datetime.datetime.now().replace(microsecond=0),
                           frame=frame, box=(10, 10, 100, 100), plate=BestRead("川K77777", 0.9, 4, True))
    c = client_as("volunteer")
    overview = c.get("/").get_data(as_text=True)
    assert 'id="firelane-badge">1<' in overview  # unknown plate: the volunteer is needed
    page = c.get(f"/firelane/incidents/{inc.id}").get_data(as_text=True)
    assert "川K77777" in page and "车主不明" in page
    img = c.get(f"/firelane/incidents/{inc.id}/evidence/first")
    assert img.status_code == 200 and img.data[:2] == b"\xff\xd8"
    token = _csrf(c, f"/firelane/incidents/{inc.id}")
    c.post(f"/firelane/incidents/{inc.id}/acknowledge", data={"csrf_token": token})
    assert 'id="firelane-badge"' not in c.get("/").get_data(as_text=True)


def test_district_reads_but_cannot_change(client_as, fl):
    c = client_as("district")
    assert c.get("/firelane/").status_code == 200
    token = _csrf(c, "/firelane/")
    r = c.post("/firelane/zones", data={"csrf_token": token, "name": "x", "camera": "c",
                                         "polygon": "0,0 1,0 1,1"})
    assert r.status_code == 403
    assert c.get("/firelane/settings").status_code == 403


def test_settings_page_shows_the_standard_notice_and_saves(client_as, fl):
    c = client_as("admin")
    page = c.get("/firelane/settings").get_data(as_text=True)
    assert "第二十八条" in page and "第六十条" in page
    token = _csrf(c, "/firelane/settings")
    r = c.post("/firelane/settings", data={"csrf_token": token, "t2_min": "5", "t3_min": "20",
                                            "duty_name": "小王", "duty_phone": "139 0013 9000"})
    assert r.status_code == 302
    assert fl.settings.values()["duty_phone"] == "13900139000" and fl.settings.timers() == (300.0, 1200.0)


def test_zone_editor_shows_the_cameras_latest_picture(client_as, fl):
    c = client_as("volunteer")
    assert "空白的 1280 x 720" in c.get("/firelane/zones").get_data(as_text=True)
    fl.zones.remember_snapshot("gate-cam", np.full((576, 768, 3), 90, np.uint8))
    page = c.get("/firelane/zones?camera=gate-cam").get_data(as_text=True)
    assert 'viewBox="0 0 768 576"' in page and "/firelane/cameras/gate-cam/snapshot.jpg" in page
    img = c.get("/firelane/cameras/gate-cam/snapshot.jpg")
    assert img.status_code == 200 and img.data[:2] == b"\xff\xd8"
    assert c.get("/firelane/cameras/nowhere/snapshot.jpg").status_code == 404


def test_incident_page_shows_a_failed_sms_and_when_it_is_retried(client_as, fl, runtime):
    runtime.feature(FireLaneFeature).simulated_modem.network = False  # the pty dongle answers +CMS ERROR: 331
    fl.settings.save({"t2_min": 10, "t3_min": 30, "duty_name": "小王", "duty_phone": "13900139000"},
                     "t")
    zone = fl.zones.save({"name": "北门通道", "camera": "cam1", "polygon": "0,0 100,0 100,100"}, "t")
    inc = fl.incidents.open(zone, "cam1", 1, "car", datetime.datetime.now().replace(microsecond=0),
                           frame=np.full((240, 320, 3), 120, np.uint8), box=(10, 10, 100, 100))
    page = client_as("volunteer").get(f"/firelane/incidents/{inc.id}").get_data(as_text=True)
    notices = page[page.index('id="notices"'):]
    assert "失败" in notices and "331" in notices
    assert "重试" in notices  # the next attempt and its time


def test_overview_shows_parking_occupancy_per_zone(client_as, fl):
    page = client_as("volunteer").get("/").get_data(as_text=True)
    assert 'id="parking"' not in page  # no parking zone watched yet
    fl.zones.occupancy[("cam1", "北侧停车位")] = {"registered": 3, "unknown": 1}
    page = client_as("volunteer").get("/").get_data(as_text=True)
    parking = page[page.index('id="parking"'):]
    assert "北侧停车位</td><td>3</td><td>1</td>" in parking


def test_incident_page_says_when_the_network_delivered_the_sms(client_as, fl, runtime):
    import time

    from appliance.firelane.reports import apply_reports

    fl.settings.save({"t2_min": 10, "t3_min": 30, "duty_name": "小王", "duty_phone": "13900139000"},
                     "t")
    zone = fl.zones.save({"name": "北门通道", "camera": "cam1", "polygon": "0,0 100,0 100,100"}, "t")
    inc = fl.incidents.open(zone, "cam1", 1, "car", datetime.datetime.now().replace(microsecond=0),
                           frame=np.full((240, 320, 3), 120, np.uint8), box=(10, 10, 100, 100))
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not apply_reports(fl.db, fl.clock, fl.notifier.reports()):
        time.sleep(0.1)  # the pty dongle sends +CDS once the network "delivered" it
    page = client_as("volunteer").get(f"/firelane/incidents/{inc.id}").get_data(as_text=True)
    notices = page[page.index('id="notices"'):]
    assert "已送达对方手机" in notices


def test_uncertain_read_shows_the_volunteer_the_candidate_plates_and_no_owner(client_as, fl, services):
    reg = services.registry
    b = reg.save_building({"name": "5号楼"}, "t")
    u = reg.save_unit({"building_id": b.id, "number": "1单元101"}, "t")
    r = reg.save_resident({"name": "李娜", "phone": "13800000001", "unit_id": u.id}, "t")
    reg.add_vehicle(r.id, "川K77777", "t")
    zone = fl.zones.save({"name": "北门通道", "camera": "cam1", "polygon": "0,0 100,0 100,100"}, "t")
    # One frame, one recogniser, one character off the registered plate: not phoned.
    inc = fl.incidents.open(zone, "cam1", 1, "car", datetime.datetime.now().replace(microsecond=0),
                           frame=np.full((240, 320, 3), 120, np.uint8), box=(10, 10, 100, 100),
                           plate=BestRead("川K77771", 0.9, 1, True, exact=1))
    assert inc.owner is None and inc.stage == "volunteer"
    page = client_as("volunteer").get(f"/firelane/incidents/{inc.id}").get_data(as_text=True)
    assert "车牌没有读准，所以没有联系车主" in page
    assert '<span class="plate">川K77777</span>' in page
    assert "李娜" not in page  # the candidate's owner is not named on a guess
    # The candidate list is no picture: asking for it as evidence is a plain 404.
    assert client_as("volunteer").get(f"/firelane/incidents/{inc.id}/evidence/candidates").status_code == 404
