"""What is left of the car gate: the delivery/taxi rule, long-stay flags with a work order,
the car count only where leaving cars are seen, the plate crop, and the log export."""

from __future__ import annotations

import csv
import datetime
import io

import numpy as np
import pytest
from openpyxl import load_workbook

from appliance.db.models import AuditLog, PlateWatch, WorkOrder
from appliance.db.models.parking import CarEvent
from appliance.errors import NotFound, ValidationError
from appliance.parking.approach import ApproachReader
from models.plates.read import PlateRead
from tests.conftest import csrf_token
from tests.parking.test_car_gate import arrive


class Later:
    """The stay watch's clock, moved on by the test."""

    def __init__(self):
        self.delta = datetime.timedelta()

    def __call__(self):
        return datetime.datetime.now() + self.delta


@pytest.fixture
def later(parking):
    clock = Later()
    parking.stays.clock = clock
    return clock


def test_delivery_one_tap_lets_an_unknown_car_in_logged_as_such(parking):
    q = arrive(parking, "粤B00001").question
    decision = parking.answer(q.id, True, "", "volunteer", grace=True)
    assert decision.raised and decision.reason == "grace" and parking.barriers["entry"].up_energised
    event = CarEvent.select().order_by(CarEvent.id.desc()).first()
    assert (event.reason, event.actor, event.plate) == ("grace", "volunteer", "粤B00001")
    audit = AuditLog.select().where(AuditLog.action == "car_let_in").get()
    assert audit.detail["grace"] and audit.detail["reason"] == "送货/出租"


def test_delivery_one_tap_is_not_for_a_doubtful_registered_or_watched_plate(parking, services, owner):
    q = arrive(parking, "京A12346").question  # one letter off a registered plate
    with pytest.raises(ValidationError) as bad:
        parking.answer(q.id, True, "", "volunteer", grace=True)
    assert bad.value.field == "reason" and not parking.barriers["entry"].up_energised
    PlateWatch.create(plate="粤B99999", reason="被盗", created_at=datetime.datetime.now())
    parking.simulators["entry"].set_vehicle(False)
    q = arrive(parking, "粤B99999").question
    assert q.why == "watch"
    with pytest.raises(ValidationError):
        parking.answer(q.id, True, "", "volunteer", grace=True)


def test_delivery_button_switched_off_with_zero_minutes(parking):
    parking.service.settings.grace_minutes = 0
    q = arrive(parking, "粤B00001").question
    with pytest.raises(ValidationError):
        parking.answer(q.id, True, "", "volunteer", grace=True)


def test_grace_auto_lets_clean_unknown_reads_in_but_still_asks_for_unreadable(parking):
    parking.service.settings.grace_auto = True
    assert arrive(parking, "粤B00001").reason == "grace"
    parking.simulators["entry"].set_vehicle(False)
    assert arrive(parking, None).action == "ask"  # never read: a volunteer looks


def test_a_delivery_car_still_inside_after_its_minutes_is_flagged_until_it_leaves(parking, later):
    q = arrive(parking, "粤B00001").question
    parking.answer(q.id, True, "", "volunteer", grace=True)
    assert parking.stays.flags() == []
    later.delta = datetime.timedelta(minutes=16)
    [flag] = parking.stays.flags()
    assert (flag.kind, flag.plate) == ("grace", "粤B00001") and flag.minutes >= 15
    parking.lanes["exit"].plate_read("粤B00001", 0.9)
    assert parking.stays.flags() == []


def test_visitor_and_volunteer_cars_flagged_after_long_stay_hours_residents_never(parking, owner, later):
    parking.service.create_pass("沪B67890", 48, 1, "", "volunteer", resident=owner)
    assert arrive(parking, "沪B67890").reason == "visitor"
    parking.simulators["entry"].set_vehicle(False)
    assert arrive(parking, "京A12345").reason == "resident"
    later.delta = datetime.timedelta(hours=23)
    assert parking.stays.flags() == []
    later.delta = datetime.timedelta(hours=25)
    assert [(f.kind, f.plate) for f in parking.stays.flags()] == [("long", "沪B67890")]


