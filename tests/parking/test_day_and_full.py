"""The car park through a day (cars inside per hour, visitor share) drawn on /parking/, and
"full" shown on the guard's screen and to a resident inviting a car."""

from __future__ import annotations

import datetime
import re

from appliance.db.models.parking import CarEvent, CarParkCount
from tests.conftest import csrf_token
from tests.parking.test_car_gate import arrive

YESTERDAY = datetime.date.today() - datetime.timedelta(days=1)


def at(hour, minute=0, day=YESTERDAY):
    return datetime.datetime.combine(day, datetime.time(hour, minute))


def car(hour, lane="entry", reason="resident", minute=0, decision="raised", day=YESTERDAY):
    return CarEvent.create(at=at(hour, minute, day), lane=lane, plate="", decision=decision,
                           reason=reason if lane == "entry" else "exit")


def test_cars_inside_follow_entries_exits_and_a_count_made_during_the_day(parking):
    # Two cars were inside before the day (a count two days ago plus one entry after it).
    CarParkCount.create(at=at(9, day=YESTERDAY - datetime.timedelta(days=1)), inside=1, last_event=0, counted_by="v")
    car(20, day=YESTERDAY - datetime.timedelta(days=1))
    car(7, "exit", minute=30)
    car(8, minute=5), car(8, minute=10), car(8, minute=50, reason="visitor")
    car(9, reason="unknown", decision="asked")  # asked, not let in: no change
    last = car(12, minute=10, reason="grace")
    # At 14:00 the volunteer walked the car park and found 2; later moves count from there.
    CarParkCount.create(at=at(14), inside=2, last_event=last.id, counted_by="v")
    car(18, "exit"), car(18, "exit", minute=20), car(18, "exit", minute=40)  # one exit more than cars: stays at 0
    inside = parking.service.day(YESTERDAY)["inside"]
    assert inside[:7] == [2] * 7
    assert inside[7] == 1 and inside[8] == 4 and inside[9] == 4 and inside[12] == 5
    assert inside[13] == 5 and inside[14] == 2 and inside[17] == 2 and inside[18] == 0 and inside[23] == 0


def test_hours_still_to_come_are_not_drawn_as_zero(parking):
    inside = parking.service.day()["inside"]
    now = datetime.datetime.now()
    assert inside[now.hour] is not None and all(v is None for v in inside[now.hour + 1:])


def test_visitor_share_counts_passes_volunteer_and_delivery_cars_against_residents(parking):
    for reason in ("resident", "resident", "resident", "visitor", "volunteer", "grace"):
        car(10, reason=reason)
    car(11, reason="fire")  # a fire raise is nobody's entry
    car(11, reason="unknown", decision="asked")
    day = parking.service.day(YESTERDAY)
    assert day["kinds"] == {"resident": 3, "visitor": 1, "volunteer": 1, "grace": 1}
    assert day["visitor_share"] == 0.5
    assert parking.service.day(YESTERDAY - datetime.timedelta(days=3))["visitor_share"] is None


def test_the_parking_page_draws_cars_inside_and_the_visitor_share(parking, client_as):
    parking.service.settings.exit_presence_pin = 21  # leaving cars are seen: the line is drawn
    for reason in ("resident", "resident", "resident", "visitor"):
        car(9, reason=reason)
    car(17, "exit")
    html = client_as("volunteer").get(f"/parking/?day={YESTERDAY.isoformat()}").get_data(as_text=True)
    assert "场内车辆（全天）" in html and 'class="capacity"' in html  # capacity 3 drawn as a line
    assert f'name="day" value="{YESTERDAY.isoformat()}"' in html  # the day picker shows the day drawn
    points = re.search(r'<polyline class="inside" points="([^"]+)"', html).group(1).split()
    assert len(points) == 48  # every hour of a past day
    ys = [float(p.split(",")[1]) for p in points]
    assert ys[18] < ys[16] and ys[34] > ys[18]  # up at 9:00 (4 in), down at 17:00 (1 out)
    assert "访客占 25%（共 4 辆）" in html
    widths = {k: float(w) for k, w in re.findall(r'class="share-(\w+)" x="[^"]+" y="0" width="([^"]+)"', html)}
    assert widths["resident"] == 3 * widths["visitor"]
    empty = client_as("volunteer").get(f"/parking/?day={(YESTERDAY - datetime.timedelta(days=5)).isoformat()}")
    assert "这一天没有车辆进入。" in empty.get_data(as_text=True)


def test_no_cars_inside_line_where_leaving_cars_are_not_seen(parking, client_as):
    car(9)
    html = client_as("volunteer").get("/parking/").get_data(as_text=True)
    assert 'id="cars-inside-chart"' not in html and 'id="visitor-share"' in html


