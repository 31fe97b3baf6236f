"""Free spaces per parking zone: the spaces drawn in the zone editor less the cars the zone's
camera sees, on /parking/ and on /me/cars/, and the car park's free spaces made of them."""

from __future__ import annotations

import re

from appliance.db.models import FireZone
from tests.conftest import csrf_token


def draw(client, name, camera, spaces):
    """A volunteer draws a parking zone in the fire-lane zone editor."""
    r = client.post("/firelane/zones", data={
        "csrf_token": csrf_token(client, "/firelane/zones"), "name": name, "camera": camera, "kind": "parking",
        "polygon": "0,0 100,0 100,100", "dwell_s": "60", "inertia": "3", "objects": ["car"], "spaces": spaces})
    assert r.status_code == 302, r.get_data(as_text=True)[:300]


def resident_client(app, services, owner):
    client = app.test_client()
    pin = services.credentials.new_pin(owner.id, "t")
    r = client.post("/me/login", data={"phone": owner.phone, "pin": pin, "csrf_token": csrf_token(client, "/me/login")})
    assert r.status_code == 302
    return client


def zone_line(html, zone):
    return re.search(rf'<li data-zone="{zone}"[^>]*>(.*?)</li>', html).group(1)


def test_each_zone_shows_its_free_spaces_where_its_camera_counts(parking, services, owner, app, client_as):
    volunteer = client_as("volunteer")
    draw(volunteer, "东侧车位", "cam1", "10")
    draw(volunteer, "西侧车位", "cam2", "2")
    draw(volunteer, "北侧车位", "cam3", "")  # spaces not known
    draw(volunteer, "南侧车位", "cam4", "6")  # its camera has not counted: nothing said about it
    services.firelane.parking_count("cam1", "东侧车位", ["京A12345", ""])
    services.firelane.parking_count("cam2", "西侧车位", ["沪B67890", "", ""])  # one parked outside the lines
    services.firelane.parking_count("cam3", "北侧车位", ["沪B11111"])
    zone_free = parking.service.occupancy()["zone_free"]
    assert zone_free == {"东侧车位": {"cars": 2, "spaces": 10, "free": 8, "full": False},
                         "西侧车位": {"cars": 3, "spaces": 2, "free": 0, "full": True}}
    html = volunteer.get("/parking/").get_data(as_text=True)
    assert "2 辆" in zone_line(html, "东侧车位") and "共 10 个车位，空 8 个" in zone_line(html, "东侧车位")
    assert "已满" in zone_line(html, "西侧车位")
    assert "空" not in zone_line(html, "北侧车位")  # no spaces given: only the cars seen
    assert "南侧车位" in html and 'data-zone="南侧车位"' not in html  # named as blind, not counted
    # The resident inviting a car sees the zones, though the whole car park is not counted here.
    me = resident_client(app, services, owner).get("/me/cars/").get_data(as_text=True)
    assert 'id="car-park-spaces"' not in me
    assert "现在还有 8 个空车位" in zone_line(me, "东侧车位") and "已满" in zone_line(me, "西侧车位")
    assert 'data-zone="北侧车位"' not in me and 'data-zone="南侧车位"' not in me
    # A car leaves the east zone: one more free space.
    services.firelane.parking_count("cam1", "东侧车位", ["京A12345"])
    me = resident_client(app, services, owner).get("/me/cars/").get_data(as_text=True)
    assert "现在还有 9 个空车位" in zone_line(me, "东侧车位")


def test_zones_covering_the_car_park_make_its_free_spaces_instead_of_capacity(parking, services, owner, app,
                                                                                client_as):
    parking.service.settings.zones_cover_all = True  # capacity stays 3 from the test config
    volunteer = client_as("volunteer")
    draw(volunteer, "地面车位", "cam1", "10")
    draw(volunteer, "地下车位", "cam2", "30")
    services.firelane.parking_count("cam1", "地面车位", ["京A12345", "沪B67890"])
    services.firelane.parking_count("cam2", "地下车位", ["沪B11111", "", ""])
    occupancy = parking.service.occupancy()
    assert (occupancy["inside"], occupancy["capacity"], occupancy["free"], occupancy["full"]) == (5, 40, 35, False)
    html = volunteer.get("/parking/").get_data(as_text=True)
    assert re.search(r'id="spaces-free"><b>35</b><span>空位（共 40 个）', html)
    assert 'id="capacity-from-zones"' in html
    assert 'id="car-park-full"' not in volunteer.get("/parking/gate/car").get_data(as_text=True)
    assert "现在还有 35 个空车位" in resident_client(app, services, owner).get("/me/cars/").get_data(as_text=True)
    # One zone's spaces cleared in the editor: the zones no longer add up to the car park,
    # so the configured capacity (3) counts again, and 5 cars fill it.
    z = FireZone.get(FireZone.name == "地下车位")
    z.spaces = 0
    z.save()
    occupancy = parking.service.occupancy()
    assert (occupancy["capacity"], occupancy["capacity_from"], occupancy["full"]) == (3, "setting", True)
    assert 'id="capacity-from-zones"' not in volunteer.get("/parking/").get_data(as_text=True)
    assert "车位已满" in volunteer.get("/parking/gate/car").get_data(as_text=True)