def test_one_tap_opens_one_work_order_per_flagged_car(parking, owner, later):
    parking.service.create_pass("沪B67890", 48, 1, "", "volunteer", resident=owner)
    arrive(parking, "沪B67890")
    with pytest.raises(NotFound):  # not flagged yet
        parking.stays.open_work_order(CarEvent.select().first().id, "volunteer")
    later.delta = datetime.timedelta(hours=30)
    [flag] = parking.stays.flags()
    order = parking.stays.open_work_order(flag.event.id, "volunteer")
    again = parking.stays.open_work_order(flag.event.id, "volunteer")
    assert order.id == again.id and WorkOrder.select().count() == 1
    assert "沪B67890" in order.description and order.category.code == "parking_long_stay"


def test_car_count_only_when_cars_leaving_are_seen(parking, services):
    settings = parking.service.settings
    assert parking.service.occupancy()["counted"] is False  # exit barrier, but no loop and no camera
    assert "不" in services.health.report()["subsystems"]["car gate"]["detail"]
    settings.exit_camera = "file:/nowhere"
    assert parking.service.occupancy()["counted"] is True
    settings.exit_camera, settings.exit_presence_pin = "", 21
    assert parking.service.occupancy()["counted"] is True


class ScriptedReader:
    """Stands in for the plate models: returns the given reads for each frame."""

    def __init__(self, text, box=(300, 200, 420, 240)):
        self.read_ = PlateRead(text=text, confidence=0.93, box=box, char_confidences=[0.95] * len(text))

    def read(self, image):
        return [self.read_]


def test_the_entry_camera_keeps_a_plate_crop_for_the_guard(parking, client_as, users):
    clock = iter(x * 0.2 for x in range(100))
    camera = ApproachReader(parking.lanes["entry"], ScriptedReader("粤B00001"), clock=lambda: next(clock),
                            pictures=parking.pictures)
    image = np.full((480, 640, 3), 90, np.uint8)
    for _ in range(4):
        camera.frame(image)
    assert len(parking.pictures.saved) == 1  # saved once, not on every frame
    parking.simulators["entry"].set_vehicle(True)
    q = parking.lanes["entry"].decisions[-1].question
    assert q.picture == parking.pictures.saved[0]
    c = client_as("volunteer")
    got = c.get(f"/parking/picture/{q.picture}")
    assert got.status_code == 200 and got.data[:2] == b"\xff\xd8"
    assert c.get("/parking/picture/..%2Fconfig.toml").status_code == 404


def test_the_exit_camera_counts_one_car_once(parking):
    clock = iter(x * 0.2 for x in range(100))
    exit_lane = parking.lanes["exit"]
    camera = ApproachReader(exit_lane, ScriptedReader("粤B00001"), clock=lambda: next(clock))
    for _ in range(6):
        camera.frame(np.zeros((480, 640, 3), np.uint8))
    assert CarEvent.select().where(CarEvent.lane == "exit").count() == 1


def test_export_csv_and_xlsx_with_translated_headers_and_a_date_range(parking, client_as):
    arrive(parking, "粤B00001")
    q = parking.lanes["entry"].decisions[-1].question
    parking.answer(q.id, True, "=cmd|快递", "volunteer")
    c = client_as("volunteer")
    today = datetime.date.today().isoformat()
    got = c.get(f"/parking/export.csv?from={today}&to={today}")
    assert got.status_code == 200 and "attachment" in got.headers["Content-Disposition"]
    lines = list(csv.reader(io.StringIO(got.get_data(as_text=True).lstrip("\ufeff"))))
    assert lines[0][:3] == ["时间", "车牌", "进/出"]
    assert [row[1] for row in lines[1:]] == ["粤B00001", "粤B00001"]
    assert lines[-1][-1] == "'=cmd|快递"  # never a formula in Excel
    got = c.get(f"/parking/export.xlsx?from={today}&to={today}")
    ws = load_workbook(io.BytesIO(got.data)).active
    rows = list(ws.values)
    assert rows[0][0] == "时间" and len(rows) == 3 and rows[2][1] == "粤B00001"
    yesterday = (datetime.date.today() - datetime.timedelta(days=1)).isoformat()
    got = c.get(f"/parking/export.csv?from={yesterday}&to={yesterday}")
    assert len(got.get_data(as_text=True).strip().splitlines()) == 1  # headers only