def test_full_shows_on_the_guards_screen_and_goes_when_a_car_leaves(parking, client_as):
    settings = parking.service.settings
    settings.exit_presence_pin = 21
    c = client_as("volunteer")
    for plate in ("京A10001", "京A10002"):
        parking.service.create_pass(plate, 4, 1, "", "volunteer")
        arrive(parking, plate)
        parking.simulators["entry"].set_vehicle(False)
    assert 'id="car-park-full"' not in c.get("/parking/gate/car").get_data(as_text=True)
    parking.service.create_pass("京A10003", 4, 1, "", "volunteer")
    arrive(parking, "京A10003")
    assert "车位已满" in c.get("/parking/gate/car").get_data(as_text=True)
    assert "车位已满" in c.get("/parking/gate").get_data(as_text=True)
    parking.service.decide("exit", "京A10001")
    assert 'id="car-park-full"' not in c.get("/parking/gate/car").get_data(as_text=True)


def test_a_resident_inviting_a_car_sees_free_spaces_or_full(parking, owner, app, services):
    client = app.test_client()
    pin = services.credentials.new_pin(owner.id, "t")
    r = client.post("/me/login", data={"phone": owner.phone, "pin": pin, "csrf_token": csrf_token(client, "/me/login")})
    assert r.status_code == 302
    # Not counted (no exit loop or camera): no figure that could mislead.
    assert 'id="car-park-spaces"' not in client.get("/me/cars/").get_data(as_text=True)
    parking.service.settings.exit_presence_pin = 21
    assert "现在还有 3 个空车位" in client.get("/me/cars/").get_data(as_text=True)
    parking.service.count_cars(3, "volunteer")
    assert "车位已满" in client.get("/me/cars/").get_data(as_text=True)


def zone(camera, name, kind="parking"):
    from appliance.db.models import FireZone

    return FireZone.create(camera=camera, name=name, kind=kind, polygon=[[0, 0], [100, 0], [100, 100]],
                           objects=["car"])


def test_camera_zones_count_the_cars_inside_where_they_cover_the_car_park(parking, services, owner, client_as):
    zone("cam1", "东侧车位"), zone("cam2", "西侧车位"), zone("cam2", "消防通道", kind="fire_lane")
    # What the fire-lane cameras' watch reports for the cars present in each zone.
    services.firelane.parking_count("cam1", "东侧车位", ["京A12345", ""])
    services.firelane.parking_count("cam2", "西侧车位", ["沪B67890"])
    services.firelane.parking_count("cam3", "删掉的区域", ["沪B11111"])  # a zone no longer drawn
    occupancy = parking.service.occupancy()
    assert occupancy["zones"] == {"东侧车位": 2, "西侧车位": 1}
    assert occupancy["source"] == "gate" and occupancy["counted"] is False  # they do not cover every space
    html = client_as("volunteer").get("/parking/").get_data(as_text=True)
    assert "摄像头现在看到的车辆" in html and "东侧车位: <b>2 辆</b>" in html and "没有覆盖整个停车场" in html
    parking.service.settings.zones_cover_all = True
    occupancy = parking.service.occupancy()
    assert (occupancy["counted"], occupancy["inside"], occupancy["source"], occupancy["full"]) == (True, 3, "zones", True)
    assert "车位已满" in client_as("volunteer").get("/parking/gate/car").get_data(as_text=True)
    services.firelane.parking_count("cam2", "西侧车位", [])  # that car drove off
    assert parking.service.occupancy()["inside"] == 2 and not parking.service.occupancy()["full"]
    html = client_as("volunteer").get("/parking/").get_data(as_text=True)
    assert 'id="count-from-zones"' in html and 'id="cars-inside"' in html


def test_a_zone_camera_without_a_picture_is_not_trusted_and_the_count_falls_back(parking, services, runtime,
                                                                                  client_as):
    from appliance.firelane.cameras import CameraWatch
    from appliance.firelane.setup import FireLaneFeature

    parking.service.settings.zones_cover_all = True
    parking.service.settings.exit_presence_pin = 21
    zone("cam1", "东侧车位"), zone("cam2", "西侧车位")
    services.firelane.parking_count("cam1", "东侧车位", ["京A12345"])
    # 西侧车位's camera has not counted yet: covering all spaces, the zones are not the count.
    occupancy = parking.service.occupancy()
    assert occupancy["source"] == "gate" and occupancy["zones_blind"] == ["西侧车位"]
    services.firelane.parking_count("cam2", "西侧车位", ["沪B67890", "沪B67891"])
    assert parking.service.occupancy()["inside"] == 3
    # cam2 loses its picture (a watch whose camera is not open): its last count is stale.
    runtime.feature(FireLaneFeature).camera_watches.append(CameraWatch("cam2", {}, None))
    occupancy = parking.service.occupancy()
    assert occupancy["source"] == "gate" and occupancy["zones"] == {"东侧车位": 1}
    html = client_as("volunteer").get("/parking/").get_data(as_text=True)
    assert "这些区域的摄像头没有画面：西侧车位" in html and 'id="count-from-zones"' not in html