def test_export_refuses_a_bad_range_in_words(parking, client_as):
    c = client_as("volunteer")
    bad = c.get("/parking/export.csv?from=2026-05-02&to=2026-05-01")
    assert bad.status_code == 400 and "结束日期" in bad.get_data(as_text=True)
    assert c.get("/parking/export.csv?from=2020-01-01&to=2026-01-01").status_code == 400
    assert c.get("/parking/export.csv?from=garbage").status_code == 400
    assert c.get("/parking/export.pdf").status_code == 404


def test_gate_answer_without_a_choice_says_so_and_refuse_keeps_it_down(parking, client_as):
    q = arrive(parking, "粤B00001").question
    c = client_as("volunteer")
    token = csrf_token(c, "/parking/gate")
    bad = c.post(f"/parking/gate/{q.id}", data={"csrf_token": token, "choice": "x"})
    assert bad.status_code == 400 and not parking.barriers["entry"].up_energised
    ok = c.post(f"/parking/gate/{q.id}", data={"csrf_token": token, "choice": "refuse"})
    assert ok.status_code == 302 and not parking.barriers["entry"].up_energised
    assert CarEvent.select().where(CarEvent.decision == "refused").count() == 1


def test_the_parking_page_says_the_count_is_unavailable_and_lists_long_stays(parking, owner, later, client_as):
    parking.service.create_pass("沪B67890", 48, 1, "", "volunteer", resident=owner)
    arrive(parking, "沪B67890")
    later.delta = datetime.timedelta(hours=30)
    c = client_as("volunteer")
    html = c.get("/parking/").get_data(as_text=True)
    assert 'id="cars-inside-unknown"' in html and 'id="cars-inside"' not in html
    assert "停放过久的车辆" in html and "沪B67890" in html and "没有出口摄像头" in html
    event_id = CarEvent.select().where(CarEvent.plate == "沪B67890").get().id
    token = csrf_token(c, "/parking/")
    got = c.post(f"/parking/stays/{event_id}/workorder", data={"csrf_token": token})
    order = WorkOrder.get()
    assert got.status_code == 302 and got.headers["Location"].endswith(f"/workorders/{order.id}")
    district = client_as("district")  # reads the page, may not act
    assert district.post(f"/parking/stays/{event_id}/workorder",
                         data={"csrf_token": csrf_token(district, "/parking/")}).status_code == 403
    assert WorkOrder.select().count() == 1
    parking.service.settings.exit_presence_pin = 21
    html = c.get("/parking/").get_data(as_text=True)
    assert 'id="cars-inside"' in html


def test_the_guard_is_told_which_unit_invited_a_car_whose_pass_is_used_up(parking, owner):
    from appliance.parking.gate import who

    parking.service.create_pass("沪B67890", 4, 1, "", "resident", resident=owner)
    assert arrive(parking, "沪B67890").reason == "visitor"
    parking.simulators["entry"].set_vehicle(False)
    q = arrive(parking, "沪B67890").question
    seen = who(q)
    assert (seen["kind"], seen["inviter"], seen["grace"]) == ("pass", "3号楼 2单元302", True)


def test_a_big_export_is_streamed_in_pieces_not_built_whole(parking, client_as):
    now = datetime.datetime.now()
    with parking.service.db.atomic():
        for i in range(3000):
            CarEvent.create(at=now, lane="entry", plate=f"粤B{i:05d}", decision="asked", reason="unknown")
    got = client_as("volunteer").get("/parking/export.csv")
    assert got.is_streamed
    pieces = list(got.response)
    assert len(pieces) > 1 and sum(len(p) for p in pieces) > 100_000
    assert b"".join(p if isinstance(p, bytes) else p.encode() for p in pieces).count("粤B".encode()) == 3000
